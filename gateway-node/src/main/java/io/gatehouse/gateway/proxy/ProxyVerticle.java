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
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.gatehouse.gateway.tls.HttpsRedirect;
import io.gatehouse.gateway.tls.Listeners;
import io.gatehouse.gateway.tls.PeerVerification;
import io.gatehouse.gateway.tls.ServerCertificates;
import io.gatehouse.gateway.tls.TlsSettings;

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
    private final io.gatehouse.gateway.metrics.GatewayMetrics metrics;
    private final io.gatehouse.gateway.drain.Drain drain;
    private HttpClientAgent client;
    private UpstreamConnections upstreams;
    /** The plain-HTTP listener (serving or redirecting), null when it is off. */
    private HttpServer server;
    /** The TLS listener, null when no certificate is configured. */
    private HttpServer tlsServer;
    private final ServerCertificates certificates;
    private Policy[] chain;
    private Completion completion;
    private ClientConnections connections;

    public ProxyVerticle(NodeSettings settings, ConfigHolder config, Limits limits, AuditEmitter audit,
                         io.gatehouse.gateway.accesslog.AccessLog accessLog, io.gatehouse.gateway.metrics.GatewayMetrics metrics,
                         io.gatehouse.gateway.drain.Drain drain) {
        this(settings, config, limits, audit, accessLog, metrics, drain, null);
    }

    /** @param certificates the TLS listener's certificates, or null for no TLS listener */
    public ProxyVerticle(NodeSettings settings, ConfigHolder config, Limits limits, AuditEmitter audit,
                         io.gatehouse.gateway.accesslog.AccessLog accessLog, io.gatehouse.gateway.metrics.GatewayMetrics metrics,
                         io.gatehouse.gateway.drain.Drain drain, ServerCertificates certificates) {
        this.certificates = certificates;
        this.metrics = metrics;
        this.drain = drain;
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
    static Policy[] chain(NodeSettings settings, HttpClient client, UpstreamConnections connections,
                          java.util.function.IntFunction<HttpClient> capped, Limits limits, NodeGuard node) {
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
                new DispatchPolicy(new DispatchPolicy.Config(settings.maxBodyBytes(), AGGREGATE_BELOW_BYTES, settings.eventLoops()),
                        connections, capped)
        };
    }

    /**
     * What every exchange passes through once at its end, in order: the upstream's outcome first (it ends the last
     * attempt), then usage, the consumer's in-flight slot, the audit record and the access log line (which read what
     * the others settled), with the metrics before them. What is switched off is left out, not skipped per request.
     */
    static Completion completion(Limits limits, AuditEmitter audit, io.gatehouse.gateway.accesslog.AccessLog accessLog,
                                 io.gatehouse.gateway.metrics.GatewayMetrics metrics) {
        java.util.List<Completion.Listener> listeners = new java.util.ArrayList<>(java.util.List.of(
                new UpstreamOutcome(), new UsageOutcome(limits), ConsumerPendingPolicy.RELEASE));
        if (metrics.enabled()) {
            listeners.add(metrics);
        }
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
        upstreams = new UpstreamConnections(client, settings.upstreamPoolSize(), settings.upstreamIdleTimeoutMs());
        upstreams.start(vertx);
        NodeGuard node = NodeGuard.of(vertx);
        chain = chain(settings, client, upstreams, this::upstreamClient, limits, node);
        completion = completion(limits, audit, accessLog, metrics);
        HttpServerOptions plain = Listeners.plain();
        // Client timeouts and the connection cap are ClientConnections' (no idle timeout here: Vert.x's would also
        // cut a client that is only waiting for a slow upstream). Both listeners' connections are watched alike.
        connections = new ClientConnections(settings.client(), plain, node);
        connections.start(vertx);
        TlsSettings tls = settings.tls();
        java.util.List<Future<?>> listening = new java.util.ArrayList<>(2);
        if (certificates != null) {
            tlsServer = vertx.createHttpServer(Listeners.tls(plain, tls, certificates.sslOptions(), settings.client()));
            listening.add(serve(tlsServer).listen(tls.port(), settings.proxyHost()).onSuccess(certificates::serving));
        }
        if (certificates == null || tls.plainHttp() == TlsSettings.PlainHttp.SERVE) {
            server = vertx.createHttpServer(plain);
            listening.add(serve(server).listen(settings.proxyPort(), settings.proxyHost()));
        } else if (tls.plainHttp() == TlsSettings.PlainHttp.REDIRECT) {
            server = vertx.createHttpServer(plain);
            listening.add(server.connectionHandler(connections::accepted)
                    .requestHandler(redirecting(new HttpsRedirect(tls.redirectPort())))
                    .invalidRequestHandler(RequestGuardPolicy::undecodable)
                    .listen(settings.proxyPort(), settings.proxyHost()));
        }
        return Future.all(listening);
    }

    /** The redirect listener's requests are watched like the proxy's: each is counted as handed on. */
    private io.vertx.core.Handler<HttpServerRequest> redirecting(HttpsRedirect redirect) {
        return request -> {
            if (connections.dispatched(request)) {
                redirect.handle(request);
            }
        };
    }

    private HttpServer serve(HttpServer listener) {
        return listener.connectionHandler(connections::accepted)
                .requestHandler(this::handle)
                .invalidRequestHandler(RequestGuardPolicy::undecodable);
    }

    /** An upstream client on this event loop, with at most {@code poolSize} connections per target. */
    private HttpClientAgent upstreamClient(int poolSize) {
        return vertx.createHttpClient(PeerVerification.upstream(new HttpClientOptions()
                        .setKeepAlive(true)
                        // Vert.x counts whole seconds: rounded down, so a pooled connection never outlives the
                        // idle time set below an upstream's own (a second at least, as 0 would mean forever).
                        .setKeepAliveTimeout((int) Math.max(1, settings.upstreamIdleTimeoutMs() / 1000))
                        .setPipelining(false)
                        .setTcpNoDelay(true)
                        .setDecompressionSupported(false)
                        .setName("gatehouse-upstream"), settings.tls()),
                new PoolOptions().setHttp1MaxSize(poolSize).setMaxWaitQueueSize(10_000));
    }

    private void handle(HttpServerRequest request) {
        if (!connections.dispatched(request)) {
            return;
        }
        ActiveConfig current = config.current();
        Exchange exchange = new Exchange(request, chain, completion, requestId(request), current, audit.digests(), drain);
        if (current == null) {
            exchange.reject(GatewayError.NOT_READY);
            return;
        }
        // Read while Netty is still inside the HEADERS frame that opened the stream (Vert.x dispatches a request on its
        // event loop at once): a stream that frame ended is already half closed; no DATA frame can have come yet.
        if (request.version() == io.vertx.core.http.HttpVersion.HTTP_2 && !connections.streamStarted(exchange)) {
            exchange.endedWithHeaders();
        }
        exchange.next();
    }

    /** Keeps a caller's request id if it is sane, so one id follows a request across systems; otherwise makes one. */
    private static CharSequence requestId(HttpServerRequest request) {
        String incoming = request.getHeader(ProxyHeaders.REQUEST_ID);
        if (incoming != null && !incoming.isEmpty() && incoming.length() <= MAX_INCOMING_REQUEST_ID && isToken(incoming)) {
            return incoming;
        }
        return Traceparent.newId();
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
        // Draining: the listeners close at once, idle connections too, and a connection with a request in flight
        // closes once its answer is sent (Vert.x 5's shutdown), or when the drain time is up. Otherwise: at once.
        Future<Void> plainClosed = server == null ? Future.succeededFuture() : close(server);
        Future<Void> tlsClosed = tlsServer == null ? Future.succeededFuture() : close(tlsServer);
        return Future.all(plainClosed, tlsClosed).eventually(() -> {
            upstreams.stop(vertx);
            return client.close();
        });
    }

    private Future<Void> close(HttpServer listener) {
        return drain.draining()
                ? listener.shutdown(settings.drainTimeoutMs(), java.util.concurrent.TimeUnit.MILLISECONDS)
                : listener.close();
    }
}
