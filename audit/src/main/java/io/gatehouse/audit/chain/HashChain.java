package io.gatehouse.audit.chain;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The store's tamper evidence: each record's chain hash is SHA-256 of the previous record's chain hash followed by
 * the record's canonical bytes, so changing, removing, inserting or reordering any record changes every hash after it.
 */
public final class HashChain {
    /** Where every partition's chain starts. */
    public static final byte[] GENESIS = new byte[32];

    private HashChain() {
    }

    public static byte[] next(byte[] previous, byte[] canonical) {
        MessageDigest sha = sha256();
        sha.update(previous);
        sha.update(canonical);
        return sha.digest();
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
