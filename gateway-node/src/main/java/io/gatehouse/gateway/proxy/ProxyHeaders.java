package io.gatehouse.gateway.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Header names the gateway sets, and the hop-by-hop headers it never forwards (RFC 9110, section 7.6.1). */
public final class ProxyHeaders {
    public static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("X-Request-Id");
    public static final CharSequence FORWARDED_FOR = HttpHeaders.createOptimized("X-Forwarded-For");
    public static final CharSequence FORWARDED_PROTO = HttpHeaders.createOptimized("X-Forwarded-Proto");
    public static final CharSequence FORWARDED_HOST = HttpHeaders.createOptimized("X-Forwarded-Host");
    public static final CharSequence CONSUMER_ID = HttpHeaders.createOptimized("X-Gatehouse-Consumer-Id");
    public static final CharSequence APPLICATION_ID = HttpHeaders.createOptimized("X-Gatehouse-Application-Id");

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade");

    private ProxyHeaders() {
    }

    /** Request headers the gateway sets itself; a client must not be able to forge them. */
    private static final Set<String> SET_BY_GATEWAY = Set.of("host", "x-request-id", "x-forwarded-for",
            "x-forwarded-proto", "x-forwarded-host", "x-gatehouse-consumer-id", "x-gatehouse-application-id", "forwarded");

    static void copyRequestHeaders(MultiMap from, MultiMap to, String credentialHeader) {
        copy(from, to, SET_BY_GATEWAY, credentialHeader);
    }

    static void copyResponseHeaders(MultiMap from, MultiMap to) {
        copy(from, to, Set.of(), null);
    }

    /** Copies end-to-end headers, leaving out hop-by-hop ones, those named in Connection, and the given extras. */
    private static void copy(MultiMap from, MultiMap to, Set<String> alsoSkip, String alsoSkipName) {
        String connection = from.get(HttpHeaders.CONNECTION);
        for (Map.Entry<String, String> header : from) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(name) || alsoSkip.contains(name) || name.equals(alsoSkipName)) {
                continue;
            }
            if (connection != null && connection.toLowerCase(Locale.ROOT).contains(name)) {
                continue;
            }
            to.add(header.getKey(), header.getValue());
        }
    }
}
