package io.gatehouse.audit.testing;

import io.gatehouse.protocol.audit.AuditRecord;

import java.time.Instant;

/** Audit records as a gateway would write them, for tests. */
public final class Records {
    private Records() {
    }

    public static AuditRecord record(String nodeId, int i, Instant time) {
        return new AuditRecord("req-" + i, time, nodeId, "consumer-" + (i % 3), "app-" + (i % 3), "api-orders", null,
                i % 2 == 0 ? "GET" : "POST", "/orders/" + i, i % 5 == 0 ? 429 : 200, i % 5 == 0 ? "rate_limited" : null,
                1_000 + i, i, 2L * i, "10.0.0." + (i % 250), AuditRecord.EMPTY_SHA256, AuditRecord.EMPTY_SHA256);
    }
}
