package io.gatehouse.gateway.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

import java.util.Locale;
import java.util.Map;

/** Header names the gateway sets, and the hop-by-hop headers it never forwards (RFC 9110, section 7.6.1). */
public final class ProxyHeaders {
    public static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("X-Request-Id");
    public static final CharSequence FORWARDED_FOR = HttpHeaders.createOptimized("X-Forwarded-For");
    public static final CharSequence FORWARDED_PROTO = HttpHeaders.createOptimized("X-Forwarded-Proto");
    public static final CharSequence FORWARDED_HOST = HttpHeaders.createOptimized("X-Forwarded-Host");
    public static final CharSequence CONSUMER_ID = HttpHeaders.createOptimized("X-Gatehouse-Consumer-Id");
    public static final CharSequence APPLICATION_ID = HttpHeaders.createOptimized("X-Gatehouse-Application-Id");

    private ProxyHeaders() {
    }

    static void copyRequestHeaders(MultiMap from, MultiMap to, String credentialHeader) {
        copy(from, to, true, credentialHeader);
    }

    static void copyResponseHeaders(MultiMap from, MultiMap to) {
        copy(from, to, false, null);
    }

    /**
     * Copies end-to-end headers: hop-by-hop ones (RFC 9110, 7.6.1) and those named in Connection are left out, and on
     * requests also the headers the gateway sets itself (a client must not forge them) and the one that carried the
     * key. Runs for every header of every request, so names are matched by length first and compared ignoring case,
     * with no lower-cased copies.
     */
    private static void copy(MultiMap from, MultiMap to, boolean request, String alsoSkip) {
        String connection = from.get(HttpHeaders.CONNECTION);
        boolean namesHeaders = connection != null && !connection.equalsIgnoreCase("keep-alive") && !connection.equalsIgnoreCase("close");
        for (Map.Entry<String, String> header : from) {
            String name = header.getKey();
            if (hopByHop(name) || (request && setByGateway(name)) || (alsoSkip != null && name.equalsIgnoreCase(alsoSkip))) {
                continue;
            }
            if (namesHeaders && connection.toLowerCase(Locale.ROOT).contains(name.toLowerCase(Locale.ROOT))) {
                continue;
            }
            to.add(name, header.getValue());
        }
    }

    static boolean hopByHop(String name) {
        return switch (name.length()) {
            case 2 -> name.equalsIgnoreCase("te");
            case 7 -> name.equalsIgnoreCase("trailer") || name.equalsIgnoreCase("upgrade");
            case 10 -> name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("keep-alive");
            case 16 -> name.equalsIgnoreCase("proxy-connection");
            case 17 -> name.equalsIgnoreCase("transfer-encoding");
            case 18 -> name.equalsIgnoreCase("proxy-authenticate");
            case 19 -> name.equalsIgnoreCase("proxy-authorization");
            default -> false;
        };
    }

    static boolean setByGateway(String name) {
        return switch (name.length()) {
            case 4 -> name.equalsIgnoreCase("host");
            case 9 -> name.equalsIgnoreCase("forwarded");
            case 12 -> name.equalsIgnoreCase("x-request-id");
            case 15 -> name.equalsIgnoreCase("x-forwarded-for");
            case 16 -> name.equalsIgnoreCase("x-forwarded-host");
            case 17 -> name.equalsIgnoreCase("x-forwarded-proto");
            case 23 -> name.equalsIgnoreCase("x-gatehouse-consumer-id");
            case 26 -> name.equalsIgnoreCase("x-gatehouse-application-id");
            default -> false;
        };
    }
}
