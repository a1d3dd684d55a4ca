package io.gatehouse.protocol.audit;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * An audit record with its node's Ed25519 signature over {@link AuditRecord#canonical()}. This is the message on
 * the Kafka topic {@code gatehouse.audit} and the entry in a node's spool: 4-byte length, canonical record, 1-byte
 * length, signature. The canonical bytes travel as they were signed, so no re-encoding can change what was signed.
 */
public record SignedAuditRecord(AuditRecord record, byte[] canonical, byte[] signature) {
    public static final String TOPIC = "gatehouse.audit";

    public SignedAuditRecord {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(canonical, "canonical");
        Objects.requireNonNull(signature, "signature");
        if (signature.length == 0 || signature.length > 255) {
            throw new MalformedAuditRecordException("signature of " + signature.length + " bytes");
        }
    }

    public static SignedAuditRecord of(AuditRecord record, byte[] signature) {
        return new SignedAuditRecord(record, record.canonical(), signature);
    }

    public byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(4 + canonical.length + 1 + signature.length);
        out.putInt(canonical.length).put(canonical).put((byte) signature.length).put(signature);
        return out.array();
    }

    public static SignedAuditRecord decode(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            int length = in.getInt();
            if (length < 0 || length > in.remaining()) {
                throw new MalformedAuditRecordException("bad record length " + length);
            }
            byte[] canonical = new byte[length];
            in.get(canonical);
            byte[] signature = new byte[in.get() & 0xff];
            in.get(signature);
            if (in.hasRemaining()) {
                throw new MalformedAuditRecordException(in.remaining() + " bytes after the signature");
            }
            return new SignedAuditRecord(AuditRecord.fromCanonical(canonical), canonical, signature);
        } catch (java.nio.BufferUnderflowException e) {
            throw new MalformedAuditRecordException("signed record is truncated");
        }
    }
}
