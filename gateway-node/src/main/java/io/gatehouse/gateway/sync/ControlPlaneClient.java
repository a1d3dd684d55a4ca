package io.gatehouse.gateway.sync;

import io.gatehouse.gateway.NodeSettings;
import io.gatehouse.gateway.config.ActiveConfig;
import io.gatehouse.gateway.config.ConfigHolder;
import io.gatehouse.gateway.config.InvalidConfigException;
import io.gatehouse.gateway.config.NewerFields;
import io.gatehouse.gateway.config.ConfigStore;
import io.gatehouse.gateway.limits.ControlPlaneLink;
import io.gatehouse.gateway.limits.Limits;
import io.gatehouse.gateway.limits.UsageJournal;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.ConfigDelta;
import io.gatehouse.protocol.config.ConfigSection;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.Identified;
import io.gatehouse.protocol.sync.ControlMessage;
import io.gatehouse.protocol.sync.NodeMessage;
import io.gatehouse.protocol.sync.SyncChannel;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The node's side of the config channel. The node dials out (so gateways can sit behind NAT and firewalls that only
 * allow egress), says what it holds, and applies what it is sent: all or nothing, then to disk, then ACK. Anything
 * it cannot apply is NACKed and the old config keeps serving. When the control plane is away, the node keeps
 * serving and redials with capped exponential backoff and jitter, so a fleet does not reconnect in lockstep.
 *
 * <p>{@code GATEHOUSE_CONTROL_PLANE_URL} may name several control plane instances, comma-separated (or one load
 * balancer). The node holds one connection at a time, to the first instance listed at start; when it closes or a
 * dial fails, the next dial goes to the next instance in the list, so a node whose instance stops is on another one
 * after a single redial.
 */
public final class ControlPlaneClient extends VerticleBase implements ControlPlaneLink {
    private static final Logger LOG = LoggerFactory.getLogger(ControlPlaneClient.class);
    private final NodeSettings settings;
    private final ConfigHolder config;
    private final ConfigStore store;
    /** The chunked snapshot being put together; config thread only. */
    private Assembly assembly;
    private final Limits limits;
    private final UsageJournal usage;
    private final io.gatehouse.gateway.routing.UpstreamHealth health;
    private WebSocketClient client;
    private volatile WebSocket socket;
    private int failedAttempts;
    /**
     * Config messages received and not yet applied. At {@link #MAX_CONFIG_BACKLOG} the channel stops reading: a
     * control plane streams a snapshot as fast as the socket takes it, and parts arriving faster than this node
     * applies them would otherwise pile up in its heap. The control plane sends the next part only once the socket
     * has taken the previous one, so the pause paces it.
     */
    private int configBacklog;
    private static final int MAX_CONFIG_BACKLOG = 2;
    private volatile int configBacklogPeak;
    /** The control plane instances to dial, in turn; {@code current} is the one dialled last. */
    private final java.util.List<String> urls;
    private int current;
    private long heartbeatTimer = -1;
    private volatile boolean stopped;
    private volatile boolean connected;
    /** When the last connection dropped (System.nanoTime()); 0 while connected or before the first connection. */
    private volatile long droppedAtNanos;
    /** When the control plane was last heard from on the open connection: a message or a pong (System.nanoTime()). */
    private volatile long lastHeardNanos;
    /**
     * Heartbeats without a word from the control plane after which its connection is given up. A control plane that
     * hangs (a stopped process, a partition that drops packets without a reset) leaves the TCP connection open, and
     * without this the node would keep counting on it: every request needing a lease would wait out the lease wait.
     */
    static final int SILENT_HEARTBEATS = 3;
    private static final long HANDSHAKE_TIMEOUT_MS = 10_000;
    private static final io.vertx.core.buffer.Buffer PING = io.vertx.core.buffer.Buffer.buffer("gatehouse");
    private volatile String lastError;

    public ControlPlaneClient(NodeSettings settings, ConfigHolder config, ConfigStore store, Limits limits,
                              io.gatehouse.gateway.routing.UpstreamHealth health) {
        this.health = health;
        this.settings = settings;
        this.config = config;
        this.store = store;
        this.limits = limits;
        this.usage = UsageJournal.open(limits, settings.dataDir(), settings.usageSpoolMs(), settings.usageReportMs());
        // The first instance listed is dialled first: an operator spreads nodes by listing instances in different orders.
        this.urls = controlPlaneUrls(settings.controlPlaneUrl());
    }

