package io.gatehouse.protocol.audit;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
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

    /** levels[0] are the leaf hashes, the last level holds the root alone; each level is its nodes' hashes end to end. */
    private final byte[][] levels;
    private final int leafCount;

    /** Builds the tree over the given leaf hashes ({@link #leafHash}); at least one leaf. */
    public MerkleTree(List<byte[]> leafHashes) {
        this(flatten(leafHashes), leafHashes.size(), sha256());
    }

    /**
     * Builds the tree over {@code count} leaf hashes laid end to end in {@code leafHashes} (32 bytes each), with the
     * caller's digest. The array becomes the tree's leaf level: the caller must not change it while the tree is used.
     * A node's spool writer hashes each record into such an array and builds its batch's tree without a copy.
     */
    public MerkleTree(byte[] leafHashes, int count, MessageDigest sha) {
        if (count < 1) {
            throw new IllegalArgumentException("a Merkle tree needs at least one leaf");
        }
        if (leafHashes.length < count * HASH_BYTES) {
            throw new IllegalArgumentException(count + " leaves need " + count * HASH_BYTES + " bytes");
        }
        this.leafCount = count;
        sha.reset();
        int depth = 1;
        for (int n = count; n > 1; n = (n + 1) >>> 1) {
            depth++;
        }
        levels = new byte[depth][];
        levels[0] = leafHashes;
        int below = count;
        for (int level = 1; level < depth; level++) {
            int here = (below + 1) >>> 1;
            byte[] from = levels[level - 1];
            byte[] to = new byte[here * HASH_BYTES];
            for (int i = 0; i < here; i++) {
                int left = 2 * i;
                if (left + 1 < below) {
                    // Left and right lie side by side in the level below: one update of 64 bytes. The digest is
                    // reset by the digest() before (or by the caller, before the first).
                    sha.update(INNER);
                    sha.update(from, left * HASH_BYTES, 2 * HASH_BYTES);
                    digestInto(sha, to, i * HASH_BYTES);
                } else {
                    System.arraycopy(from, left * HASH_BYTES, to, i * HASH_BYTES, HASH_BYTES);
                }
            }
            levels[level] = to;
            below = here;
        }
    }

    private static byte[] flatten(List<byte[]> leafHashes) {
        if (leafHashes.isEmpty()) {
            throw new IllegalArgumentException("a Merkle tree needs at least one leaf");
        }
        byte[] flat = new byte[leafHashes.size() * HASH_BYTES];
        for (int i = 0; i < leafHashes.size(); i++) {
            byte[] leaf = leafHashes.get(i);
            if (leaf.length != HASH_BYTES) {
                throw new IllegalArgumentException("a leaf hash is " + HASH_BYTES + " bytes");
            }
            System.arraycopy(leaf, 0, flat, i * HASH_BYTES, HASH_BYTES);
        }
        return flat;
    }

    public byte[] root() {
        return Arrays.copyOf(levels[levels.length - 1], HASH_BYTES);
    }

    public int leafCount() {
        return leafCount;
    }

    /** The inclusion path of leaf {@code index}: its siblings from the leaf level up, 32 bytes each, concatenated. */
    public byte[] path(int index) {
        checkIndex(index);
        byte[] out = new byte[pathLength(index, leafCount) * HASH_BYTES];
        writePath(index, out, 0);
        return out;
    }

    /**
     * Writes the inclusion path of leaf {@code index} into {@code out} from {@code at} ({@link #pathLength} hashes of
     * room) and returns where it ends.
     */
    public int writePath(int index, byte[] out, int at) {
        checkIndex(index);
        int i = index;
        int size = leafCount;
        for (int level = 0; level < levels.length - 1; level++) {
            int sibling = i ^ 1;
            if (sibling < size) {
                System.arraycopy(levels[level], sibling * HASH_BYTES, out, at, HASH_BYTES);
                at += HASH_BYTES;
            }
            i >>>= 1;
            size = (size + 1) >>> 1;
        }
        return at;
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= leafCount) {
            throw new IndexOutOfBoundsException("leaf " + index + " of " + leafCount);
        }
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

    /**
     * The leaf hash of the canonical record at {@code bytes[offset, offset + length)}, written into {@code out} at
     * {@code outAt}: hashed where it lies, nothing copied or allocated.
     */
    public static void leafHash(MessageDigest sha, byte[] bytes, int offset, int length, byte[] out, int outAt) {
        sha.reset();
        leafHashFresh(sha, bytes, offset, length, out, outAt);
    }

    /**
     * As {@link #leafHash(MessageDigest, byte[], int, int, byte[], int)} with a digest known to be reset (new, or
     * just after a digest()), which spares a reset per record: a batch's leaves are hashed one after another.
     */
    public static void leafHashFresh(MessageDigest sha, byte[] bytes, int offset, int length, byte[] out, int outAt) {
        sha.update(LEAF);
        sha.update(bytes, offset, length);
        digestInto(sha, out, outAt);
    }

    private static void digestInto(MessageDigest sha, byte[] out, int at) {
        try {
            sha.digest(out, at, HASH_BYTES);
        } catch (DigestException e) {
            throw new IllegalStateException("SHA-256 gives 32 bytes", e);
        }
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

    /** A SHA-256 digest (each thread uses its own: a digest is not thread-safe). */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
