package io.gatehouse.management.console;

import io.gatehouse.audit.signing.NodeKeys;
import io.gatehouse.management.audit.AuditStore;
import io.gatehouse.protocol.audit.AuditRecord;
import io.gatehouse.protocol.audit.SignedAuditRecord;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Signed audit records of a node of its own, stored through the ingest path (as if they came off Kafka). */
final class AuditRecords {
    private final NodeKeys keys = NodeKeys.generate();
    private final String nodeId = "node-console-" + UUID.randomUUID().toString().substring(0, 8);
    private final AuditStore store;

    AuditRecords(AuditStore store) throws Exception {
        this.store = store;
        store.registerKey(nodeId, keys.publicKeyBase64());
    }

    /** One request of this API by this consumer at this time, answered with this status. */
    byte[] record(String requestId, Instant at, String apiId, String consumerId, int status) {
        AuditRecord record = new AuditRecord(requestId, at, nodeId, consumerId, consumerId == null ? null : "app-of-" + consumerId,
                apiId, "GET /orders/{id}", "GET", "/orders/" + requestId, status, status >= 500 ? "upstream_error" : null, 1_500, 0, 42,
                "10.9.8.7", AuditRecord.EMPTY_SHA256, AuditRecord.EMPTY_SHA256);
        return SignedAuditRecord.of(record, keys.sign(record.canonical())).encode();
    }

    void store(List<byte[]> records) throws Exception {
        AuditStore.Outcome outcome = store.ingest(records);
        if (outcome.stored() != records.size()) {
            throw new IllegalStateException("stored " + outcome);
        }
    }

    /**
     * {@code perHour} requests in each hour from {@code start} for {@code hours} hours; every fifth a 500 and every
     * seventh a 404 (so a test can count the errors it expects). Returns the records, oldest first.
     */
    List<byte[]> hourly(String prefix, Instant start, int hours, int perHour, String apiId, String consumerId) {
        List<byte[]> out = new ArrayList<>();
        int n = 0;
        for (int h = 0; h < hours; h++) {
            for (int i = 0; i < perHour; i++, n++) {
                int status = n % 5 == 4 ? 500 : n % 7 == 6 ? 404 : 200;
                out.add(record(prefix + "-" + n, start.plusSeconds(3600L * h + 30L * i), apiId, consumerId, status));
            }
        }
        return out;
    }

    static boolean isError(int n) {
        return n % 5 == 4 || n % 7 == 6;
    }
}