    /** The instances named by the setting: comma-separated, blanks ignored. */
    static java.util.List<String> controlPlaneUrls(String setting) {
        if (setting == null) {
            return java.util.List.of();
        }
        return java.util.Arrays.stream(setting.split(",")).map(String::trim).filter(u -> !u.isEmpty()).toList();
    }

    /** The control plane instance this node is connected to, or dials next. */
    public String controlPlaneUrl() {
        return urls.get(current);
    }

    @Override
    public boolean connected() {
        return connected;
    }

    /** For as long as a request may wait for a lease after the connection dropped, the node counts on redialling. */
    @Override
    public boolean reconnecting() {
        long dropped = droppedAtNanos;
        return !connected && !stopped && dropped != 0
                && System.nanoTime() - dropped < java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(settings.leaseWaitMs());
    }

    /** The node's usage on its way to the control plane (spool depth, reports waiting for acknowledgement). */
    public UsageJournal usage() {
        return usage;
    }

    public String lastError() {
        return lastError;
    }

    /** The most config messages ever waiting to be applied at once: bounded by pausing the channel. */
    public int configBacklogPeak() {
        return configBacklogPeak;
    }

    @Override
    public Future<?> start() {
        client = vertx.createWebSocketClient(io.gatehouse.gateway.tls.PeerVerification.controlPlane(new WebSocketClientOptions()
                .setMaxMessageSize(SyncChannel.MAX_MESSAGE_BYTES)
                .setMaxFrameSize(1024 * 1024)
                .setConnectTimeout(5_000), settings.tls()));
        limits.connect(this);
        usage.start(this);
        vertx.setPeriodic(settings.usageReportMs(), id -> reportVariants());
        connect();
        return Future.succeededFuture();
    }

    @Override
    public Future<?> stop() {
        // Units this node will never spend go back for the other nodes; counted usage goes to the spool and is sent
        // one last time (what is not acknowledged now is sent again at the next start). The journal's disk work
        // stays off the event loop.
        limits.giveBackAll();
        stopped = true;
        return vertx.executeBlocking(() -> {
            usage.close();
            return null;
        }).eventually(() -> {
            connected = false;
            return client.close();
        });
    }

    private void connect() {
        if (stopped) {
            return;
        }
        WebSocketConnectOptions options = new WebSocketConnectOptions()
                .setAbsoluteURI(channelUrl(controlPlaneUrl()))
                .addHeader(SyncChannel.NODE_ID_HEADER, settings.nodeId())
                .setConnectTimeout(5_000)
                // A peer that accepts the connection and never answers the upgrade (hung, or a half-open path)
                // must not hold the node's only dial forever.
                .setTimeout(HANDSHAKE_TIMEOUT_MS);
        if (settings.nodeToken() != null) {
            options.addHeader("Authorization", "Bearer " + settings.nodeToken());
        }
        client.connect(options).onComplete(result -> {
            if (result.succeeded()) {
                opened(result.result());
            } else {
                lastError = controlPlaneUrl() + ": " + describe(result.cause());
                redial();
            }
        });
    }

    /** The failure and its root cause: "Failed to create SSL connection" alone does not say the certificate was refused. */
    private static String describe(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == failure ? String.valueOf(failure.getMessage()) : failure.getMessage() + ": " + root.getMessage();
    }

    static String channelUrl(String controlPlaneUrl) {
        URI base = URI.create(controlPlaneUrl.endsWith("/") ? controlPlaneUrl.substring(0, controlPlaneUrl.length() - 1) : controlPlaneUrl);
        String scheme = "https".equalsIgnoreCase(base.getScheme()) || "wss".equalsIgnoreCase(base.getScheme()) ? "wss" : "ws";
        String path = base.getRawPath() == null ? "" : base.getRawPath();
        return scheme + "://" + base.getRawAuthority() + path + SyncChannel.PATH;
    }

    private void opened(WebSocket ws) {
        if (stopped) {
            ws.close();
            return;
        }
        socket = ws;
        failedAttempts = 0;
        droppedAtNanos = 0;
        connected = true;
        lastError = null;
        LOG.info("connected to control plane {} as node {}", controlPlaneUrl(), settings.nodeId());
        lastHeardNanos = System.nanoTime();
        ws.textMessageHandler(this::received);
        ws.pongHandler(pong -> lastHeardNanos = System.nanoTime());
        ws.exceptionHandler(e -> LOG.debug("config channel error: {}", e.toString()));
        ws.closeHandler(v -> lost(ws, "connection closed (status " + ws.closeStatusCode() + " " + ws.closeReason() + ")"));
        ActiveConfig held = config.current();
        send(new NodeMessage.Hello(settings.nodeId(), held == null ? 0 : held.version(), held == null ? null : held.hash(),
                GatewayVersion.get()));
        heartbeatTimer = vertx.setPeriodic(settings.heartbeatMs(), id -> beat(ws));
        usage.resendAll();
        limits.reconnected();
    }

