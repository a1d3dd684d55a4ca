package io.gatehouse.gateway.proxy;

import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Header names the gateway sets, and the hop-by-hop headers it never forwards (RFC 9110, section 7.6.1). */
public final class ProxyHeaders {
    public static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("X-Request-Id");
    public static final CharSequence FORWARDED_FOR = HttpHeaders.createOptimized("X-Forwarded-For");
    public static final CharSequence FORWARDED_PROTO = HttpHeaders.createOptimized("X-Forwarded-Proto");
    public static final CharSequence FORWARDED_HOST = HttpHeaders.createOptimized("X-Forwarded-Host");
    public static final CharSequence CONSUMER_ID = HttpHeaders.createOptimized("X-Gatehouse-Consumer-Id");
    public static final CharSequence APPLICATION_ID = HttpHeaders.createOptimized("X-Gatehouse-Application-Id");
    private static final CharSequence HTTPS = HttpHeaders.createOptimized("https");
    private static final CharSequence HTTP = HttpHeaders.createOptimized("http");
    private static final CharSequence ACCESS_CONTROL_ALLOW_ORIGIN = HttpHeaders.createOptimized("Access-Control-Allow-Origin");
    /** Every header the gateway sets for its upstreams starts with this; none may come from a client. */
    private static final String INTERNAL_PREFIX = "x-gatehouse-";

    private ProxyHeaders() {
    }

    static void copyRequestHeaders(MultiMap from, MultiMap to, String credentialHeader) {
        copy(from, to, true, credentialHeader);
    }

    static void copyResponseHeaders(MultiMap from, MultiMap to) {
        copy(from, to, false, null);
    }

    /**
     * Adds X-Forwarded-For, -Proto and -Host to headers that hold none (the request copy leaves them out). From a
     * trusted proxy (docs/configuration.md, GATEHOUSE_TRUSTED_PROXIES) the chain it sent is extended and the protocol
     * and host it saw are kept; from anyone else they are replaced, since a client could otherwise pick the address
     * an upstream's allow-list or audit log believes.
     */
    static void addForwarded(HttpServerRequest request, MultiMap headers, boolean fromTrustedProxy) {
        String client = io.gatehouse.gateway.guard.ClientAddresses.of(request);
        if (client != null) {
            String chain = fromTrustedProxy ? joined(request.headers().getAll(FORWARDED_FOR)) : null;
            headers.add(FORWARDED_FOR, chain == null ? client : chain + ", " + client);
        }
        String proto = fromTrustedProxy ? request.getHeader(FORWARDED_PROTO) : null;
        headers.add(FORWARDED_PROTO, proto != null ? proto : request.isSSL() ? HTTPS : HTTP);
        String host = fromTrustedProxy ? request.getHeader(FORWARDED_HOST) : null;
        HostAndPort authority = request.authority();
        if (host != null) {
            headers.add(FORWARDED_HOST, host);
        } else if (authority != null) {
            headers.add(FORWARDED_HOST, authority.port() > 0 ? authority.host() + ':' + authority.port() : authority.host());
        }
    }

    /**
     * HTTP/2 lets a client split Cookie into one field per cookie (RFC 9113, 8.2.3); an HTTP/1.1 request carries one
     * Cookie header (RFC 6265, 5.4), so the fields are joined with "; " on the way to an HTTP/1.1 upstream.
     */
    static void joinCookies(MultiMap headers) {
        List<String> cookies = headers.getAll(HttpHeaders.COOKIE);
        if (cookies.size() > 1) {
            headers.set(HttpHeaders.COOKIE, String.join("; ", cookies));
        }
    }

    private static String joined(List<String> values) {
        return values.isEmpty() ? null : values.size() == 1 ? values.get(0) : String.join(", ", values);
    }

