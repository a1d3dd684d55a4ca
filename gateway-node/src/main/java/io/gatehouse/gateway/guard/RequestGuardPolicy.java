package io.gatehouse.gateway.guard;

import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.GatewayError;
import io.gatehouse.gateway.proxy.Policy;
import io.gatehouse.gateway.routing.Route;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/**
 * The first policy: refuses what no later one should have to reason about. HTTP/1.1 framing and Host that could be
 * read two ways (RFC 9112), and a path that is not in its one normal form; the normal form is what routing and the
 * upstream then see ({@link Exchange#path()}). A framing error closes the connection after the answer, since the
 * gateway can no longer tell where the next request begins.
 */
public final class RequestGuardPolicy implements Policy {

    /**
     * The rules are RFC 9112's, and which APIs keep encoded slashes comes from their definitions.
     *
     * @param trustedProxies peers whose X-Forwarded-* headers are kept (parsed once, when the node starts)
     */
    public record Config(TrustedProxies trustedProxies) {
        public Config {
            java.util.Objects.requireNonNull(trustedProxies, "trustedProxies");
        }
    }

    private final TrustedProxies trustedProxies;

    public RequestGuardPolicy(Config config) {
        this.trustedProxies = config.trustedProxies();
    }

    @Override
    public void apply(Exchange exchange) {
        HttpServerRequest request = exchange.request();
        GatewayError framing = request.version() == io.vertx.core.http.HttpVersion.HTTP_2
                ? Http2Conformance.check(request) : Http11Conformance.check(request);
        if (framing != null) {
            refuseAndClose(exchange, framing);
            return;
        }
        String received = request.path();
        String path = received == null ? null : PathNormalizer.normalise(received);
        if (path == null || (path != received && PathNormalizer.hasEncodedSlash(path) && !encodedSlashesAllowed(exchange, path))) {
            exchange.reject(GatewayError.BAD_REQUEST);
            return;
        }
        exchange.normalisedPath(path);
        if (!trustedProxies.isEmpty()) {
            String peer = ClientAddresses.of(request);
            exchange.fromTrustedProxy(peer != null && trustedProxies.trusts(peer));
        }
        exchange.next();
    }

    /**
     * Only a path with an encoded slash needs to know its API before routing; it is looked up here, once more than
     * usual, so that the common path pays nothing for the rare one.
     */
    private static boolean encodedSlashesAllowed(Exchange exchange, String path) {
        var authority = exchange.request().authority();
        Route route = exchange.config().routes().match(authority == null ? null : authority.host(), path);
        return route != null && route.api().keepsEncodedSlashes();
    }

    /**
     * The server's handler for requests Netty could not decode (a malformed request line or header, conflicting
     * Content-Lengths, a line or head over the size limits): no policy runs for them, and the connection is closed
     * after the answer.
     */
    public static void undecodable(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        GatewayError error = cause instanceof TooLongHttpLineException ? GatewayError.URI_TOO_LONG
                : cause instanceof TooLongHttpHeaderException ? GatewayError.HEADERS_TOO_LARGE
                : cause instanceof GuardedRequestDecoder.UnsupportedVersion ? GatewayError.HTTP_VERSION_NOT_SUPPORTED
                : GatewayError.MALFORMED_REQUEST;
        request.response().setStatusCode(error.status())
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE)
                .end(error.body("-"))
                .onComplete(done -> request.connection().close());
    }

    static void refuseAndClose(Exchange exchange, GatewayError error) {
        exchange.rejectAndClose(error);
    }
}