    /**
     * One heartbeat: the held version as a message, and a WebSocket ping that the control plane's server answers by
     * itself. A connection silent for {@link #SILENT_HEARTBEATS} heartbeats is given up and dialled again.
     */
    private void beat(WebSocket ws) {
        if (socket != ws) {
            return;
        }
        long silentMs = (System.nanoTime() - lastHeardNanos) / 1_000_000;
        if (silentMs > SILENT_HEARTBEATS * settings.heartbeatMs()) {
            lost(ws, "no answer for " + silentMs + " ms");
            ws.close((short) 1001, "control plane silent");
            return;
        }
        send(new NodeMessage.Heartbeat(heldVersion()));
        ws.writePing(PING);
    }

    /** The connection is gone (closed, or silent too long): serve what is held, and dial again. Once per connection. */
    private void lost(WebSocket ws, String why) {
        if (socket != ws) {
            return;
        }
        droppedAtNanos = System.nanoTime();
        connected = false;
        socket = null;
        vertx.cancelTimer(heartbeatTimer);
        if (!stopped) {
            lastError = controlPlaneUrl() + ": " + why;
            LOG.warn("control plane {}: {}; serving version {} meanwhile", controlPlaneUrl(), why, heldVersion());
            redial();
        }
    }

    /** Canary and stable counts of every API with a canary, since the last report. */
    private void reportVariants() {
        ActiveConfig current = config.current();
        if (current == null || !connected) {
            return;
        }
        java.util.List<io.gatehouse.protocol.usage.VariantCounts> variants = new java.util.ArrayList<>();
        for (io.gatehouse.gateway.routing.Route route : current.routes().all()) {
            if (route.canaryRule() == null) {
                continue;
            }
            for (boolean canary : new boolean[] {false, true}) {
                long[] counts = route.stats(canary).drain();
                if (counts[0] > 0) {
                    variants.add(new io.gatehouse.protocol.usage.VariantCounts(route.apiId(), canary ? "canary" : "stable", counts));
                }
            }
        }
        if (!variants.isEmpty()) {
            send(new NodeMessage.VariantReport(variants));
        }
    }

    private void redial() {
        if (stopped) {
            return;
        }
        long ceiling = Math.min(settings.reconnectMaxMs(), settings.reconnectMinMs() << Math.min(failedAttempts, 20));
        long delay = Math.max(50, (long) (ceiling * (0.5 + ThreadLocalRandom.current().nextDouble() * 0.5)));
        failedAttempts++;
        current = (current + 1) % urls.size();
        if (failedAttempts == 1 || failedAttempts % 10 == 0) {
            LOG.warn("control plane unreachable ({}); serving version {}, dialling {} in {} ms",
                    lastError, heldVersion(), controlPlaneUrl(), delay);
        }
        vertx.setTimer(delay, id -> connect());
    }

    private void received(String text) {
        lastHeardNanos = System.nanoTime();
        if (!text.startsWith("{\"type\":\"snapshot\"") && !text.startsWith("{\"type\":\"snapshot-chunk\"")
                && !text.startsWith("{\"type\":\"delta\"")) {
            // Leases and acknowledgements are small: handled right here, in arrival order.
            ControlMessage message;
            try {
                message = Json.read(text, ControlMessage.class);
            } catch (Json.MalformedMessageException e) {
                LOG.warn("unreadable message from control plane: {}", e.getMessage());
                return;
            }
            if (message instanceof ControlMessage.UsageAck ack) {
                usage.acknowledged(ack.batchId());
            } else if (message instanceof ControlMessage.Refused refused) {
                // Nothing of a refused message was applied, and resending it cannot change that: a refused usage
                // batch is dropped (it would only be refused again).
                LOG.error("control plane refused a {} message: {}: {}", refused.refusedType(), refused.code(), refused.message());
                if (refused.batchId() != null) {
                    usage.acknowledged(refused.batchId());
                }
            } else {
                limits.received(message);
            }
            return;
        }
        // Parsing and compiling a large snapshot, and the disk write, must not stall the event loop; ordered
        // execution keeps messages applied in the order they arrived.
        WebSocket from = socket;
        if (++configBacklog > configBacklogPeak) {
            configBacklogPeak = configBacklog;
        }
        if (configBacklog >= MAX_CONFIG_BACKLOG && from != null) {
            from.pause();
        }
        vertx.executeBlocking(() -> apply(text), true).onComplete(result -> {
            if (--configBacklog < MAX_CONFIG_BACKLOG && from != null) {
                from.resume();
            }
            if (result.succeeded()) {
                if (result.result() != null) {
                    send(result.result()); // a chunk that does not complete its snapshot is not answered
                }
            } else {
                LOG.error("applying config failed unexpectedly", result.cause());
                send(new NodeMessage.Nack(-1, heldVersion(), "internal_error", String.valueOf(result.cause())));
            }
        });
    }

