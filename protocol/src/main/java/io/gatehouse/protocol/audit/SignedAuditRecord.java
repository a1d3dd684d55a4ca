package io.gatehouse.protocol.audit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * An audit record with what proves its node made it. This is the message on the Kafka topic {@code gatehouse.audit}
 * and the entry in a node's spool. Two forms, told apart by their first bytes (docs/protocol.md):
 * <ul>
 *   <li>single-signed (version 1, the first form): {@code int32 length ‖ canonical ‖ uint8 length ‖ signature}, the
 *       node's Ed25519 signature over the canonical bytes themselves ({@code proof} is null);</li>
 *   <li>batch-signed (version 2, what nodes write now): {@code "GHSB" ‖ 02 ‖ int32 length ‖ canonical ‖ int64 batch id
 *       ‖ int32 leaf index ‖ int32 leaf count ‖ uint8 path hashes ‖ path ‖ uint8 length ‖ signature}, the signature
 *       being over the batch statement ({@link BatchProof#statement}) that the record's leaf and path lead to.</li>
 * </ul>
 * A version 1 message starts with a record length, which is never as large as {@code "GHSB"} read as an int32, so
 * the two cannot be mistaken for each other. The canonical bytes travel as they were hashed, so no re-encoding can
 * change what was signed.
 */
public record SignedAuditRecord(AuditRecord record, byte[] canonical, byte[] signature, BatchProof proof) {
    public static final String TOPIC = "gatehouse.audit";
    private static final byte[] BATCH_MAGIC = "GHSB".getBytes(StandardCharsets.US_ASCII);
    private static final byte BATCH_VERSION = 2;

    public SignedAuditRecord {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(canonical, "canonical");
        Objects.requireNonNull(signature, "signature");
        if (signature.length == 0 || signature.length > 255) {
            throw new MalformedAuditRecordException("signature of " + signature.length + " bytes");
        }
    }

    /** A single-signed record (version 1). */
    public SignedAuditRecord(AuditRecord record, byte[] canonical, byte[] signature) {
        this(record, canonical, signature, null);
    }

    /** A single-signed record (version 1): {@code signature} is over {@code record.canonical()}. */
    public static SignedAuditRecord of(AuditRecord record, byte[] signature) {
        return new SignedAuditRecord(record, record.canonical(), signature);
    }

    /** Whether the signature covers a batch root (version 2) rather than this record alone. */
    public boolean batchSigned() {
        return proof != null;
    }

    /**
     * The bytes the signature is over: the canonical record itself, or the statement of the batch its leaf and path
     * lead to.
     *
     * @throws MalformedAuditRecordException when a batch proof does not fit its own index and count
     */
    public byte[] signedBytes() {
        return proof == null ? canonical : proof.statement(record.nodeId(), canonical);
    }

    public byte[] encode() {
        if (proof == null) {
            ByteBuffer out = ByteBuffer.allocate(4 + canonical.length + 1 + signature.length);
            out.putInt(canonical.length).put(canonical).put((byte) signature.length).put(signature);
            return out.array();
        }
        byte[] path = proof.path();
        int hashes = path.length / MerkleTree.HASH_BYTES;
        byte[] out = new byte[batchSignedSize(canonical.length, hashes, signature.length)];
        int at = writeBatchSignedHead(out, 0, canonical.length);
        System.arraycopy(canonical, 0, out, at, canonical.length);
        at = writeBatchSignedProof(out, at + canonical.length, proof.batchId(), proof.leafIndex(), proof.leafCount(), hashes);
        System.arraycopy(path, 0, out, at, path.length);
        writeSignature(out, at + path.length, signature);
        return out;
    }

    // The batch-signed form in pieces, for a writer that lays it out in its own buffer (a node's spool writer encodes
    // the canonical record in place, then fills in the proof once the batch's tree is built and signed). encode()
    // is made of the same pieces, so there is one definition of the layout.

    /** Bytes of a batch-signed message whose canonical record, path and signature have these lengths. */
    public static int batchSignedSize(int canonicalLength, int pathHashes, int signatureLength) {
        return BATCH_MAGIC.length + 1 + 4 + canonicalLength + 8 + 4 + 4 + 1 + pathHashes * MerkleTree.HASH_BYTES + 1
                + signatureLength;
    }

    /** Where the canonical record of a batch-signed message written from {@code at} goes. */
    public static int batchSignedCanonicalOffset(int at) {
        return at + BATCH_MAGIC.length + 1 + 4;
    }

    /** Writes {@code "GHSB" ‖ 02 ‖ int32 length}; returns where the canonical record goes. */
    public static int writeBatchSignedHead(byte[] out, int at, int canonicalLength) {
        System.arraycopy(BATCH_MAGIC, 0, out, at, BATCH_MAGIC.length);
        at += BATCH_MAGIC.length;
        out[at++] = BATCH_VERSION;
        return AuditRecord.putInt(out, at, canonicalLength);
    }

    /**
     * Writes {@code int64 batch id ‖ int32 leaf index ‖ int32 leaf count ‖ uint8 path hashes}, right after the
     * canonical record; returns where the path's hashes go (then {@link #writeSignature} after them).
     */
    public static int writeBatchSignedProof(byte[] out, int at, long batchId, int leafIndex, int leafCount, int pathHashes) {
        if (pathHashes > 255) {
            throw new IllegalArgumentException("a Merkle path of " + pathHashes + " hashes");
        }
        at = AuditRecord.putInt(out, at, (int) (batchId >>> 32));
        at = AuditRecord.putInt(out, at, (int) batchId);
        at = AuditRecord.putInt(out, at, leafIndex);
        at = AuditRecord.putInt(out, at, leafCount);
        out[at] = (byte) pathHashes;
        return at + 1;
    }

    /** Writes {@code uint8 length ‖ signature}; returns where the message ends. */
    public static int writeSignature(byte[] out, int at, byte[] signature) {
        out[at] = (byte) signature.length;
        System.arraycopy(signature, 0, out, at + 1, signature.length);
        return at + 1 + signature.length;
    }

    public static SignedAuditRecord decode(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            BatchProof proof = null;
            byte[] canonical;
            if (bytes.length >= 5 && Arrays.equals(bytes, 0, 4, BATCH_MAGIC, 0, 4)) {
                in.position(4);
                if (in.get() != BATCH_VERSION) {
                    throw new MalformedAuditRecordException("not a version 2 batch-signed audit record");
                }
                canonical = lengthPrefixed(in);
                long batchId = in.getLong();
                int leafIndex = in.getInt();
                int leafCount = in.getInt();
                byte[] path = new byte[(in.get() & 0xff) * MerkleTree.HASH_BYTES];
                in.get(path);
                proof = new BatchProof(batchId, leafIndex, leafCount, path);
            } else {
                canonical = lengthPrefixed(in);
            }
            byte[] signature = new byte[in.get() & 0xff];
            in.get(signature);
            if (in.hasRemaining()) {
                throw new MalformedAuditRecordException(in.remaining() + " bytes after the signature");
            }
            return new SignedAuditRecord(AuditRecord.fromCanonical(canonical), canonical, signature, proof);
        } catch (java.nio.BufferUnderflowException e) {
            throw new MalformedAuditRecordException("signed record is truncated");
        }
    }

    private static byte[] lengthPrefixed(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new MalformedAuditRecordException("bad record length " + length);
        }
        byte[] canonical = new byte[length];
        in.get(canonical);
        return canonical;
    }
}
