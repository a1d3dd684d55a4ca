package io.gatehouse.protocol.audit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Where a record sits in the batch its node signed: with the record's canonical bytes it gives the batch's Merkle
 * root, and so the statement the node's root signature covers. Carried by every record of a batch (not by a separate
 * header message), so a record verifies alone, in whatever order Kafka partitions deliver a batch's records.
 *
 * @param batchId   the node's number for the batch (increasing per node; it names the batch, it does not secure it)
 * @param leafIndex the record's leaf, from 0
 * @param leafCount how many records the batch holds: fixes the tree's shape, so an index cannot be moved
 * @param path      the sibling hashes from the leaf up, 32 bytes each ({@link MerkleTree#path})
 */
public record BatchProof(long batchId, int leafIndex, int leafCount, byte[] path) {
    /** First bytes of what a node signs for a batch: a different domain from a record ({@code GHAR}), so neither
     *  signature can be passed off as the other. */
    static final byte[] STATEMENT_MAGIC = "GHAB".getBytes(StandardCharsets.US_ASCII);
    static final byte STATEMENT_VERSION = 1;
    /** Upper bound on a batch: a node never seals more, and a decoder refuses more (2^20 leaves, 20 path hashes). */
    public static final int MAX_LEAVES = 1 << 20;

    public BatchProof {
        Objects.requireNonNull(path, "path");
        if (leafCount < 1 || leafCount > MAX_LEAVES) {
            throw new MalformedAuditRecordException("a batch of " + leafCount + " records");
        }
        if (path.length % MerkleTree.HASH_BYTES != 0) {
            throw new MalformedAuditRecordException("a Merkle path of " + path.length + " bytes is not whole hashes");
        }
    }

    /**
     * What the node signed for the batch this proof places {@code canonical} in.
     *
     * @throws MalformedAuditRecordException when the path does not fit the leaf index and count
     */
    public byte[] statement(String nodeId, byte[] canonical) {
        return statement(nodeId, batchId, leafCount, MerkleTree.rootFromPath(MerkleTree.leafHash(canonical), leafIndex, leafCount, path));
    }

    /**
     * The signed statement of a batch: {@code "GHAB"}, version 1, the node id (int32 length, UTF-8), the batch id
     * (int64), the leaf count (int32) and the 32-byte Merkle root. Naming the node and the count binds the root to
     * one node's batch of one size.
     */
    public static byte[] statement(String nodeId, long batchId, int leafCount, byte[] root) {
        byte[] node = nodeId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + 1 + 4 + node.length + 8 + 4 + root.length)
                .put(STATEMENT_MAGIC).put(STATEMENT_VERSION).putInt(node.length).put(node)
                .putLong(batchId).putInt(leafCount).put(root).array();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BatchProof p && p.batchId == batchId && p.leafIndex == leafIndex && p.leafCount == leafCount
                && Arrays.equals(p.path, path);
    }

    @Override
    public int hashCode() {
        return Objects.hash(batchId, leafIndex, leafCount, Arrays.hashCode(path));
    }

    @Override
    public String toString() {
        return "BatchProof[batch " + batchId + ", leaf " + leafIndex + " of " + leafCount + ", " + path.length / MerkleTree.HASH_BYTES + " path hashes]";
    }
}
