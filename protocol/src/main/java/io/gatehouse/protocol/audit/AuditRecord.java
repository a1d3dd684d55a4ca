package io.gatehouse.protocol.audit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Objects;

/**
 * What a gateway node saw of one request: who called what, when, with what result. The canonical byte form below is
 * what a node signs and what the store's hash chain covers, so it is defined here once and never re-derived from
 * JSON (whose key order, number and escape rules differ between libraries). docs/protocol.md describes the layout.
 *
 * <p>Time is kept to the microsecond: PostgreSQL's {@code timestamptz} holds no more, and a record must survive a
 * round trip through the store with the same canonical bytes.
 *
 * <p>The body hashes are held as the 32 bytes the canonical form carries, so a node's record goes from its
 * {@code MessageDigest} to the signed bytes without a hex string in between; {@link #requestBodySha256()} and
 * {@link #responseBodySha256()} spell them in hex for the store, exports and people. The record takes the two arrays
 * as they are given (no copy: a node makes one per request) and never changes them; its accessors hand out copies.
 *
 * @param requestId           the gateway's request id (also the idempotency key of the store)
 * @param time                when the request arrived, UTC, microsecond precision
 * @param nodeId              the gateway node that served it (and signed this record)
 * @param consumerId          the authenticated consumer, or null (refused before authentication, keyless API)
 * @param applicationId       the consumer's application, or null
 * @param apiId               the matched API, or null (no route)
 * @param operation           the matched operation (OpenAPI operationId), or null
 * @param method              HTTP method
 * @param path                the normalised request path, without query
 * @param status              the status code sent to the client (0: the client left before an answer)
 * @param errorCode           the gateway's own error code ({@code rate_limited}, ...) when the gateway answered, else null
 * @param latencyMicros       from arrival to the end of the answer
 * @param bytesIn             request body bytes received
 * @param bytesOut            response body bytes sent
 * @param clientAddress       the client's IP address as the gateway saw it, or null
 * @param requestBodyDigest   SHA-256 of the request body as received (of zero bytes if none), 32 bytes
 * @param responseBodyDigest  SHA-256 of the response body as sent (of zero bytes if none), 32 bytes
 */
