package io.gatehouse.gateway.proxy;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

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
}
