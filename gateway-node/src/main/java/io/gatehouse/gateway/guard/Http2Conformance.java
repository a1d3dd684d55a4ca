package io.gatehouse.gateway.guard;

import io.gatehouse.gateway.proxy.GatewayError;
import io.vertx.core.http.HttpServerRequest;

import java.util.Map;

/**
 * What an HTTP/2 request must satisfy before it may be forwarded as HTTP/1.1. Netty already refuses, as RFC 9113
 * (8.2.2) requires, connection-specific fields (Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding, Upgrade),
 * a TE other than "trailers", upper-case names and pseudo-headers it does not know, and resets a stream whose DATA
 * disagrees with its content-length; Vert.x maps the pseudo-headers to method, path and authority. What is left is
 * a field value with CR, LF or NUL (RFC 9113, 8.2.1): HPACK carries them, and written into an HTTP/1.1 request they
 * would end the header line early and start a header, or a request, of the client's choosing.
 */
final class Http2Conformance {
    private Http2Conformance() {
    }

    /** @return the error to answer with, or null when the request may be forwarded */
    static GatewayError check(HttpServerRequest request) {
        for (Map.Entry<String, String> header : request.headers()) {
            if (forbidden(header.getValue()) || forbidden(header.getKey())) {
                return GatewayError.MALFORMED_HEADER;
            }
        }
        String uri = request.uri();
        return uri != null && forbidden(uri) ? GatewayError.MALFORMED_HEADER : null;
    }

    private static boolean forbidden(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                return true;
            }
        }
        return false;
    }
}
