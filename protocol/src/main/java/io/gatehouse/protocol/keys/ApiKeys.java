package io.gatehouse.protocol.keys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The API key format shared by the control plane (which issues keys and stores only their hash) and the gateway
 * (which hashes what a client presents and looks the hash up).
 *
 * <p>A key is {@code ghk_} followed by 32 random bytes in unpadded base64url: 256 bits of entropy. With that much
 * entropy a plain SHA-256 is a safe storage form (there is nothing to brute-force), and it keeps the gateway's
 * lookup to one fast hash per request; a slow password hash would cost milliseconds on the hot path.
 */
public final class ApiKeys {
    public static final String PREFIX = "ghk_";
    private static final int RANDOM_BYTES = 32;
    private static final int ENCODED_LENGTH = 43;
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeys() {
    }

    public static String generate() {
        byte[] bytes = new byte[RANDOM_BYTES];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The part of a key that may be shown after creation, to tell keys apart in lists and logs. */
    public static String displayPrefix(String key) {
        return key.substring(0, Math.min(key.length(), PREFIX.length() + 6));
    }

    /** Whether a string has the shape of a Gatehouse key; says nothing about whether it is valid. */
    public static boolean looksLikeKey(String candidate) {
        return candidate != null && candidate.length() == PREFIX.length() + ENCODED_LENGTH && candidate.startsWith(PREFIX);
    }

    public static String hash(String key) {
        return hash(newDigest(), key);
    }

    /** Hash with a caller-owned digest, so a single-threaded caller can reuse one instance per thread. */
    public static String hash(MessageDigest sha256, String key) {
        sha256.reset();
        return HexFormat.of().formatHex(sha256.digest(key.getBytes(StandardCharsets.UTF_8)));
    }

    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
    }
}
