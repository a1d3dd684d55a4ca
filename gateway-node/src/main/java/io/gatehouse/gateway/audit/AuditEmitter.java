package io.gatehouse.gateway.audit;

import io.gatehouse.gateway.proxy.Exchange;

/**
 * Where a finished exchange goes to be audited. The request path calls {@link #finished} exactly once per exchange,
 * whatever ended it (answered, refused by the gateway, failed upstream, client gone), on the exchange's event loop,
 * after its answer ended or its connection closed. An implementation must not block and must not fail the request.
 */
public interface AuditEmitter {
    /** Audit is off: nothing is recorded. */
    AuditEmitter OFF = new AuditEmitter() {
        @Override
        public void finished(Exchange exchange) {
        }

        @Override
        public BodyDigests digests() {
            return BodyDigests.NONE;
        }
    };

    /** Records the exchange. Called once per exchange; non-blocking. */
    void finished(Exchange exchange);

    /** The body hashing for a new exchange: {@link BodyDigests#NONE} when nothing is recorded. */
    BodyDigests digests();
}