public record AuditRecord(
        String requestId,
        Instant time,
        String nodeId,
        String consumerId,
        String applicationId,
        String apiId,
        String operation,
        String method,
        String path,
        int status,
        String errorCode,
        long latencyMicros,
        long bytesIn,
        long bytesOut,
        String clientAddress,
        byte[] requestBodyDigest,
        byte[] responseBodyDigest) {

    /** First bytes of every canonical record: names the format and its version, so a v2 can never verify as v1. */
    static final byte[] MAGIC = "GHAR".getBytes(StandardCharsets.US_ASCII);
    static final byte VERSION = 1;
    /** Bytes of a body hash. */
    public static final int DIGEST_BYTES = 32;
    /** SHA-256 of zero bytes, the body hash of a request or answer without a body. */
    public static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    /** The fixed part of the canonical form: magic, version, time, status, three counters, two body hashes. */
    private static final int FIXED_BYTES = 4 + 1 + 8 + 4 + 8 + 8 + 8 + 2 * DIGEST_BYTES;

    public AuditRecord {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(requestBodyDigest, "requestBodyDigest");
        Objects.requireNonNull(responseBodyDigest, "responseBodyDigest");
        time = time.truncatedTo(ChronoUnit.MICROS);
        if (requestBodyDigest.length != DIGEST_BYTES || responseBodyDigest.length != DIGEST_BYTES) {
            throw new IllegalArgumentException("a body hash is " + DIGEST_BYTES + " bytes");
        }
    }

    /** A record whose body hashes are given as lower-case hex (the store's columns, exports). */
    public AuditRecord(String requestId, Instant time, String nodeId, String consumerId, String applicationId,
                       String apiId, String operation, String method, String path, int status, String errorCode,
                       long latencyMicros, long bytesIn, long bytesOut, String clientAddress,
                       String requestBodySha256, String responseBodySha256) {
        this(requestId, time, nodeId, consumerId, applicationId, apiId, operation, method, path, status, errorCode,
                latencyMicros, bytesIn, bytesOut, clientAddress, hash("requestBodySha256", requestBodySha256),
                hash("responseBodySha256", responseBodySha256));
    }

    private static byte[] hash(String name, String hex) {
        Objects.requireNonNull(hex, name);
        if (hex.length() != 2 * DIGEST_BYTES) {
            throw new IllegalArgumentException(name + " must be 64 lower-case hex digits");
        }
        try {
            return Hex.decode(hex);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " must be 64 lower-case hex digits");
        }
    }

    /** SHA-256 of the request body, 32 bytes (a copy). */
    @Override
    public byte[] requestBodyDigest() {
        return requestBodyDigest.clone();
    }

    /** SHA-256 of the response body, 32 bytes (a copy). */
    @Override
    public byte[] responseBodyDigest() {
        return responseBodyDigest.clone();
    }

    /** SHA-256 of the request body in lower-case hex. */
    public String requestBodySha256() {
        return Hex.encode(requestBodyDigest);
    }

    /** SHA-256 of the response body in lower-case hex. */
    public String responseBodySha256() {
        return Hex.encode(responseBodyDigest);
    }

    /** Microseconds since the epoch, as the canonical form and the store keep the time. */
    public long epochMicros() {
        return Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000L), time.getNano() / 1_000);
    }

    public static Instant fromEpochMicros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    /**
     * The canonical bytes: {@code "GHAR"}, version byte 1, then every field in declaration order. Strings are a
     * 4-byte big-endian length and UTF-8 bytes, null being length -1; the time is 8 bytes of epoch microseconds;
     * {@code status} 4 bytes; counters 8 bytes; body hashes 32 raw bytes. Integers are big-endian two's complement.
     */
    public byte[] canonical() {
        byte[] out = new byte[canonicalSize()];
        writeCanonical(out, 0);
        return out;
    }

    /** How many bytes {@link #canonical()} is. */
    public int canonicalSize() {
        return FIXED_BYTES + sized(requestId) + sized(nodeId) + sized(consumerId) + sized(applicationId) + sized(apiId)
                + sized(operation) + sized(method) + sized(path) + sized(errorCode) + sized(clientAddress);
    }

    /**
     * At least {@link #canonicalSize()}, found without reading the strings (UTF-8 spends at most 3 bytes on a char):
     * room for {@link #writeCanonical} when the exact size is only needed after writing.
     */
    public int maxCanonicalSize() {
        return FIXED_BYTES + maxSized(requestId) + maxSized(nodeId) + maxSized(consumerId) + maxSized(applicationId)
                + maxSized(apiId) + maxSized(operation) + maxSized(method) + maxSized(path) + maxSized(errorCode)
                + maxSized(clientAddress);
    }

    private static int maxSized(String value) {
        return 4 + (value == null ? 0 : 3 * value.length());
    }

    /**
     * Writes the canonical bytes into {@code out} from {@code at}, which must have {@link #maxCanonicalSize()} bytes
     * of room (or exactly {@link #canonicalSize()}), and returns where they end. A node's spool writer encodes each record straight into the entry it spools,
     * so the canonical form is neither built in a buffer of its own nor copied.
     */
    public int writeCanonical(byte[] out, int at) {
        System.arraycopy(MAGIC, 0, out, at, MAGIC.length);
        at += MAGIC.length;
        out[at++] = VERSION;
        at = string(out, at, requestId);
        at = putLong(out, at, epochMicros());
        at = string(out, at, nodeId);
        at = string(out, at, consumerId);
        at = string(out, at, applicationId);
        at = string(out, at, apiId);
        at = string(out, at, operation);
        at = string(out, at, method);
        at = string(out, at, path);
        at = putInt(out, at, status);
        at = string(out, at, errorCode);
        at = putLong(out, at, latencyMicros);
        at = putLong(out, at, bytesIn);
        at = putLong(out, at, bytesOut);
        at = string(out, at, clientAddress);
        System.arraycopy(requestBodyDigest, 0, out, at, DIGEST_BYTES);
        at += DIGEST_BYTES;
        System.arraycopy(responseBodyDigest, 0, out, at, DIGEST_BYTES);
        return at + DIGEST_BYTES;
    }

    private static int sized(String value) {
        return 4 + utf8Length(value);
    }

    /** UTF-8 length: the string's length when it is ASCII (ids, paths, addresses nearly always are), else measured. */
    private static int utf8Length(String value) {
        if (value == null) {
            return 0;
        }
        int n = value.length();
        for (int i = 0; i < n; i++) {
            if (value.charAt(i) >= 0x80) {
                return value.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return n;
    }

    private static int string(byte[] out, int at, String value) {
        if (value == null) {
            return putInt(out, at, -1);
        }
        int n = value.length();
        int start = at + 4;
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c >= 0x80) {
                // Not ASCII: the JDK's encoder decides the bytes (and the length written before them), as it always has.
                byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
                putInt(out, at, utf8.length);
                System.arraycopy(utf8, 0, out, start, utf8.length);
                return start + utf8.length;
            }
            out[start + i] = (byte) c;
        }
        putInt(out, at, n);
        return start + n;
    }

    /** Big-endian, as the canonical form and the signed message write every number. */
    static int putInt(byte[] out, int at, int v) {
        out[at] = (byte) (v >>> 24);
        out[at + 1] = (byte) (v >>> 16);
        out[at + 2] = (byte) (v >>> 8);
        out[at + 3] = (byte) v;
        return at + 4;
    }

    private static int putLong(byte[] out, int at, long v) {
        putInt(out, at, (int) (v >>> 32));
        return putInt(out, at + 4, (int) v);
    }

    /** Reads canonical bytes back; the exact inverse of {@link #canonical()}, rejecting anything else. */
    public static AuditRecord fromCanonical(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            byte[] magic = new byte[4];
            in.get(magic);
            if (!Arrays.equals(magic, MAGIC) || in.get() != VERSION) {
                throw new MalformedAuditRecordException("not a version 1 audit record");
            }
            AuditRecord record = new AuditRecord(string(in), fromEpochMicros(in.getLong()), string(in), string(in), string(in),
                    string(in), string(in), string(in), string(in), in.getInt(), string(in), in.getLong(), in.getLong(),
                    in.getLong(), string(in), bytes32(in), bytes32(in));
            if (in.hasRemaining()) {
                throw new MalformedAuditRecordException(in.remaining() + " bytes after the record");
            }
            return record;
        } catch (java.nio.BufferUnderflowException e) {
            throw new MalformedAuditRecordException("record is truncated");
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new MalformedAuditRecordException(e.getMessage());
        }
    }

    private static byte[] bytes32(ByteBuffer in) {
        byte[] b = new byte[DIGEST_BYTES];
        in.get(b);
        return b;
    }

    private static String string(ByteBuffer in) {
        int length = in.getInt();
        if (length == -1) {
            return null;
        }
        if (length < 0 || length > in.remaining()) {
            throw new MalformedAuditRecordException("bad string length " + length);
        }
        byte[] utf8 = new byte[length];
        in.get(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    // Arrays compare by content: two records are equal when their canonical forms are.
    @Override
    public boolean equals(Object o) {
        return o instanceof AuditRecord r && requestId.equals(r.requestId) && time.equals(r.time) && nodeId.equals(r.nodeId)
                && Objects.equals(consumerId, r.consumerId) && Objects.equals(applicationId, r.applicationId)
                && Objects.equals(apiId, r.apiId) && Objects.equals(operation, r.operation) && method.equals(r.method)
                && path.equals(r.path) && status == r.status && Objects.equals(errorCode, r.errorCode)
                && latencyMicros == r.latencyMicros && bytesIn == r.bytesIn && bytesOut == r.bytesOut
                && Objects.equals(clientAddress, r.clientAddress) && Arrays.equals(requestBodyDigest, r.requestBodyDigest)
                && Arrays.equals(responseBodyDigest, r.responseBodyDigest);
    }

    @Override
    public int hashCode() {
        return Objects.hash(requestId, time, nodeId, consumerId, applicationId, apiId, operation, method, path, status,
                errorCode, latencyMicros, bytesIn, bytesOut, clientAddress, Arrays.hashCode(requestBodyDigest),
                Arrays.hashCode(responseBodyDigest));
    }

    @Override
    public String toString() {
        return "AuditRecord[requestId=" + requestId + ", time=" + time + ", nodeId=" + nodeId + ", consumerId=" + consumerId
                + ", applicationId=" + applicationId + ", apiId=" + apiId + ", operation=" + operation + ", method=" + method
                + ", path=" + path + ", status=" + status + ", errorCode=" + errorCode + ", latencyMicros=" + latencyMicros
                + ", bytesIn=" + bytesIn + ", bytesOut=" + bytesOut + ", clientAddress=" + clientAddress
                + ", requestBodySha256=" + requestBodySha256() + ", responseBodySha256=" + responseBodySha256() + "]";
    }
}
