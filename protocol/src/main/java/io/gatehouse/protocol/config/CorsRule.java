package io.gatehouse.protocol.config;

import java.util.List;
import java.util.Locale;

/**
 * Which web pages may call an API from a browser (CORS), answered by the gateway itself: preflights never reach the
 * upstream, and the gateway adds the CORS headers to every answer, its own refusals included. The developer portal's
 * origin (the node's {@code gatehouse.portal.url}) is allowed on every API without being listed, so its "try it"
 * works; docs/portal.md says why.
 *
 * @param allowedOrigins origins ({@code https://app.example.com}, scheme, host and port only) whose pages may call the
 *                       API; {@code *} for any page. Empty: only the portal.
 * @param allowedHeaders request headers pages may send besides the key header, {@code Authorization},
 *                       {@code Content-Type} and {@code X-Request-Id}; null for none
 * @param maxAgeSeconds  how long a browser may keep a preflight's answer; null for {@link #DEFAULT_MAX_AGE_SECONDS}
 */
public record CorsRule(List<String> allowedOrigins, List<String> allowedHeaders, Integer maxAgeSeconds) {
    public static final int DEFAULT_MAX_AGE_SECONDS = 600;
    public static final int MAX_ORIGINS = 100;
    public static final String ANY_ORIGIN = "*";

    public int maxAge() {
        return maxAgeSeconds == null ? DEFAULT_MAX_AGE_SECONDS : maxAgeSeconds;
    }

    public List<String> origins() {
        return allowedOrigins == null ? List.of() : allowedOrigins;
    }

    public List<String> headers() {
        return allowedHeaders == null ? List.of() : allowedHeaders;
    }

    /** What is wrong with this rule, one message per value; empty if nothing. */
    public List<String> problems() {
        List<String> problems = new java.util.ArrayList<>();
        if (origins().size() > MAX_ORIGINS) {
            problems.add("allowedOrigins may list at most " + MAX_ORIGINS + " origins, got " + origins().size());
        }
        for (String origin : origins()) {
            if (origin == null || !(ANY_ORIGIN.equals(origin) || isOrigin(origin))) {
                problems.add("allowedOrigins: '" + origin + "' is not an origin (scheme://host[:port], lower case, no path) or '*'");
            }
        }
        if (headers().size() > 50) {
            problems.add("allowedHeaders may list at most 50 headers, got " + headers().size());
        }
        for (String header : headers()) {
            if (header == null || header.isEmpty() || header.length() > 100
                    || !header.chars().allMatch(c -> c < 127 && (Character.isLetterOrDigit(c) || c == '-' || c == '_'))) {
                problems.add("allowedHeaders: '" + header + "' is not a header name");
            }
        }
        if (maxAgeSeconds != null && (maxAgeSeconds < 0 || maxAgeSeconds > 86_400)) {
            problems.add("maxAgeSeconds must be 0 to 86400, got " + maxAgeSeconds);
        }
        return problems;
    }

    /**
     * Whether {@code value} is an origin as browsers send it: http or https, a host, an optional port, nothing else.
     * Origins are compared exactly, so upper case is refused rather than silently never matching.
     */
    public static boolean isOrigin(String value) {
        if (value.length() > 200 || !value.equals(value.toLowerCase(Locale.ROOT))) {
            return false;
        }
        java.net.URI uri;
        try {
            uri = new java.net.URI(value);
        } catch (java.net.URISyntaxException e) {
            return false;
        }
        return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null
                && uri.getRawUserInfo() == null && (uri.getRawPath() == null || uri.getRawPath().isEmpty())
                && uri.getRawQuery() == null && uri.getRawFragment() == null;
    }

    /** The origin of a URL ({@code https://portal.example.com/base} gives {@code https://portal.example.com}); null if it has none. */
    public static String originOf(String url) {
        if (url == null) {
            return null;
        }
        try {
            java.net.URI uri = new java.net.URI(url.trim());
            if (uri.getScheme() == null || uri.getHost() == null) {
                return null;
            }
            String origin = uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getHost().toLowerCase(Locale.ROOT);
            int port = uri.getPort();
            boolean defaultPort = port == -1 || ("http".equalsIgnoreCase(uri.getScheme()) && port == 80)
                    || ("https".equalsIgnoreCase(uri.getScheme()) && port == 443);
            return defaultPort ? origin : origin + ":" + port;
        } catch (java.net.URISyntaxException e) {
            return null;
        }
    }
}
