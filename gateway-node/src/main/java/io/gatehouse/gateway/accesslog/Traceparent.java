package io.gatehouse.gateway.accesslog;

import io.netty.util.AsciiString;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * W3C Trace Context's {@code traceparent}: kept when a client sends a valid one, started otherwise, so the upstream,
 * the access log and the audit record name the same trace. A started trace reuses the request id as its trace id
 * when that is one (32 lower-case hex digits, not all zero), so the two ids line up in logs.
 */
public final class Traceparent {
    public static final CharSequence HEADER = io.vertx.core.http.HttpHeaders.createOptimized("traceparent");
    private static final byte[] DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private Traceparent() {
    }

    /** The trace id of a valid version-00 header, or null. */
    public static String traceId(CharSequence header) {
        if (header == null || header.length() != 55 || header.charAt(0) != '0' || header.charAt(1) != '0' || header.charAt(2) != '-'
                || header.charAt(35) != '-' || header.charAt(52) != '-') {
            return null;
        }
        if (!hex(header, 3, 35) || !hex(header, 36, 52) || !hex(header, 53, 55)) {
            return null;
        }
        return zero(header, 3, 35) || zero(header, 36, 52) ? null : header.subSequence(3, 35).toString();
    }

    /**
     * A new sampled traceparent for this request, built in one byte array and wrapped without a copy: it is made for
     * every request that arrives without one, and goes to the wire as those bytes.
     */
    public static AsciiString start(CharSequence requestId) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        byte[] header = new byte[55];
        header[0] = '0';
        header[1] = '0';
        header[2] = '-';
        if (requestId != null && requestId.length() == 32 && hex(requestId, 0, 32) && !zero(requestId, 0, 32)) {
            for (int i = 0; i < 32; i++) {
                header[3 + i] = (byte) requestId.charAt(i);
            }
        } else {
            putRandomId(header, 3, random);
        }
        header[35] = '-';
        putHex16(header, 36, random.nextLong() | 1);
        header[52] = '-';
        header[53] = '0';
        header[54] = '1';
        return new AsciiString(header, false);
    }

    /**
     * A new id of 32 random lower-case hex digits, never all zero: a valid trace id, used as the request id. A byte
     * string, since it is written into two headers on every request and made text only for a log line or record.
     */
    public static AsciiString newId() {
        byte[] id = new byte[32];
        putRandomId(id, 0, ThreadLocalRandom.current());
        return new AsciiString(id, false);
    }

    /** 32 random hex digits; all zero (1 in 2^128, and invalid as a trace id) is drawn again. */
    private static void putRandomId(byte[] into, int at, ThreadLocalRandom random) {
        long high;
        long low;
        do {
            high = random.nextLong();
            low = random.nextLong();
        } while ((high | low) == 0);
        putHex16(into, at, high);
        putHex16(into, at + 16, low);
    }

    private static boolean hex(CharSequence s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean zero(CharSequence s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

    /** 16 lower-case hex digits, zero-padded: the unit of request ids, trace ids and span ids. */
    public static String hex16(long value) {
        byte[] hex = new byte[16];
        putHex16(hex, 0, value);
        return new String(hex, StandardCharsets.ISO_8859_1);
    }

    private static void putHex16(byte[] into, int at, long value) {
        for (int i = 15; i >= 0; i--) {
            into[at + i] = DIGITS[(int) value & 0xf];
            value >>>= 4;
        }
    }
}
