package io.gatehouse.gateway.accesslog;

import java.util.concurrent.ThreadLocalRandom;

/**
 * W3C Trace Context's {@code traceparent}: kept when a client sends a valid one, started otherwise, so the upstream,
 * the access log and the audit record name the same trace. A started trace reuses the request id as its trace id
 * when that is one (32 lower-case hex digits, not all zero), so the two ids line up in logs.
 */
public final class Traceparent {
    public static final String HEADER = "traceparent";

    private Traceparent() {
    }

    /** The trace id of a valid version-00 header, or null. */
    public static String traceId(String header) {
        if (header == null || header.length() != 55 || !header.startsWith("00-") || header.charAt(35) != '-' || header.charAt(52) != '-') {
            return null;
        }
        if (!hex(header, 3, 35) || !hex(header, 36, 52) || !hex(header, 53, 55)) {
            return null;
        }
        String trace = header.substring(3, 35);
        return zero(header, 3, 35) || zero(header, 36, 52) ? null : trace;
    }

    /** A new sampled traceparent for this request. */
    public static String start(String requestId) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String trace = requestId != null && requestId.length() == 32 && hex(requestId, 0, 32) && !zero(requestId, 0, 32)
                ? requestId : hex16(random.nextLong()) + hex16(random.nextLong() | 1);
        return "00-" + trace + "-" + hex16(random.nextLong() | 1) + "-01";
    }

    private static boolean hex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean zero(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

    /** 16 lower-case hex digits, zero-padded: the unit of request ids, trace ids and span ids. */
    public static String hex16(long value) {
        String hex = Long.toHexString(value);
        return hex.length() == 16 ? hex : "0".repeat(16 - hex.length()) + hex;
    }
}
