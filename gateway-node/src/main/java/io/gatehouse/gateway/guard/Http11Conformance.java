package io.gatehouse.gateway.guard;

import io.gatehouse.gateway.proxy.GatewayError;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;

import java.util.List;

/**
 * The message-level rules of RFC 9112 that a proxy must enforce itself, because a lenient reading here and a
 * different one upstream is how requests are smuggled: framing that could mean two things is refused, never guessed.
 * Whatever breaks one of these is answered and the connection closed, since where the next request starts is unknown.
 */
final class Http11Conformance {

    private Http11Conformance() {
    }

    /** @return the error to answer with, or null when the request is well-formed */
    static GatewayError check(HttpServerRequest request) {
        if (request.decoderResult().isFailure()) {
            return GatewayError.MALFORMED_REQUEST;
        }
        HttpVersion version = request.version();
        if (version == HttpVersion.HTTP_2) {
            return null; // HTTP/2 frames its own messages and carries the authority as a pseudo-header.
        }
        MultiMap headers = request.headers();
        String transferEncoding = headers.get(HttpHeaders.TRANSFER_ENCODING);
        if (transferEncoding != null) {
            GatewayError framing = transferCoding(headers, version);
            if (framing != null) {
                return framing;
            }
        }
        String host = headers.get(HttpHeaders.HOST);
        if (host == null) {
            // RFC 9112, 3.2: a 1.1 request without Host is refused; 1.0 predates the header.
            return version == HttpVersion.HTTP_1_1 ? GatewayError.MALFORMED_REQUEST : null;
        }
        if (headers.getAll(HttpHeaders.HOST).size() > 1) {
            return GatewayError.MALFORMED_REQUEST;
        }
        String uri = request.uri();
        if (!uri.isEmpty() && uri.charAt(0) != '/' && !authorityMatches(uri, host)) {
            return GatewayError.MALFORMED_REQUEST;
        }
        return null;
    }

    /**
     * RFC 9112, 6.1 and 6.3: Content-Length beside Transfer-Encoding is a smuggling attempt or a broken client; a
     * transfer coding on HTTP/1.0 cannot be trusted; and the gateway decodes no coding but chunked, which must be the
     * only one (501 for any other, as nginx answers).
     */
    private static GatewayError transferCoding(MultiMap headers, HttpVersion version) {
        if (headers.contains(HttpHeaders.CONTENT_LENGTH) || version == HttpVersion.HTTP_1_0) {
            return GatewayError.MALFORMED_REQUEST;
        }
        List<String> all = headers.getAll(HttpHeaders.TRANSFER_ENCODING);
        if (all.size() != 1 || !all.get(0).trim().equalsIgnoreCase("chunked")) {
            return GatewayError.UNSUPPORTED_TRANSFER_CODING;
        }
        return null;
    }

    /**
     * An absolute-form target ({@code GET http://host/path}) names its own authority; one that differs from Host would
     * let routing (which reads Host) and the upstream (which may read the target) disagree about the destination.
     */
    private static boolean authorityMatches(String uri, String host) {
        int scheme = uri.indexOf("://");
        if (scheme < 0) {
            return false;
        }
        int start = scheme + 3;
        int end = start;
        while (end < uri.length() && uri.charAt(end) != '/' && uri.charAt(end) != '?' && uri.charAt(end) != '#') {
            end++;
        }
        return uri.regionMatches(true, start, host.trim(), 0, end - start) && host.trim().length() == end - start;
    }
}
