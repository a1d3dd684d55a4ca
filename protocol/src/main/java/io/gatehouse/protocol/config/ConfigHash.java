package io.gatehouse.protocol.config;

import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.keys.ApiKeys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The content hash of a configuration, kept up to date one entry at a time.
 *
 * <p>Each entry (one API, plan, key or subscription) hashes to the SHA-256 of its section name, a zero byte, and its
 * canonical JSON ({@link Json#writeBytes}, properties sorted, nulls left out). The content hash is the sum of the
 * entry hashes modulo 2<sup>256</sup>. A sum, unlike a hash over the sorted whole, can be updated when one entry
 * changes (subtract the old entry's hash, add the new one's), so neither plane ever rehashes a million keys to
 * acknowledge or check one change, and it does not depend on the order entries arrived in.
 *
 * <p>Not thread-safe; each holder of a configuration keeps its own.
 */
public final class ConfigHash {
    private static final HexFormat HEX = HexFormat.of();
    /** Four 64-bit limbs, most significant first. */
    private long l0;
    private long l1;
    private long l2;
    private long l3;

    public ConfigHash() {
    }

    private ConfigHash(long l0, long l1, long l2, long l3) {
        this.l0 = l0;
        this.l1 = l1;
        this.l2 = l2;
        this.l3 = l3;
    }

    /** The hash of an entry of {@code section} whose canonical form is {@code record}'s JSON. */
    public static byte[] entry(ConfigSection section, Object record) {
        MessageDigest sha256 = ApiKeys.newDigest();
        sha256.update(section.wireName().getBytes(StandardCharsets.US_ASCII));
        sha256.update((byte) 0);
        return sha256.digest(Json.writeBytes(record));
    }

    public static ConfigHash parse(String hex) {
        if (hex == null || hex.length() != 64) {
            throw new IllegalArgumentException("a config hash is 64 hex digits");
        }
        byte[] bytes = HEX.parseHex(hex);
        return new ConfigHash(longAt(bytes, 0), longAt(bytes, 8), longAt(bytes, 16), longAt(bytes, 24));
    }

    public ConfigHash copy() {
        return new ConfigHash(l0, l1, l2, l3);
    }

    public void add(byte[] entryHash) {
        long b3 = longAt(entryHash, 24);
        long s3 = l3 + b3;
        long c = Long.compareUnsigned(s3, l3) < 0 ? 1 : 0;
        long s2 = l2 + longAt(entryHash, 16) + c;
        c = carry(l2, longAt(entryHash, 16), c, s2);
        long s1 = l1 + longAt(entryHash, 8) + c;
        c = carry(l1, longAt(entryHash, 8), c, s1);
        l0 = l0 + longAt(entryHash, 0) + c;
        l1 = s1;
        l2 = s2;
        l3 = s3;
    }

    public void subtract(byte[] entryHash) {
        long b3 = longAt(entryHash, 24);
        long d3 = l3 - b3;
        long borrow = Long.compareUnsigned(l3, b3) < 0 ? 1 : 0;
        long b2 = longAt(entryHash, 16);
        long d2 = l2 - b2 - borrow;
        borrow = borrow(l2, b2, borrow);
        long b1 = longAt(entryHash, 8);
        long d1 = l1 - b1 - borrow;
        borrow = borrow(l1, b1, borrow);
        l0 = l0 - longAt(entryHash, 0) - borrow;
        l1 = d1;
        l2 = d2;
        l3 = d3;
    }

    /** Replaces one entry's contribution: {@code before} or {@code after} may be null (added or removed). */
    public void replace(byte[] before, byte[] after) {
        if (before != null) {
            subtract(before);
        }
        if (after != null) {
            add(after);
        }
    }

    public String hex() {
        byte[] out = new byte[32];
        putLong(out, 0, l0);
        putLong(out, 8, l1);
        putLong(out, 16, l2);
        putLong(out, 24, l3);
        return HEX.formatHex(out);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ConfigHash h && h.l0 == l0 && h.l1 == l1 && h.l2 == l2 && h.l3 == l3;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(l0 ^ l1 ^ l2 ^ l3);
    }

    @Override
    public String toString() {
        return hex();
    }

    private static long carry(long a, long b, long carryIn, long sum) {
        // Carry out of a + b + carryIn, with carryIn 0 or 1.
        long partial = a + b;
        long c1 = Long.compareUnsigned(partial, a) < 0 ? 1 : 0;
        long c2 = Long.compareUnsigned(sum, partial) < 0 ? 1 : 0;
        return c1 | c2;
    }

    private static long borrow(long a, long b, long borrowIn) {
        // Borrow out of a - b - borrowIn, with borrowIn 0 or 1.
        int cmp = Long.compareUnsigned(a, b);
        return cmp < 0 || (cmp == 0 && borrowIn == 1) ? 1 : 0;
    }

    private static long longAt(byte[] bytes, int offset) {
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = (value << 8) | (bytes[offset + i] & 0xFF);
        }
        return value;
    }

    private static void putLong(byte[] bytes, int offset, long value) {
        for (int i = 7; i >= 0; i--) {
            bytes[offset + i] = (byte) value;
            value >>>= 8;
        }
    }
}
