package io.gatehouse.gateway.guard;

import io.gatehouse.gateway.proxy.GatewayError;
import io.vertx.core.http.HttpServerRequest;

import java.util.Map;

/**
 * What an HTTP/2 request must satisfy before it may be forwarded as HTTP/1.1. Netty already refuses, as RFC 9113
 * (8.2.2) requires, connection-specific fields (Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding, Upgrade),
 * a TE other than "trailers", upper-case names and pseudo-headers it does not know, and resets a stream whose DATA
 * disagrees with its content-length; Vert.x maps the pseudo-headers to method, path and authority. Since Netty
 * 4.2.18 its codec also resets a stream whose field value holds a control character or whose name is not a token;
 * 4.2.9 passed them on. The rules are kept here all the same, so that no Netty release decides them: a value with CR,
 * LF or NUL (RFC 9113, 8.2.1), written into an HTTP/1.1 request, would end the header line early and start a header,
 * or a request, of the client's choosing. Any other control character but HTAB in a value is refused too (RFC 9110,
 * 5.5), and a name that is not a token (5.1): the HTTP/1.1 decoder refuses them on the other listener, and the
 * upstream request would refuse them as it is written, after the request had been admitted and counted. Whitespace
 * in the target is the guard's alone to refuse.
 */
final class Http2Conformance {
    private Http2Conformance() {
    }

    /** @return the error to answer with, or null when the request may be forwarded */
    static GatewayError check(HttpServerRequest request) {
        for (Map.Entry<String, String> header : request.headers()) {
            if (forbidden(header.getValue()) || !token(header.getKey())) {
                return GatewayError.MALFORMED_HEADER;
            }
        }
        String uri = request.uri();
        return uri != null && !target(uri) ? GatewayError.MALFORMED_HEADER : null;
    }

    /**
     * The request target ({@code :path}) becomes the HTTP/1.1 request line, where whitespace separates the target
     * from the version: a space or HTAB in it (a query sent unencoded) would let the upstream read another target.
     * RFC 9112 (3.2) allows neither, nor any control character.
     */
    private static boolean target(String uri) {
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c <= 0x20 || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** RFC 9110, 5.1: a field name is a token; anything else cannot be written as an HTTP/1.1 header line. */
    private static boolean token(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 0x80 || !TCHAR[c]) {
                return false;
            }
        }
        return true;
    }

    private static final boolean[] TCHAR = new boolean[0x80];

    static {
        for (char c = '0'; c <= '9'; c++) TCHAR[c] = true;
        for (char c = 'a'; c <= 'z'; c++) TCHAR[c] = true;
        for (char c = 'A'; c <= 'Z'; c++) TCHAR[c] = true;
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) TCHAR[c] = true;
    }

    private static boolean forbidden(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return true;
            }
        }
        return false;
    }
}
