package io.gatehouse.audit.signing;

import io.gatehouse.protocol.audit.BatchProof;
import io.gatehouse.protocol.audit.MalformedAuditRecordException;

import java.nio.ByteBuffer;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Checks that a node made a record: a single-signed record's signature over its canonical bytes, or a batch-signed
 * record's Merkle path up to a root whose batch statement the node signed. The Ed25519 check of a batch statement
 * is done once and remembered (the statement and the signature bytes together), so the other records of the batch
 * cost only their path's SHA-256 work. A remembered statement is only a shortcut to the same answer: a record whose
 * path leads elsewhere, or that carries other signature bytes, is checked in full.
 *
 * <p>Thread-safe; the memory of verified batches is bounded (least recently used go first). One instance serves one
 * mapping of node ids to keys (the statement names the node; a registered key is never replaced).
 */
public final class SealCheck {
    /** Batches remembered: records of a batch arrive close together, so a few thousand cover many nodes' traffic. */
    public static final int DEFAULT_REMEMBERED = 4_096;
    private final Map<ByteBuffer, byte[]> verified;
    private final LongAdder signatureChecks = new LongAdder();

    public SealCheck() {
        this(DEFAULT_REMEMBERED);
    }

    public SealCheck(int remembered) {
        this.verified = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<ByteBuffer, byte[]> eldest) {
                return size() > remembered;
            }
        };
    }

    /**
     * Why the record does not verify with {@code key}, or null when it does.
     *
     * @param proof null for a single-signed record
     */
    public String problem(PublicKey key, String nodeId, byte[] canonical, byte[] signature, BatchProof proof) {
        if (proof == null) {
            signatureChecks.increment();
            return SignatureCheck.valid(key, canonical, signature) ? null : "signature does not verify";
        }
        byte[] statement;
        try {
            statement = proof.statement(nodeId, canonical);
        } catch (MalformedAuditRecordException e) {
            return "batch proof unusable: " + e.getMessage();
        }
        ByteBuffer known = ByteBuffer.wrap(statement);
        synchronized (verified) {
            byte[] signed = verified.get(known);
            if (signed != null && Arrays.equals(signed, signature)) {
                return null;
            }
        }
        signatureChecks.increment();
        if (!SignatureCheck.valid(key, statement, signature)) {
            return "signature does not verify over the root of batch " + proof.batchId() + " that its leaf "
                    + proof.leafIndex() + " and Merkle path lead to";
        }
        synchronized (verified) {
            verified.put(known, signature.clone());
        }
        return null;
    }

    /** Ed25519 verifications made (single records, and batches not already remembered). */
    public long signatureChecks() {
        return signatureChecks.sum();
    }
}
