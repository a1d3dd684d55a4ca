package io.gatehouse.audit.signing;

import io.gatehouse.protocol.audit.AuditRecord;
import io.gatehouse.protocol.audit.BatchProof;
import io.gatehouse.protocol.audit.MerkleTree;
import io.gatehouse.protocol.audit.SignedAuditRecord;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Signs audit records a batch at a time: a Merkle tree over the records' leaf hashes, one Ed25519 signature over the
 * batch statement (node, batch id, size, root), and each record sent with its leaf index and path. One signature
 * (hundreds of microseconds with the JDK's Ed25519) is shared by the whole batch; per record only SHA-256 work
 * remains. Not thread-safe: the node's one spool writer uses it.
 */
public final class BatchSigner {
    private final NodeKeys keys;
    private final MessageDigest sha = io.gatehouse.audit.chain.HashChain.sha256();
    private long lastBatchId;
    private long batches;

    public BatchSigner(NodeKeys keys) {
        this.keys = keys;
    }

    /** The records of one batch, signed together; all must be of the node {@code nodeId} that owns the key. */
    public List<SignedAuditRecord> sign(String nodeId, List<AuditRecord> records) {
        int n = records.size();
        if (n == 0 || n > BatchProof.MAX_LEAVES) {
            throw new IllegalArgumentException("a batch of " + n + " records");
        }
        List<byte[]> canonicals = new ArrayList<>(n);
        List<byte[]> leaves = new ArrayList<>(n);
        for (AuditRecord record : records) {
            if (!record.nodeId().equals(nodeId)) {
                throw new IllegalArgumentException("record " + record.requestId() + " is of node " + record.nodeId() + ", not " + nodeId);
            }
            byte[] canonical = record.canonical();
            canonicals.add(canonical);
            leaves.add(MerkleTree.leafHash(sha, canonical));
        }
        MerkleTree tree = new MerkleTree(leaves);
        long batchId = nextBatchId();
        byte[] signature = keys.sign(BatchProof.statement(nodeId, batchId, n, tree.root()));
        batches++;
        List<SignedAuditRecord> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new SignedAuditRecord(records.get(i), canonicals.get(i), signature, new BatchProof(batchId, i, n, tree.path(i))));
        }
        return out;
    }

    /**
     * Microseconds since the epoch when the batch was sealed, kept increasing within this signer: unique for a node in
     * practice and readable by a person. Verification does not depend on it being unique (the root and the signature
     * are checked, whatever the id).
     */
    private long nextBatchId() {
        java.time.Instant clock = java.time.Instant.now();
        long now = clock.getEpochSecond() * 1_000_000L + clock.getNano() / 1_000;
        lastBatchId = Math.max(lastBatchId + 1, now);
        return lastBatchId;
    }

    /** Batch signatures made (one per batch). */
    public long batches() {
        return batches;
    }
}
