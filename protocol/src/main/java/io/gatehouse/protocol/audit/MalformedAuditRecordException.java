package io.gatehouse.protocol.audit;

/** Bytes that are not an audit record in the canonical form (or not a signed one): untrusted input, refused. */
public final class MalformedAuditRecordException extends RuntimeException {
    public MalformedAuditRecordException(String message) {
        super(message);
    }
}
