package io.gatehouse.protocol.audit;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * The hash tree a node signs once per batch of audit records, so that one Ed25519 signature covers the whole batch
 * and each record still verifies on its own with its inclusion path.
 *
 * <p>Leaves and inner nodes are hashed in different domains: a leaf is {@code SHA-256(0x00 ‖ canonical record)}, an
 * inner node {@code SHA-256(0x01 ‖ left ‖ right)}. Without the prefix an inner node's 64 input bytes could be passed
 * off as a leaf (a second preimage of the root for a record that was never signed).
 *
 * <p>Shape: levels are built bottom-up, pairing neighbours left to right; a node left without a partner at the end of
 * a level moves up unchanged (it is never paired with itself, which would let two different batches share a root).
 * This is the shape of RFC 6962's Merkle tree hash. A record's path is the sibling of each level from its leaf up,
 * skipping the levels where its ancestor had no partner; the leaf's index and the batch's leaf count say which
 * levels those are, so the path carries hashes only.
 */
public final class MerkleTree {
    public static final int HASH_BYTES = 32;
    private static final byte LEAF = 0x00;
    private static final byte INNER = 0x01;

    /** levels[0] are the leaf hashes, the last level holds the root alone. */
    private final byte[][][] levels;

    /** Builds the tree over the given leaf hashes ({@link #leafHash}); at least one leaf. */
    public MerkleTree(List<byte[]> leafHashes) {
        if (leafHashes.isEmpty()) {
            throw new IllegalArgumentException("a Merkle tree needs at least one leaf");
        }
        MessageDigest sha = sha256();
        int depth = 1;
        for (int n = leafHashes.size(); n > 1; n = (n + 1) >>> 1) {
            depth++;
        }
        levels = new byte[depth][][];
        levels[0] = leafHashes.toArray(new byte[0][]);
        for (int level = 1; level < depth; level++) {
            byte[][] below = levels[level - 1];
            byte[][] here = new byte[(below.length + 1) >>> 1][];
            for (int i = 0; i < here.length; i++) {
                int left = 2 * i;
                here[i] = left + 1 < below.length ? inner(sha, below[left], below[left + 1]) : below[left];
            }
            levels[level] = here;
        }
    }

    public byte[] root() {
        return levels[levels.length - 1][0].clone();
    }

    public int leafCount() {
        return levels[0].length;
    }

    /** The inclusion path of leaf {@code index}: its siblings from the leaf level up, 32 bytes each, concatenated. */
    public byte[] path(int index) {
        if (index < 0 || index >= leafCount()) {
            throw new IndexOutOfBoundsException("leaf " + index + " of " + leafCount());
        }
        byte[] out = new byte[pathLength(index, leafCount()) * HASH_BYTES];
        int at = 0;
        int i = index;
        for (int level = 0; level < levels.length - 1; level++) {
            int sibling = i ^ 1;
            if (sibling < levels[level].length) {
                System.arraycopy(levels[level][sibling], 0, out, at, HASH_BYTES);
                at += HASH_BYTES;
            }
            i >>>= 1;
        }
        return out;
    }

    /** How many hashes the path of leaf {@code index} in a tree of {@code count} leaves holds. */
    public static int pathLength(int index, int count) {
        int hashes = 0;
        for (int i = index, size = count; size > 1; i >>>= 1, size = (size + 1) >>> 1) {
            if ((i ^ 1) < size) {
                hashes++;
            }
        }
        return hashes;
    }

    /**
     * The root that a leaf and its path lead to, as the leaf's index and the tree's size place it.
     *
     * @throws MalformedAuditRecordException when the index is outside the tree or the path's length does not fit it
     */
    public static byte[] rootFromPath(byte[] leafHash, int index, int count, byte[] path) {
        if (count < 1 || index < 0 || index >= count) {
            throw new MalformedAuditRecordException("leaf index " + index + " is outside a batch of " + count);
        }
        if (path.length != pathLength(index, count) * HASH_BYTES) {
            throw new MalformedAuditRecordException("a Merkle path of " + path.length + " bytes does not fit leaf "
                    + index + " of a batch of " + count);
        }
        MessageDigest sha = sha256();
        byte[] node = leafHash;
        int at = 0;
        for (int i = index, size = count; size > 1; i >>>= 1, size = (size + 1) >>> 1) {
            if ((i & 1) == 1) {
                node = innerAt(sha, path, at, node, false);
                at += HASH_BYTES;
            } else if (i + 1 < size) {
                node = innerAt(sha, path, at, node, true);
                at += HASH_BYTES;
            }
        }
        return node;
    }

    /** SHA-256 over the leaf prefix and a record's canonical bytes. */
    public static byte[] leafHash(byte[] canonical) {
        return leafHash(sha256(), canonical);
    }

    /** As {@link #leafHash(byte[])}, with the caller's digest (reset before use). */
    public static byte[] leafHash(MessageDigest sha, byte[] canonical) {
        sha.reset();
        sha.update(LEAF);
        sha.update(canonical);
        return sha.digest();
    }

    static byte[] inner(MessageDigest sha, byte[] left, byte[] right) {
        sha.reset();
        sha.update(INNER);
        sha.update(left);
        sha.update(right);
        return sha.digest();
    }

    private static byte[] innerAt(MessageDigest sha, byte[] path, int at, byte[] node, boolean nodeIsLeft) {
        sha.reset();
        sha.update(INNER);
        if (nodeIsLeft) {
            sha.update(node);
            sha.update(path, at, HASH_BYTES);
        } else {
            sha.update(path, at, HASH_BYTES);
            sha.update(node);
        }
        return sha.digest();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
