package io.gatehouse.gateway.guard;

/**
 * The one form of a request path that routing and forwarding both use, as Envoy normalises it: percent-encoded
 * unreserved characters decoded, other escapes kept with upper-case hex, runs of slashes merged. Dot segments are
 * refused rather than resolved, in any spelling ({@code ..}, {@code %2e%2E}, {@code ..;x}): an upstream (nginx,
 * Tomcat, Quarkus) would resolve them above the API's base path, and a caller who sends one has no business there.
 *
 * <p>Encoded slashes ({@code %2F}) and backslashes ({@code %5C}) are kept encoded here; whether the API allows them is
 * decided once the route is known (most upstreams decode them into separators, so they are refused by default).
 * Dot segments are looked for between them too, so {@code ..%2F} is refused even where encoded slashes are allowed.
 *
 * <p>Runs for every request: a path that needs no change is recognised in one pass over its characters and returned
 * as the same instance, without allocating.
 */
public final class PathNormalizer {
    /** Unreserved characters of RFC 3986 (2.3), indexed by byte value. */
    private static final boolean[] UNRESERVED = new boolean[128];
    /** Characters allowed as they are in a path, indexed by byte value: unreserved, sub-delims, ':', '@', '/', '%'. */
    private static final boolean[] PATH_CHAR = new boolean[128];

    static {
        for (char c = 'a'; c <= 'z'; c++) UNRESERVED[c] = true;
        for (char c = 'A'; c <= 'Z'; c++) UNRESERVED[c] = true;
        for (char c = '0'; c <= '9'; c++) UNRESERVED[c] = true;
        for (char c : "-._~".toCharArray()) UNRESERVED[c] = true;
        System.arraycopy(UNRESERVED, 0, PATH_CHAR, 0, 128);
        for (char c : "!$&'()*+,;=:@/%".toCharArray()) PATH_CHAR[c] = true;
    }

    private PathNormalizer() {
    }

    /**
     * @param path a request path as received (without the query)
     * @return the normalised path (the same instance when nothing changes), or null when it must be refused: no
     *         leading slash, a dot segment, a malformed or NUL escape, a literal backslash or a character a path may
     *         not hold
     */
    public static String normalise(String path) {
        int length = path.length();
        if (length == 0 || path.charAt(0) != '/') {
            return null;
        }
        char previous = 0;
        for (int i = 0; i < length; i++) {
            char c = path.charAt(i);
            if (c >= 128 || !PATH_CHAR[c]) {
                return null;
            }
            if (c == '%' || (c == '/' && previous == '/')) {
                return rewrite(path);
            }
            if (c == '.' && previous == '/' && dotSegmentAt(path, i)) {
                return null;
            }
            previous = c;
        }
        return path;
    }

    /** Whether the path holds an encoded slash or backslash: only such paths need their API's permission. */
    public static boolean hasEncodedSlash(String normalised) {
        int i = normalised.indexOf('%');
        while (i >= 0 && i + 2 < normalised.length()) {
            if (escapesSlash(normalised, i)) {
                return true;
            }
            i = normalised.indexOf('%', i + 1);
        }
        return false;
    }

    private static String rewrite(String path) {
        int length = path.length();
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            char c = path.charAt(i);
            if (c == '/') {
                if (out.length() == 0 || out.charAt(out.length() - 1) != '/') {
                    out.append('/');
                }
            } else if (c == '%') {
                if (i + 2 >= length) {
                    return null;
                }
                int high = Character.digit(path.charAt(i + 1), 16);
                int low = Character.digit(path.charAt(i + 2), 16);
                if (high < 0 || low < 0) {
                    return null;
                }
                int value = high * 16 + low;
                if (value == 0) {
                    return null;
                }
                if (value < 128 && UNRESERVED[value]) {
                    out.append((char) value);
                } else {
                    out.append('%').append(Character.toUpperCase(path.charAt(i + 1))).append(Character.toUpperCase(path.charAt(i + 2)));
                }
                i += 2;
            } else if (c >= 128 || !PATH_CHAR[c]) {
                return null;
            } else {
                out.append(c);
            }
        }
        return hasDotSegment(out) ? null : out.toString();
    }

    /** Looks at every segment start: after '/', and after an encoded slash or backslash. */
    private static boolean hasDotSegment(CharSequence path) {
        int length = path.length();
        for (int i = 0; i < length; i++) {
            char c = path.charAt(i);
            if (c != '.') {
                continue;
            }
            boolean segmentStart = i > 0 && path.charAt(i - 1) == '/' || i >= 3 && escapesSlash(path, i - 3);
            if (segmentStart && dotSegmentAt(path, i)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the segment starting at {@code start} (a '.') is "." or "..", possibly followed by matrix parameters. */
    private static boolean dotSegmentAt(CharSequence path, int start) {
        int end = start + 1;
        if (end < path.length() && path.charAt(end) == '.') {
            end++;
        }
        return end == path.length() || path.charAt(end) == '/' || path.charAt(end) == ';' || escapesSlash(path, end);
    }

    /** Whether an escape of '/' or '\' starts at {@code i}. */
    private static boolean escapesSlash(CharSequence path, int i) {
        if (i + 2 >= path.length() || path.charAt(i) != '%') {
            return false;
        }
        char high = path.charAt(i + 1);
        char low = path.charAt(i + 2);
        return (high == '2' && (low == 'f' || low == 'F')) || (high == '5' && (low == 'c' || low == 'C'));
    }
}