    /** Runs on a worker thread, one message at a time. Returns the ACK or NACK to send, or null for none yet. */
    private NodeMessage apply(String text) {
        ControlMessage message;
        NewerFields newer;
        try {
            // A control plane one release newer may send entries with fields this one does not know: they are
            // served as understood and kept whole for the content hash and the disk copy (docs/operations.md).
            NewerFields.Read<ControlMessage> read = NewerFields.read(text, ControlMessage.class);
            message = read.message();
            newer = read.newer();
        } catch (Json.MalformedMessageException e) {
            LOG.warn("NACK: unreadable message from control plane: {}", e.getMessage());
            return new NodeMessage.Nack(-1, heldVersion(), "malformed_message", e.getMessage());
        }
        if (!newer.isEmpty()) {
            LOG.info("{} config entries carry fields this node's release does not know (the control plane is newer): "
                    + "kept whole, served as understood", newer.size());
        }
        if (message instanceof ControlMessage.Snapshot snapshot) {
            return whole(snapshot.snapshot(), newer);
        }
        if (message instanceof ControlMessage.SnapshotChunk chunk) {
            return chunk(chunk, newer);
        }
        return delta(((ControlMessage.Delta) message).delta(), newer);
    }

    private NodeMessage whole(ConfigSnapshot next, NewerFields newer) {
        abandonAssembly();
        ActiveConfig compiled;
        try {
            compiled = ActiveConfig.compile(next, health, newer);
        } catch (InvalidConfigException e) {
            return refused(next.version(), e);
        }
        config.install(compiled, "control-plane");
        try {
            store.save(next, newer);
        } catch (IOException e) {
            // The config is live; only a restart without the control plane would miss it. Say so loudly.
            LOG.error("config version {} is live but could not be written to {}: {}", next.version(), store.file(), e.toString());
        }
        LOG.info("applied config version {} ({} APIs, {} keys)", next.version(), next.apis().size(), next.keys().size());
        return new NodeMessage.Ack(compiled.version(), compiled.hash());
    }

    /**
     * A delta changes the live config in place, then is appended to the disk log: what it costs is what it changes,
     * whatever the size of the configuration.
     */
    private NodeMessage delta(ConfigDelta delta, NewerFields newer) {
        ActiveConfig held = config.current();
        if (held == null) {
            LOG.warn("NACK: a delta to version {} arrived but this node holds no config", delta.version());
            return new NodeMessage.Nack(delta.version(), 0, "base_version_mismatch", "a delta arrived but this node holds no config");
        }
        long start = System.nanoTime();
        try {
            held.apply(delta, newer);
        } catch (InvalidConfigException e) {
            return refused(delta.version(), e);
        }
        config.install(held, "control-plane");
        try {
            store.append(delta, newer);
        } catch (IOException e) {
            LOG.error("config version {} is live but could not be appended to {}: {}", delta.version(), store.logFile(), e.toString());
        }
        LOG.info("applied config delta {} -> {} in {} µs", delta.baseVersion(), delta.version(), (System.nanoTime() - start) / 1_000);
        return new NodeMessage.Ack(held.version(), held.hash());
    }

    /** A full snapshot in parts: put together aside (and streamed to a new disk copy), switched to at the last part. */
    private static final class Assembly {
        final ControlMessage.SnapshotChunk first;
        final ActiveConfig.Builder builder;
        ConfigStore.SnapshotWriter writer;
        int next;
        boolean refused;

        Assembly(ControlMessage.SnapshotChunk first, ActiveConfig.Builder builder, ConfigStore.SnapshotWriter writer) {
            this.first = first;
            this.builder = builder;
            this.writer = writer;
        }

        boolean sameSnapshot(ControlMessage.SnapshotChunk chunk) {
            return chunk.version() == first.version() && java.util.Objects.equals(chunk.hash(), first.hash());
        }
    }

