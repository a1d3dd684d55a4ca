package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.NodeSettings;
import io.gatehouse.gateway.audit.AuditEmitter;
import io.gatehouse.gateway.auth.AuthenticatePolicy;
import io.gatehouse.gateway.config.ActiveConfig;
import io.gatehouse.gateway.config.ConfigHolder;
import io.gatehouse.gateway.limits.Limits;
import io.gatehouse.gateway.limits.LimitsPolicy;
import io.gatehouse.gateway.routing.BalancePolicy;
import io.gatehouse.gateway.routing.RoutePolicy;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;

import java.util.concurrent.ThreadLocalRandom;

/**
 * One event loop's share of the gateway: an HTTP server and its own upstream client. Keeping both on one loop means
 * a request never hops threads between its client side and its upstream side, which is what keeps the tail short.
 */
public final class ProxyVerticle extends VerticleBase {
    private static final int MAX_INCOMING_REQUEST_ID = 128;
    private final NodeSettings settings;
    private final ConfigHolder config;
    private final Limits limits;
    private final AuditEmitter audit;
    private HttpClient client;
    private HttpServer server;
    private Policy[] chain;

    public ProxyVerticle(NodeSettings settings, ConfigHolder config, Limits limits, AuditEmitter audit) {
        this.audit = audit;
        this.settings = settings;
        this.config = config;
        this.limits = limits;
    }

    /** The request path, in order. Adding a policy means adding it here, and nowhere else. */
    static Policy[] chain(NodeSettings settings, HttpClient client, java.util.function.IntFunction<HttpClient> capped, Limits limits) {
        return new Policy[] {
                new RoutePolicy(new RoutePolicy.Config()),
                new AuthenticatePolicy(new AuthenticatePolicy.Config(true)),
                new LimitsPolicy(new LimitsPolicy.Config(limits, settings.leaseWaitMs())),
                new BalancePolicy(new BalancePolicy.Config()),
                new DispatchPolicy(new DispatchPolicy.Config(settings.maxBodyBytes(), 64 * 1024, settings.eventLoops()), client,
                        capped)
        };
    }

    @Override
    public Future<?> start() {
        client = upstreamClient(settings.upstreamPoolSize());
        chain = chain(settings, client, this::upstreamClient, limits);
        server = vertx.createHttpServer(new HttpServerOptions()
                .setTcpNoDelay(true)
                // HTTP/1.1 only on the plain port: clients that try h2c upgrade stay on HTTP/1.1.
                .setHttp2ClearTextEnabled(false)
                .setCompressionSupported(false)
                .setHandle100ContinueAutomatically(true));
        return server.requestHandler(this::handle).listen(settings.proxyPort(), settings.proxyHost());
    }

    /** An upstream client on this event loop, with at most {@code poolSize} connections per target. */
    private HttpClient upstreamClient(int poolSize) {
        return vertx.createHttpClient(new HttpClientOptions()
                        .setKeepAlive(true)
                        .setKeepAliveTimeout(60)
                        .setPipelining(false)
                        .setTcpNoDelay(true)
                        .setDecompressionSupported(false)
                        .setName("gatehouse-upstream"),
                new PoolOptions().setHttp1MaxSize(poolSize).setMaxWaitQueueSize(10_000));
    }

    private void handle(HttpServerRequest request) {
        ActiveConfig current = config.current();
        Exchange exchange = new Exchange(request, chain, requestId(request), current, audit.digests());
        if (audit != AuditEmitter.OFF) {
            // Until the chain has its completion step: the answer's end, or the connection's close, ends the exchange.
            request.response().endHandler(v -> audit.finished(exchange));
            request.response().closeHandler(v -> audit.finished(exchange));
        }
        if (current == null) {
            exchange.reject(GatewayError.NOT_READY);
            return;
        }
        exchange.next();
    }

    /** Keeps a caller's request id if it is sane, so one id follows a request across systems; otherwise makes one. */
    private static String requestId(HttpServerRequest request) {
        String incoming = request.getHeader(ProxyHeaders.REQUEST_ID);
        if (incoming != null && !incoming.isEmpty() && incoming.length() <= MAX_INCOMING_REQUEST_ID && isToken(incoming)) {
            return incoming;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return hex16(random.nextLong()) + hex16(random.nextLong());
    }

    private static boolean isToken(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.' || c == ':') || c > 127) {
                return false;
            }
        }
        return true;
    }

    private static String hex16(long value) {
        String hex = Long.toHexString(value);
        return hex.length() == 16 ? hex : "0".repeat(16 - hex.length()) + hex;
    }

    @Override
    public Future<?> stop() {
        return server.close().eventually(() -> client.close());
    }
}