    /**
     * Copies end-to-end headers: hop-by-hop ones (RFC 9110, 7.6.1) and those named in any Connection header are left
     * out, and on requests also the headers the gateway sets itself, in any spelling an upstream might read as the
     * same (a client must not forge them), and the one that carried the key. Runs for every header of every request,
     * so names are matched by length first and compared ignoring case, with no lower-cased copies; Connection
     * tokens are split only when a Connection header names more than keep-alive or close.
     */
    private static void copy(MultiMap from, MultiMap to, boolean request, String alsoSkip) {
        String first = from.get(HttpHeaders.CONNECTION);
        String[] named = first == null || first.equalsIgnoreCase("keep-alive") || first.equalsIgnoreCase("close") ? null : connectionNamed(from);
        int connectionHeaders = 0;
        // The gateway answered CORS for this request: the upstream's own CORS headers would contradict or double it.
        boolean gatewayCors = !request && to.contains(ACCESS_CONTROL_ALLOW_ORIGIN);
        // Vert.x's own header maps are walked as they hold the names (the decoder's byte strings), so no name is
        // copied into a String and each is written out again as bytes.
        Iterator<? extends Map.Entry<? extends CharSequence, ? extends CharSequence>> headers =
                from instanceof io.netty.handler.codec.http.HttpHeaders held ? held.iteratorCharSequence() : from.iterator();
        while (headers.hasNext()) {
            Map.Entry<? extends CharSequence, ? extends CharSequence> header = headers.next();
            CharSequence name = header.getKey();
            if (gatewayCors && AsciiString.regionMatches(name, true, 0, "access-control-", 0, 15)) {
                continue;
            }
            if (hopByHop(name)) {
                if (name.length() == 10) {
                    connectionHeaders++; // or Keep-Alive: counting both only costs a rare second look below
                }
                continue;
            }
            if ((request && setByGateway(name)) || (alsoSkip != null && AsciiString.contentEqualsIgnoreCase(name, alsoSkip))) {
                continue;
            }
            if (named != null && namedIn(named, name)) {
                continue;
            }
            to.add(name, header.getValue());
        }
        if (named == null && connectionHeaders > 1) {
            // A later Connection header may name headers the first did not; looked at only when there is one.
            String[] late = connectionNamed(from);
            if (late != null) {
                for (String name : late) {
                    to.remove(name);
                }
            }
        }
    }

    /**
     * The header names listed in every Connection header (RFC 9110, 7.6.1: a comma-separated list of tokens), other
     * than keep-alive and close; null when there are none. Framing headers are never taken from it: removing
     * Content-Length or Host on a client's word would change how the upstream reads the message.
     */
    static String[] connectionNamed(MultiMap headers) {
        java.util.ArrayList<String> names = new java.util.ArrayList<>(4);
        for (String value : headers.getAll(HttpHeaders.CONNECTION)) {
            for (String token : value.split(",")) {
                String name = token.trim();
                if (!name.isEmpty() && !name.equalsIgnoreCase("keep-alive") && !name.equalsIgnoreCase("close") && !framing(name)) {
                    names.add(name);
                }
            }
        }
        return names.isEmpty() ? null : names.toArray(new String[0]);
    }

    private static boolean namedIn(String[] named, CharSequence name) {
        for (String n : named) {
            if (AsciiString.contentEqualsIgnoreCase(n, name)) {
                return true;
            }
        }
        return false;
    }

    static boolean framing(String name) {
        return name.equalsIgnoreCase("content-length") || name.equalsIgnoreCase("transfer-encoding") || name.equalsIgnoreCase("host");
    }

    static boolean hopByHop(CharSequence name) {
        return switch (name.length()) {
            case 2 -> same(name, "te");
            case 7 -> same(name, "trailer") || same(name, "upgrade");
            case 10 -> same(name, "connection") || same(name, "keep-alive");
            case 16 -> same(name, "proxy-connection");
            case 17 -> same(name, "transfer-encoding");
            case 18 -> same(name, "proxy-authenticate");
            case 19 -> same(name, "proxy-authorization");
            default -> false;
        };
    }

    /**
     * Headers only the gateway may set. '_' is compared as '-': servers that map headers to CGI-style variables
     * (PHP, WSGI, many frameworks) read {@code X_Forwarded_For} and {@code X-Forwarded-For} as the same name.
     */
    static boolean setByGateway(CharSequence name) {
        int length = name.length();
        if (length > INTERNAL_PREFIX.length() && sameName(name, INTERNAL_PREFIX, INTERNAL_PREFIX.length())) {
            return true;
        }
        return switch (length) {
            case 4 -> same(name, "host");
            case 9 -> same(name, "forwarded");
            case 12 -> sameName(name, "x-request-id", 12);
            case 15 -> sameName(name, "x-forwarded-for", 15);
            case 16 -> sameName(name, "x-forwarded-host", 16);
            case 17 -> sameName(name, "x-forwarded-proto", 17);
            default -> false;
        };
    }

    private static boolean same(CharSequence name, String lowerCase) {
        return AsciiString.contentEqualsIgnoreCase(name, lowerCase);
    }

    /** Whether the first {@code length} characters of {@code name} spell {@code lowerCase}, ignoring case and '_'/'-'. */
    private static boolean sameName(CharSequence name, String lowerCase, int length) {
        for (int i = 0; i < length; i++) {
            char c = name.charAt(i);
            char expected = lowerCase.charAt(i);
            if (c == expected) {
                continue;
            }
            if (expected == '-' ? c != '_' : (c < 'A' || c > 'Z' || (char) (c + 32) != expected)) {
                return false;
            }
        }
        return true;
    }
}
