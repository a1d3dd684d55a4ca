package io.gatehouse.gateway.audit;

import io.gatehouse.audit.spool.AuditWriter;
import io.gatehouse.gateway.auth.Credential;
import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.GatewayError;
import io.gatehouse.protocol.audit.AuditRecord;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Turns a finished exchange into its audit record and queues it for the spool writer. Runs on the event loop:
 * it builds one small record and does one lock-free offer; signing and disk happen on the writer thread.
 */
final class AuditRecorder implements AuditEmitter {
    /** The error code of an exchange whose answer never completed (the client left, or the answer was cut). */
    static final String INCOMPLETE = "incomplete";
    private final String nodeId;
    private final AuditWriter writer;

    AuditRecorder(String nodeId, AuditWriter writer) {
        this.nodeId = nodeId;
        this.writer = writer;
    }

    @Override
    public BodyDigests digests() {
        return BodyDigests.start();
    }

    @Override
    public void finished(Exchange exchange) {
        BodyDigests bodies = exchange.bodies();
        if (bodies == BodyDigests.NONE || bodies.markFinished()) {
            return;
        }
        HttpServerRequest request = exchange.request();
        HttpServerResponse response = request.response();
        long latencyMicros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - exchange.startNanos());
        Instant now = Instant.now();
        // Made at microsecond precision, so the record keeps this Instant as it is (no truncated copy).
        Instant arrived = AuditRecord.fromEpochMicros(now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000 - latencyMicros);
        Credential credential = exchange.credential();
        GatewayError error = exchange.error();
        boolean complete = response.ended();
        String errorCode = error != null ? error.code() : complete ? null : INCOMPLETE;
        int status = response.headWritten() ? response.getStatusCode() : 0;
        String client = io.gatehouse.gateway.guard.ClientAddresses.of(request);
        writer.offer(new AuditRecord(exchange.requestId().toString(), arrived, nodeId,
                credential == null ? null : credential.consumerId(),
                credential == null ? null : credential.applicationId(),
                exchange.route() == null ? null : exchange.route().apiId(),
                exchange.operation(),
                request.method().name(),
                exchange.path(),
                status,
                errorCode,
                latencyMicros,
                request.bytesRead(),
                response.bytesWritten(),
                client,
                bodies.requestDigest(),
                bodies.responseDigest()));
    }
}
