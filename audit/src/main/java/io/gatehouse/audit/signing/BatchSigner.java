package io.gatehouse.audit.signing;

import io.gatehouse.audit.spool.Spool;
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
    /** Ed25519's signature size: an entry's room for the signature is set aside before the batch is signed. */
    private static final int SIGNATURE_BYTES = 64;
    private final MessageDigest sha = io.gatehouse.audit.chain.HashChain.sha256();
    /** {@link #seal}'s leaf hashes (the tree's leaf level) and where each entry's proof goes, kept between batches. */
    private byte[] leaves = new byte[0];
    private int[] proofAt = new int[0];
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
     * Signs the records of one batch straight into spool entries, one entry per record holding its batch-signed
     * message ({@link SignedAuditRecord#encode}'s bytes): each record's canonical form is written where it stays in
     * the entry and its leaf hashed there, and its proof and the batch signature are filled in once the tree is
     * built and signed. Nothing per record is allocated but what the record's strings need when they are not ASCII.
     * All records must be of the node {@code nodeId} that owns the key.
     */
    public void seal(String nodeId, List<AuditRecord> records, Spool.Entries out) {
        int n = records.size();
        if (n == 0 || n > BatchProof.MAX_LEAVES) {
            throw new IllegalArgumentException("a batch of " + n + " records");
        }
        if (leaves.length < n * MerkleTree.HASH_BYTES) {
            leaves = new byte[n * MerkleTree.HASH_BYTES];
            proofAt = new int[n];
        }
        // Each digest() leaves the digest reset; one reset here covers a batch that failed half way before.
        sha.reset();
        for (int i = 0; i < n; i++) {
            AuditRecord record = records.get(i);
            if (!record.nodeId().equals(nodeId)) {
                throw new IllegalArgumentException("record " + record.requestId() + " is of node " + record.nodeId() + ", not " + nodeId);
            }
            // Room for the longest the record could be; the entry ends where its bytes do. The strings are read once.
            int hashes = MerkleTree.pathLength(i, n);
            int at = out.begin(SignedAuditRecord.batchSignedSize(record.maxCanonicalSize(), hashes, SIGNATURE_BYTES));
            byte[] buffer = out.array();
            int canonicalAt = SignedAuditRecord.batchSignedCanonicalOffset(at);
            int canonicalEnd = record.writeCanonical(buffer, canonicalAt);
            int canonicalLength = canonicalEnd - canonicalAt;
            SignedAuditRecord.writeBatchSignedHead(buffer, at, canonicalLength);
            MerkleTree.leafHashFresh(sha, buffer, canonicalAt, canonicalLength, leaves, i * MerkleTree.HASH_BYTES);
            proofAt[i] = canonicalEnd;
            out.end(at + SignedAuditRecord.batchSignedSize(canonicalLength, hashes, SIGNATURE_BYTES));
        }
        MerkleTree tree = new MerkleTree(leaves, n, sha);
        long batchId = nextBatchId();
        byte[] signature = keys.sign(BatchProof.statement(nodeId, batchId, n, tree.root()));
        if (signature.length != SIGNATURE_BYTES) {
            throw new IllegalStateException("an Ed25519 signature of " + signature.length + " bytes");
        }
        batches++;
        byte[] buffer = out.array();
        for (int i = 0; i < n; i++) {
            int at = SignedAuditRecord.writeBatchSignedProof(buffer, proofAt[i], batchId, i, n, MerkleTree.pathLength(i, n));
            at = tree.writePath(i, buffer, at);
            SignedAuditRecord.writeSignature(buffer, at, signature);
        }
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
