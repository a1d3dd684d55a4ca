package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.NodeSettings;
import io.gatehouse.gateway.accesslog.Traceparent;
import io.gatehouse.gateway.audit.AuditEmitter;
import io.gatehouse.gateway.auth.AuthenticatePolicy;
import io.gatehouse.gateway.config.ActiveConfig;
import io.gatehouse.gateway.config.ConfigHolder;
import io.gatehouse.gateway.guard.ClientConnections;
import io.gatehouse.gateway.guard.ConsumerPendingPolicy;
import io.gatehouse.gateway.guard.NodeGuard;
import io.gatehouse.gateway.guard.RequestGuardPolicy;
import io.gatehouse.gateway.guard.TrustedProxies;
import io.gatehouse.gateway.limits.Limits;
import io.gatehouse.gateway.limits.LimitsPolicy;
import io.gatehouse.gateway.routing.BalancePolicy;
import io.gatehouse.gateway.limits.UsageOutcome;
import io.gatehouse.gateway.routing.RoutePolicy;
import io.gatehouse.gateway.routing.UpstreamAdmissionPolicy;
import io.gatehouse.gateway.routing.UpstreamOutcome;
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
    private final io.gatehouse.gateway.accesslog.AccessLog accessLog;
    private HttpClient client;
    private HttpServer server;
    private Policy[] chain;
    private Completion completion;
    private ClientConnections connections;

    public ProxyVerticle(NodeSettings settings, ConfigHolder config, Limits limits, AuditEmitter audit,
                         io.gatehouse.gateway.accesslog.AccessLog accessLog) {
        this.audit = audit;
        this.accessLog = accessLog;
        this.settings = settings;
        this.config = config;
        this.limits = limits;
    }

    /** Bodies up to this size with a Content-Length are read whole (and so may be retried and mirrored). */
    private static final int AGGREGATE_BELOW_BYTES = 64 * 1024;

    /**
     * The request path, in order. Adding a policy means adding it here, and nowhere else. Admission comes before the
     * limits so that a request the upstream cannot take spends no quota; retries go back to the balancing.
     */
    static Policy[] chain(NodeSettings settings, HttpClient client, java.util.function.IntFunction<HttpClient> capped, Limits limits,
                          NodeGuard node) {
        return new Policy[] {
                new RequestGuardPolicy(new RequestGuardPolicy.Config(TrustedProxies.parse(settings.client().trustedProxies()))),
                new RoutePolicy(new RoutePolicy.Config()),
                new io.gatehouse.gateway.cors.CorsPolicy(io.gatehouse.gateway.cors.CorsPolicy.Config.forPortal(settings.portalUrl())),
                new AuthenticatePolicy(new AuthenticatePolicy.Config(true, settings.portalUrl())),
                new ConsumerPendingPolicy(new ConsumerPendingPolicy.Config(settings.client().maxPendingPerConsumer(), node)),
                new UpstreamAdmissionPolicy(new UpstreamAdmissionPolicy.Config()),
                new LimitsPolicy(new LimitsPolicy.Config(limits, settings.leaseWaitMs())),
                new BalancePolicy(new BalancePolicy.Config()),
                new ShadowPolicy(new ShadowPolicy.Config(AGGREGATE_BELOW_BYTES), client),
                new DispatchPolicy(new DispatchPolicy.Config(settings.maxBodyBytes(), AGGREGATE_BELOW_BYTES, settings.eventLoops()), client,
                        capped)
        };
    }

    /**
     * What every exchange passes through once at its end, in order: the upstream's outcome first (it ends the last
     * attempt), then usage, the consumer's in-flight slot, the audit record and the access log line (which read what
     * the others settled). What is switched off is left out, not skipped per request.
     */
    static Completion completion(Limits limits, AuditEmitter audit, io.gatehouse.gateway.accesslog.AccessLog accessLog) {
        java.util.List<Completion.Listener> listeners = new java.util.ArrayList<>(java.util.List.of(
                new UpstreamOutcome(), new UsageOutcome(limits), ConsumerPendingPolicy.RELEASE));
        if (audit != AuditEmitter.OFF) {
            listeners.add(audit::finished);
        }
        if (accessLog.enabled()) {
            listeners.add(accessLog);
        }
        return new Completion(listeners.toArray(Completion.Listener[]::new));
    }

    @Override
    public Future<?> start() {
        client = upstreamClient(settings.upstreamPoolSize());
        NodeGuard node = NodeGuard.of(vertx);
        chain = chain(settings, client, this::upstreamClient, limits, node);
        completion = completion(limits, audit, accessLog);
        HttpServerOptions options = new HttpServerOptions()
                .setTcpNoDelay(true)
                // HTTP/1.1 only on the plain port: clients that try h2c upgrade stay on HTTP/1.1.
                .setHttp2ClearTextEnabled(false)
                .setCompressionSupported(false)
                .setHandle100ContinueAutomatically(true);
        // Client timeouts and the connection cap are ClientConnections' (no idle timeout here: Vert.x's would also
        // cut a client that is only waiting for a slow upstream).
        connections = new ClientConnections(settings.client(), options, node);
        connections.start(vertx);
        server = vertx.createHttpServer(options);
        return server.connectionHandler(connections::accepted)
                .requestHandler(this::handle)
                .invalidRequestHandler(RequestGuardPolicy::undecodable)
                .listen(settings.proxyPort(), settings.proxyHost());
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
        if (!connections.dispatched(request)) {
            return;
        }
        ActiveConfig current = config.current();
        Exchange exchange = new Exchange(request, chain, completion, requestId(request), current, audit.digests());
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
        return Traceparent.hex16(random.nextLong()) + Traceparent.hex16(random.nextLong());
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

    @Override
    public Future<?> stop() {
        connections.stop();
        return server.close().eventually(() -> client.close());
    }
}
