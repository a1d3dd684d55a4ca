package io.gatehouse.gateway.tls;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;

/**
 * The plain listener's handler when it only redirects: 308 to the same URL over https. 308 rather than 301 keeps
 * the method and body on the retry (RFC 9110, 15.4.9), so a POST is not turned into a GET. No policy runs and
 * nothing is forwarded: a key sent in the clear is not checked, counted or logged as a request to its API.
 */
public final class HttpsRedirect implements Handler<HttpServerRequest> {
    private static final String BODY = "{\"code\":\"https_required\",\"message\":\"This gateway serves APIs over https only; the request was redirected.\"}";
    private final int httpsPort;

    public HttpsRedirect(int httpsPort) {
        this.httpsPort = httpsPort;
    }

    @Override
    public void handle(HttpServerRequest request) {
        HostAndPort authority = request.authority();
        if (authority == null || authority.host().isEmpty()) {
            request.response().setStatusCode(400).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE)
                    .end("{\"code\":\"malformed_request\",\"message\":\"A request without Host cannot be redirected to https.\"}");
            return;
        }
        String host = authority.host();
        boolean ipv6 = host.indexOf(':') >= 0 && !host.startsWith("[");
        StringBuilder location = new StringBuilder(16 + host.length() + request.uri().length()).append("https://");
        location.append(ipv6 ? "[" + host + "]" : host);
        if (httpsPort != 443) {
            location.append(':').append(httpsPort);
        }
        String uri = request.uri();
        if (uri.startsWith("/")) {
            location.append(uri);
        } else {
            // An absolute-form target: keep its path and query, take the host from the authority as above.
            String path = request.path();
            location.append(path == null || path.isEmpty() ? "/" : path);
            if (request.query() != null) {
                location.append('?').append(request.query());
            }
        }
        request.response().setStatusCode(308)
                .putHeader(HttpHeaders.LOCATION, location.toString())
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(BODY);
    }
}