    private NodeMessage chunk(ControlMessage.SnapshotChunk chunk, NewerFields newer) {
        if (chunk.sequence() == 0) {
            abandonAssembly();
            ConfigStore.SnapshotWriter writer = null;
            try {
                writer = store.startSnapshot(chunk.version(), chunk.hash(), chunk.publishedAt(), 0);
            } catch (IOException e) {
                LOG.error("snapshot version {} cannot be written to disk ({}); it will be served but not kept", chunk.version(), e.toString());
            }
            assembly = new Assembly(chunk, new ActiveConfig.Builder(health, chunk.keys().size()), writer);
        } else if (assembly != null && assembly.refused && assembly.sameSnapshot(chunk)) {
            return null; // already refused at an earlier part: one NACK per snapshot
        } else if (assembly == null || !assembly.sameSnapshot(chunk) || chunk.sequence() != assembly.next) {
            String expected = assembly == null ? "no snapshot under way"
                    : "expected part " + assembly.next + " of version " + assembly.first.version();
            abandonAssembly();
            LOG.warn("NACK version {}: part {} out of order ({}); still serving version {}", chunk.version(), chunk.sequence(), expected, heldVersion());
            return new NodeMessage.Nack(chunk.version(), heldVersion(), "snapshot_out_of_order",
                    "part " + chunk.sequence() + " of snapshot " + chunk.version() + " arrived but " + expected);
        }
        Assembly current = assembly;
        try {
            add(current, ConfigSection.APIS, chunk.apis(), newer);
            add(current, ConfigSection.PLANS, chunk.plans(), newer);
            add(current, ConfigSection.SUBSCRIPTIONS, chunk.subscriptions(), newer);
            add(current, ConfigSection.KEYS, chunk.keys(), newer);
            current.next++;
            if (!chunk.last()) {
                return null;
            }
            ActiveConfig built = current.builder.build(chunk.version(), current.first.hash(), current.first.publishedAt());
            config.install(built, "control-plane");
            assembly = null;
            if (current.writer != null) {
                try {
                    current.writer.commit();
                } catch (IOException e) {
                    LOG.error("config version {} is live but could not be written to {}: {}", chunk.version(), store.file(), e.toString());
                } finally {
                    closeQuietly(current.writer);
                }
            }
            LOG.info("applied config version {} from {} parts ({} entries, {} keys)", built.version(), current.next,
                    current.builder.entries(), built.keys().size());
            return new NodeMessage.Ack(built.version(), built.hash());
        } catch (InvalidConfigException e) {
            current.refused = true;
            closeQuietly(current.writer);
            current.writer = null;
            if (chunk.last()) {
                assembly = null;
            }
            return refused(chunk.version(), e);
        }
    }

    private void add(Assembly assembly, ConfigSection section, java.util.List<? extends Identified> entries, NewerFields newer) {
        for (Identified entry : entries) {
            byte[] whole = newer.of(section, entry.id());
            if (whole == null) {
                assembly.builder.entry(section, entry);
            } else {
                assembly.builder.entryWithNewerFields(section, entry, whole);
            }
            if (assembly.writer != null) {
                try {
                    assembly.writer.write(section, entry, whole);
                } catch (IOException e) {
                    LOG.error("snapshot version {} cannot be written to disk ({}); it will be served but not kept",
                            assembly.first.version(), e.toString());
                    closeQuietly(assembly.writer);
                    assembly.writer = null;
                }
            }
        }
    }

    private void abandonAssembly() {
        if (assembly != null) {
            closeQuietly(assembly.writer);
            assembly = null;
        }
    }

    private static void closeQuietly(ConfigStore.SnapshotWriter writer) {
        if (writer != null) {
            try {
                writer.close();
            } catch (IOException e) {
                LOG.debug("closing an abandoned snapshot file: {}", e.toString());
            }
        }
    }

    private NodeMessage refused(long version, InvalidConfigException e) {
        LOG.warn("NACK version {}: {}: {} (still serving version {})", version, e.code(), e.getMessage(), heldVersion());
        return new NodeMessage.Nack(version, heldVersion(), e.code(), e.getMessage());
    }

    private long heldVersion() {
        ActiveConfig held = config.current();
        return held == null ? 0 : held.version();
    }

    @Override
    public void send(NodeMessage message) {
        WebSocket ws = socket;
        if (ws != null && !ws.isClosed()) {
            ws.writeTextMessage(Json.write(message));
        }
    }
}
