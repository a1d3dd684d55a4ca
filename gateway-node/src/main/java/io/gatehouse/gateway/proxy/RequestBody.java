package io.gatehouse.gateway.proxy;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;

/** What a request announces about its body. */
final class RequestBody {
    /** No Content-Length: no body, or one of unknown length. */
    static final long UNKNOWN = -1;
    /** A Content-Length that is not a number. */
    static final long INVALID = -2;

    private RequestBody() {
    }

    static long announcedLength(HttpServerRequest request) {
        String contentLength = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (contentLength == null) {
            return UNKNOWN;
        }
        try {
            long length = Long.parseLong(contentLength.trim());
            return length < 0 ? INVALID : length;
        } catch (NumberFormatException e) {
            return INVALID;
        }
    }

    /** HTTP/1.1 announces a body with Content-Length or Transfer-Encoding; HTTP/2 has neither and just sends DATA. */
    static boolean present(HttpServerRequest request, long length) {
        return length > 0 || (length == UNKNOWN && (request.headers().contains(HttpHeaders.TRANSFER_ENCODING)
                || (request.version() == HttpVersion.HTTP_2 && !request.isEnded())));
    }
}
