package io.gatehouse.protocol.audit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * What a gateway node saw of one request: who called what, when, with what result. The canonical byte form below is
 * what a node signs and what the store's hash chain covers, so it is defined here once and never re-derived from
 * JSON (whose key order, number and escape rules differ between libraries). docs/protocol.md describes the layout.
 *
 * <p>Time is kept to the microsecond: PostgreSQL's {@code timestamptz} holds no more, and a record must survive a
 * round trip through the store with the same canonical bytes.
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
 * @param requestBodySha256   lower-case hex SHA-256 of the request body as received (of zero bytes if none)
 * @param responseBodySha256  lower-case hex SHA-256 of the response body as sent (of zero bytes if none)
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
        String requestBodySha256,
        String responseBodySha256) {

    /** First bytes of every canonical record: names the format and its version, so a v2 can never verify as v1. */
    static final byte[] MAGIC = "GHAR".getBytes(StandardCharsets.US_ASCII);
    static final byte VERSION = 1;
    /** SHA-256 of zero bytes, the body hash of a request or answer without a body. */
    public static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    public AuditRecord {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(requestBodySha256, "requestBodySha256");
        Objects.requireNonNull(responseBodySha256, "responseBodySha256");
        time = time.truncatedTo(ChronoUnit.MICROS);
        checkHash("requestBodySha256", requestBodySha256);
        checkHash("responseBodySha256", responseBodySha256);
    }

    private static void checkHash(String name, String hex) {
        if (hex.length() != 64) {
            throw new IllegalArgumentException(name + " must be 64 lower-case hex digits");
        }
        for (int i = 0; i < 64; i++) {
            char c = hex.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                throw new IllegalArgumentException(name + " must be 64 lower-case hex digits");
            }
        }
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
        // Sized first and written into one array: this runs once per request on the node's audit writer.
        byte[] requestIdBytes = utf8(requestId);
        byte[] nodeIdBytes = utf8(nodeId);
        byte[] consumerIdBytes = utf8(consumerId);
        byte[] applicationIdBytes = utf8(applicationId);
        byte[] apiIdBytes = utf8(apiId);
        byte[] operationBytes = utf8(operation);
        byte[] methodBytes = utf8(method);
        byte[] pathBytes = utf8(path);
        byte[] errorCodeBytes = utf8(errorCode);
        byte[] clientAddressBytes = utf8(clientAddress);
        int size = MAGIC.length + 1 + 8 + 4 + 8 + 8 + 8 + 32 + 32
                + sized(requestIdBytes) + sized(nodeIdBytes) + sized(consumerIdBytes) + sized(applicationIdBytes)
                + sized(apiIdBytes) + sized(operationBytes) + sized(methodBytes) + sized(pathBytes) + sized(errorCodeBytes)
                + sized(clientAddressBytes);
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(MAGIC).put(VERSION);
        string(out, requestIdBytes);
        out.putLong(epochMicros());
        string(out, nodeIdBytes);
        string(out, consumerIdBytes);
        string(out, applicationIdBytes);
        string(out, apiIdBytes);
        string(out, operationBytes);
        string(out, methodBytes);
        string(out, pathBytes);
        out.putInt(status);
        string(out, errorCodeBytes);
        out.putLong(latencyMicros).putLong(bytesIn).putLong(bytesOut);
        string(out, clientAddressBytes);
        out.put(Hex.decode(requestBodySha256)).put(Hex.decode(responseBodySha256));
        return out.array();
    }

    private static byte[] utf8(String value) {
        return value == null ? null : value.getBytes(StandardCharsets.UTF_8);
    }

    private static int sized(byte[] utf8) {
        return 4 + (utf8 == null ? 0 : utf8.length);
    }

    private static void string(ByteBuffer out, byte[] utf8) {
        if (utf8 == null) {
            out.putInt(-1);
        } else {
            out.putInt(utf8.length).put(utf8);
        }
    }

    /** Reads canonical bytes back; the exact inverse of {@link #canonical()}, rejecting anything else. */
    public static AuditRecord fromCanonical(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            byte[] magic = new byte[4];
            in.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC) || in.get() != VERSION) {
                throw new MalformedAuditRecordException("not a version 1 audit record");
            }
            AuditRecord record = new AuditRecord(string(in), fromEpochMicros(in.getLong()), string(in), string(in), string(in),
                    string(in), string(in), string(in), string(in), in.getInt(), string(in), in.getLong(), in.getLong(),
                    in.getLong(), string(in), Hex.encode(bytes32(in)), Hex.encode(bytes32(in)));
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
        byte[] b = new byte[32];
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
}
