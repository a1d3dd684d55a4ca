package io.gatehouse.gateway;

import io.gatehouse.gateway.audit.GatewayAudit;
import io.gatehouse.gateway.config.ActiveConfig;
import io.gatehouse.gateway.config.ConfigHolder;
import io.gatehouse.gateway.config.InvalidConfigException;
import io.gatehouse.gateway.config.ConfigStore;
import io.gatehouse.gateway.limits.Limits;
import io.gatehouse.gateway.limits.LocalLeases;
import io.gatehouse.gateway.proxy.ProxyVerticle;
import io.gatehouse.gateway.routing.Discovery;
import io.gatehouse.gateway.routing.UpstreamHealth;
import io.gatehouse.gateway.status.StatusVerticle;
import io.gatehouse.gateway.sync.ControlPlaneClient;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** A running gateway node: proxy servers on every event loop, the status server, and the config channel. */
public final class GatewayNode {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayNode.class);
    private final NodeSettings settings;
    private final ConfigHolder config = new ConfigHolder();
    private final Limits limits = new Limits();
    private final io.gatehouse.gateway.metrics.GatewayMetrics metrics;
    private final UpstreamHealth health;
    private final io.gatehouse.gateway.drain.Drain drain = new io.gatehouse.gateway.drain.Drain();
    private String proxyDeployment;
    private ConfigStore store;
    private Vertx vertx;
    private ControlPlaneClient controlPlane;
    private GatewayAudit audit;
    private io.gatehouse.gateway.tls.ServerCertificates certificates;
    private io.gatehouse.gateway.accesslog.AccessLog accessLog = io.gatehouse.gateway.accesslog.AccessLog.OFF;

    /**
     * A library default the request path measured faster without (docs/benchmarks.md), for a launcher to set before
     * Netty reads it (once, when its allocator class loads); a value given on the command line wins: Netty's pooled
     * allocator, with per-thread caches, instead of 4.2's adaptive one, whose buffers go back through a shared queue
     * and grow a step at a time while headers are encoded. The gateway's tests run with the same (gateway-node/pom.xml).
     */
    public static void runtimeDefaults() {
        if (System.getProperty("io.netty.allocator.type") == null) {
            System.setProperty("io.netty.allocator.type", "pooled");
        }
    }

    public GatewayNode(NodeSettings settings) {
        this.settings = settings;
        this.metrics = settings.metricsEnabled() ? io.gatehouse.gateway.metrics.GatewayMetrics.on() : io.gatehouse.gateway.metrics.GatewayMetrics.off();
        this.health = new UpstreamHealth(metrics);
    }

    public NodeSettings settings() {
        return settings;
    }

    public ConfigHolder config() {
        return config;
    }

    /** The node's plan limits and the usage they count. */
    /** Requests of this consumer in flight on the node now (what the per-consumer pending cap counts). */
    public int pendingRequestsOf(String consumerId) {
        return vertx == null ? 0 : io.gatehouse.gateway.guard.NodeGuard.of(vertx).pendingOf(consumerId);
    }

    /**
     * What the event loops actually run on ({@code io_uring}, {@code epoll}, {@code nio}), read back from Vert.x rather
     * than taken from the choice: Vert.x falls back to NIO without a word when a transport it was given cannot start.
     */
    String runningTransport() {
        String running = ((io.vertx.core.internal.VertxInternal) vertx).transport().getClass().getSimpleName();
        return switch (running) {
            case "IoUringTransport" -> NodeTransport.IO_URING.settingValue();
            case "EpollTransport" -> NodeTransport.EPOLL.settingValue();
            case "NioTransport" -> NodeTransport.NIO.settingValue();
            default -> running;
        };
    }

    public Limits limits() {
        return limits;
    }

    /** Starts the node and waits until its ports are open. Blocking: call it from a main thread or a test. */
    public GatewayNode start() {
        // Before anything is opened: a transport named in the settings that the host cannot use stops the start here.
        NodeTransport.Choice transport = settings.transport().choose();
        loadInitialConfig();
        audit = GatewayAudit.start(settings.nodeId(), settings.dataDir(), settings.audit());
        accessLog = io.gatehouse.gateway.accesslog.AccessLog.start(settings.accessLog(), settings.nodeId());
        io.gatehouse.gateway.accesslog.AccessLog log = accessLog;
        io.gatehouse.gateway.tls.ServerCertificates tlsCertificates;
        try {
            tlsCertificates = settings.tls().listenerEnabled() ? io.gatehouse.gateway.tls.ServerCertificates.load(settings.tls()) : null;
        } catch (RuntimeException e) {
            audit.close();
            closeStore();
            closeAccessLog();
            throw e;
        }
        certificates = tlsCertificates;
        io.gatehouse.gateway.tls.PeerVerification.warnIfTrustingAll(settings.tls());
        try {
            // Inside the try: each event loop sets up its own io_uring ring as it starts, which can still fail (memory,
            // descriptors) after the transport was found available; what was opened above is then closed below.
            // The node is one class loader: swapping each event's thread context class loader in and out (Vert.x's
            // default, for containers with several) is two needless writes per event, several events per request.
            vertx = Vertx.builder()
                    .with(new VertxOptions().setEventLoopPoolSize(Math.max(1, settings.eventLoops())).setDisableTCCL(true))
                    .withTransport(transport.vertx())
                    .build();
            String running = runningTransport();
            if (!running.equals(transport.transport().settingValue())) {
                LOG.warn("transport: {} was chosen, but the event loops run on {}", transport.transport().settingValue(), running);
            } else if (transport.passedOver() == null) {
                LOG.info("transport: {}", running);
            } else {
                LOG.info("transport: {} ({})", running, transport.passedOver());
            }
            Future<String> proxies = vertx.deployVerticle(() -> new ProxyVerticle(settings, config, limits, audit.emitter(), log, metrics, drain,
                    tlsCertificates),
                    new DeploymentOptions().setInstances(Math.max(1, settings.eventLoops())).setThreadingModel(ThreadingModel.EVENT_LOOP));
            proxyDeployment = proxies.await(30, TimeUnit.SECONDS);
            if (!settings.standalone()) {
                for (String url : settings.controlPlaneUrl().split(",")) {
                    if (!url.isBlank()) {
                        io.gatehouse.gateway.tls.PeerVerification.warnIfPlaintextControlPlane(url.strip());
                    }
                }
                controlPlane = new ControlPlaneClient(settings, config, store, limits, health);
                vertx.deployVerticle(controlPlane).await(30, TimeUnit.SECONDS);
            } else {
                limits.connect(new LocalLeases(limits));
            }
            vertx.setPeriodic(200, id -> limits.tick());
            health.start(vertx, options -> io.gatehouse.gateway.tls.PeerVerification.upstream(options, settings.tls()));
            if (tlsCertificates != null) {
                tlsCertificates.startReloading(vertx);
            }
            new Discovery(config, health).start(vertx, settings.dnsServer(), settings.dnsRefreshMs());
            vertx.deployVerticle(new StatusVerticle(settings, config, controlPlane, audit, metrics, drain, runningTransport()))
                    .await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (vertx != null) {
                vertx.close();
            }
            audit.close();
            closeStore();
            closeAccessLog();
            throw new IllegalStateException("gateway node failed to start: " + e.getMessage(), e);
        }
        LOG.info("gateway node {} listening on {} (status on {}), {}", settings.nodeId(), listeners(tlsCertificates != null),
                settings.statusPort(), settings.standalone() ? "standalone" : "control plane " + settings.controlPlaneUrl());
        return this;
    }

    private String listeners(boolean tls) {
        String plain = "http " + settings.proxyHost() + ":" + settings.proxyPort();
        if (!tls) {
            return plain;
        }
        String https = "https " + settings.proxyHost() + ":" + settings.tls().port() + " (h2, http/1.1)";
        return switch (settings.tls().plainHttp()) {
            case SERVE -> https + " and " + plain;
            case REDIRECT -> https + " and " + plain + " (redirecting to https)";
            case OFF -> https;
        };
    }

    public void stop() {
        if (vertx != null) {
            drainProxies();
            if (controlPlane != null && !controlPlane.usage().flush(settings.drainFlushTimeoutMs())) {
                LOG.warn("usage not all acknowledged by the control plane within {} ms; what is left is sent at the next start",
                        settings.drainFlushTimeoutMs());
            }
            try {
                vertx.close().await(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("gateway node did not stop cleanly: {}", e.toString());
            }
            vertx = null;
        }
        if (audit != null) {
            audit.close(settings.drainFlushTimeoutMs());
            audit = null;
        }
        closeStore();
        closeAccessLog();
    }

    /**
     * The first step of stopping: readiness goes down, the proxy listeners close, every keep-alive connection is
     * told {@code Connection: close} on its next answer, and the requests in flight finish, for up to the drain
     * timeout. Usage and audit are flushed after, so they include every request answered here.
     */
    private void drainProxies() {
        drain.begin();
        long started = System.nanoTime();
        try {
            vertx.undeploy(proxyDeployment).await(settings.drainTimeoutMs() + 5_000, TimeUnit.MILLISECONDS);
            LOG.info("gateway node {} drained its proxy connections in {} ms", settings.nodeId(), (System.nanoTime() - started) / 1_000_000);
        } catch (Exception e) {
            LOG.warn("gateway node {} did not drain within {} ms: {}", settings.nodeId(), settings.drainTimeoutMs(), e.toString());
        }
    }

    /** The node's request metrics. */
    public io.gatehouse.gateway.metrics.GatewayMetrics metrics() {
        return metrics;
    }

    /** Whether the node is draining (stopping). */
    public boolean draining() {
        return drain.draining();
    }

    private void closeStore() {
        if (store != null) {
            try {
                store.close();
            } catch (IOException e) {
                LOG.warn("config store did not close cleanly: {}", e.toString());
            }
            store = null;
        }
    }

    private void closeAccessLog() {
        try {
            accessLog.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        accessLog = io.gatehouse.gateway.accesslog.AccessLog.OFF;
    }

    /** The TLS listener's certificates (reload count, last reload failure); null when TLS is off. */
    public io.gatehouse.gateway.tls.ServerCertificates certificates() {
        return certificates;
    }

    /** The node's audit trail (spool depth, drops, public key). */
    public GatewayAudit audit() {
        return audit;
    }

    private void loadInitialConfig() {
        if (settings.snapshotFile() != null) {
            ConfigSnapshot snapshot = readSnapshotFile();
            // Hand-written snapshot files (GitOps, benchmarks) need not carry a hash: compute it.
            if (snapshot.hash() == null) {
                snapshot = snapshot.withHash(snapshot.computeHash());
            }
            try {
                config.install(ActiveConfig.compile(snapshot, health), "file:" + settings.snapshotFile());
            } catch (InvalidConfigException e) {
                throw new IllegalArgumentException("snapshot file " + settings.snapshotFile() + " cannot be served: " + e.getMessage(), e);
            }
            LOG.info("serving config version {} from {}", snapshot.version(), settings.snapshotFile());
            return;
        }
        store = new ConfigStore(settings.dataDir(), settings.configLogCompactEntries());
        long started = System.nanoTime();
        try {
            Optional<ActiveConfig> saved = store.load(health);
            if (saved.isPresent()) {
                config.install(saved.get(), "disk");
                LOG.info("serving last good config version {} ({} keys) from {} until the control plane answers; loaded in {} ms",
                        saved.get().version(), saved.get().keys().size(), store.file().getParent(), (System.nanoTime() - started) / 1_000_000);
            } else {
                LOG.info("no saved config in {}: not ready until the control plane sends one", store.file().getParent());
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("saved config {} is unusable ({}); waiting for the control plane", store.file(), e.getMessage());
        }
    }

    private ConfigSnapshot readSnapshotFile() {
        try {
            return ConfigStore.readSnapshotFile(settings.snapshotFile())
                    .orElseThrow(() -> new IllegalArgumentException("snapshot file " + settings.snapshotFile() + " does not exist"));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read snapshot file " + settings.snapshotFile() + ": " + e.getMessage(), e);
        } catch (Json.MalformedMessageException e) {
            throw new IllegalArgumentException("snapshot file " + settings.snapshotFile() + " is not a valid snapshot: " + e.getMessage(), e);
        }
    }
}
