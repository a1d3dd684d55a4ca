package io.gatehouse.management.sync;

import io.gatehouse.management.apis.CanaryHistory;
import io.gatehouse.management.apis.CanaryMetrics;
import io.gatehouse.management.limits.QuotaLedger;
import io.gatehouse.management.limits.RateAllocator;
import io.gatehouse.management.limits.RateLeaseRelay;
import io.gatehouse.management.nodes.NodeCredentials;
import io.gatehouse.management.usage.UsageStore;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.sync.ControlMessage;
import io.gatehouse.protocol.sync.NodeMessage;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.websockets.next.WebSocketConnection;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gateway nodes that are, or were, connected to this control plane instance. A node's id is the one its
 * credential is bound to; one connection per node id: a new connection under a credential bound to that id replaces
 * the old one once it says hello (a node that reconnects after a half-open connection), and no other credential can
 * reach it.
 */
@ApplicationScoped
public class NodeRegistry {
    private static final Logger LOG = Logger.getLogger(NodeRegistry.class);
    private final Map<String, NodeSession> byConnection = new ConcurrentHashMap<>();
    private final Map<String, NodeSession> byNode = new ConcurrentHashMap<>();

    @Inject
    QuotaLedger quotas;
    @Inject
    RateAllocator rates;
    @Inject
    RateLeaseRelay rateRelay;
    @Inject
    UsageStore usage;
    @Inject
    CanaryMetrics canaryMetrics;
    @Inject
    CanaryHistory canaryHistory;
    @Inject
    NodeCredentials credentials;
    @Inject
    io.gatehouse.management.metrics.ControlPlaneMetrics metrics;
    @Inject
    io.gatehouse.management.GatehouseConfig config;
    @Inject
    Vertx vertx;
    private long silenceTimer = -1;

    /**
     * A node that hung (a paused process, a partition that drops packets without a reset) keeps its TCP connection
     * open here for as long as the operating system does, and would be listed as connected. Nodes send a heartbeat
     * every few seconds, so one silent for the silence timeout is taken for gone and its connection closed: the
     * node list shows it disconnected, and a node that was only slow dials again.
     */
    void onStart(@Observes StartupEvent event) {
        Duration timeout = config.sync().nodeSilenceTimeout();
        long everyMs = Math.max(1_000, timeout.toMillis() / 3);
        silenceTimer = vertx.setPeriodic(everyMs, id -> closeSilent(Instant.now().minus(timeout)));
    }

    void onStop(@Observes ShutdownEvent event) {
        if (silenceTimer >= 0) {
            vertx.cancelTimer(silenceTimer);
        }
    }

    /** Closes the connections of nodes that sent nothing since {@code cutoff}; the ids of those nodes. */
    public List<String> closeSilent(Instant cutoff) {
        List<String> closed = new ArrayList<>();
        for (NodeSession session : byConnection.values()) {
            Instant lastSeen = session.lastSeen();
            // Once per session: its close may take a while to complete, and later sweeps still find it here.
            if (lastSeen.isBefore(cutoff) && session.disconnectedOnce()) {
                LOG.warnf("node %s sent nothing since %s (silence timeout %s): closing its connection", session.nodeId(), lastSeen,
                        config.sync().nodeSilenceTimeout());
                close(session.connection());
                closed.add(session.nodeId());
            }
        }
        return closed;
    }

    /** Closes a node's connection; its close handler ({@link #closed}) does the rest. A failed close needs nothing more. */
    private static void close(WebSocketConnection connection) {
        connection.close().subscribe().with(v -> { }, e -> { });
    }

    /** Nodes connected to this instance now. */
    public int connectedCount() {
        return byConnection.size();
    }

    void opened(WebSocketConnection connection) {
        NodeCredentials.Credential credential = credentials.verified(NodeCredentials.bearer(connection.handshakeRequest().header("Authorization")));
        if (credential == null) {
            // Revoked between the upgrade check and now.
            close(connection);
            return;
        }
        NodeSession session = new NodeSession(connection, credential.nodeId(), credential.id(), connection.handshakeRequest().remoteAddress());
        byConnection.put(connection.id(), session);
        // The node's place goes to a new connection only once it says hello (takeOver), unless nothing holds it open.
        // A dial the node abandoned during its credential check can still open, after the node has dialled again and
        // said hello; it never says hello itself, so it must not close the node's live connection.
        byNode.compute(credential.nodeId(), (id, current) -> current == null || !current.connection().isOpen() ? session : current);
        LOG.infof("node %s connected from %s (credential %s)", credential.nodeId(), session.view(null).address(), credential.id());
    }

    /** The connection that said hello is the node's: an earlier one still open (half-open, or left behind) is closed. */
    private void takeOver(NodeSession session) {
        NodeSession previous = byNode.put(session.nodeId(), session);
        if (previous != null && previous != session && previous.connection().isOpen()) {
            LOG.infof("node %s connected again; closing its previous connection", session.nodeId());
            close(previous.connection());
        }
    }

    void closed(WebSocketConnection connection) {
        NodeSession session = byConnection.remove(connection.id());
        if (session != null) {
            session.disconnected();
            LOG.infof("node %s disconnected", session.nodeId());
        }
    }

    /**
     * A lost connection: reset or broken off, closed already, so its close handler ({@link #closed}) follows or has
     * run. Logged once, without a stack trace; the close reported after the loss only at debug level.
     */
    void lost(WebSocketConnection connection, Exception failure) {
        NodeSession session = byConnection.get(connection.id());
        String claimed = connection.handshakeRequest().header(io.gatehouse.protocol.sync.SyncChannel.NODE_ID_HEADER);
        String node = session != null ? session.nodeId() : claimed != null ? claimed : "from " + connection.handshakeRequest().remoteAddress();
        if (failure instanceof io.vertx.core.http.HttpClosedException) {
            LOG.debugf("node %s: %s", node, failure.toString());
        } else {
            LOG.infof("node %s: connection lost (%s)", node, failure.toString());
        }
    }

    /** Sends a message to a node if it is connected to this instance; false if it is not. */
    public boolean deliver(String nodeId, ControlMessage message) {
        NodeSession session = byNode.get(nodeId);
        if (session == null || !session.connection().isOpen()) {
            return false;
        }
        session.reply(message);
        return true;
    }

    /** Closes every connection opened with this credential (it was revoked). */
    public void disconnectCredential(String credentialId) {
        for (NodeSession session : byConnection.values()) {
            if (session.credentialId().equals(credentialId) && session.disconnectedOnce()) {
                LOG.infof("node %s: credential %s revoked; disconnecting", session.nodeId(), credentialId);
                close(session.connection());
            }
        }
    }

    void received(WebSocketConnection connection, String text, ConfigPublisher publisher) {
        NodeSession session = byConnection.get(connection.id());
        if (session == null) {
            return;
        }
        NodeMessage message;
        try {
            message = Json.read(text, NodeMessage.class);
        } catch (Json.MalformedMessageException e) {
            refused(session, null, new NodeMessageRefused("malformed_message", e.getMessage()));
            return;
        }
        try {
            NodeMessageRules.check(message, text, session.nodeId(), publisher.index());
        } catch (NodeMessageRefused e) {
            refused(session, message, e);
            if (message instanceof NodeMessage.Hello) {
                close(connection);
            }
            return;
        }
        session.seen();
        if (message instanceof NodeMessage.Hello hello) {
            takeOver(session);
            session.hello(hello, publisher);
        } else if (message instanceof NodeMessage.Ack ack) {
            session.ack(ack, publisher);
            ConfigHead head = publisher.head();
            if (ack.version() == head.version()) {
                metrics.acknowledged(head.publishedAt(), session.view(head).connectedAt());
            }
        } else if (message instanceof NodeMessage.Nack nack) {
            session.nack(nack, publisher);
        } else if (message instanceof NodeMessage.RateLeaseRequest request) {
            rates.allocate(session.nodeId(), request, publisher.index().planOf(request.subscriptionId())).subscribe().with(grants -> {
                for (RateAllocator.Grant grant : grants) {
                    if (grant.nodeId().equals(session.nodeId())) {
                        session.reply(grant.lease());
                    } else if (!deliver(grant.nodeId(), grant.lease())) {
                        // A node of this subscription connected to another control plane instance.
                        rateRelay.forward(grant);
                    }
                }
            }, failure -> LOG.warnf("node %s: rate lease failed: %s", session.nodeId(), failure.toString()));
        } else if (message instanceof NodeMessage.QuotaLeaseRequest request) {
            var index = publisher.index();
            quotas.grant(session.nodeId(), request, index.subscriptions().get(request.subscriptionId()), index.planOf(request.subscriptionId()))
                    .subscribe().with(session::reply,
                            failure -> LOG.warnf("node %s: quota lease failed: %s", session.nodeId(), failure.toString()));
        } else if (message instanceof NodeMessage.QuotaReturn returned) {
            quotas.giveBack(session.nodeId(), returned).subscribe().with(v -> { },
                    failure -> {
                        if (failure instanceof NodeMessageRefused refusal) {
                            refused(session, message, refusal);
                        } else {
                            LOG.warnf("node %s: quota return failed: %s", session.nodeId(), failure.toString());
                        }
                    });
        } else if (message instanceof NodeMessage.VariantReport report) {
            java.time.Instant now = java.time.Instant.now();
            report.variants().forEach(counts -> {
                canaryMetrics.add(counts);
                canaryHistory.record(counts, now);
            });
        } else if (message instanceof NodeMessage.UsageReport report) {
            // Acknowledged only once stored: an unacknowledged batch is sent again and stored once.
            usage.store(session.nodeId(), report).subscribe().with(
                    stored -> session.reply(new ControlMessage.UsageAck(report.batchId())),
                    failure -> {
                        if (failure instanceof NodeMessageRefused refusal) {
                            refused(session, message, refusal);
                        } else {
                            LOG.warnf("node %s: usage batch %s not stored (%s); the node will resend it",
                                    session.nodeId(), report.batchId(), failure.toString());
                        }
                    });
        }
    }

    /** Logs a refused message and tells the node, so neither side guesses. */
    private static void refused(NodeSession session, NodeMessage message, NodeMessageRefused refusal) {
        String type = message == null ? null : NodeMessageRules.typeOf(message);
        Long requestId = message instanceof NodeMessage.QuotaLeaseRequest q ? Long.valueOf(q.requestId())
                : message instanceof NodeMessage.RateLeaseRequest r ? Long.valueOf(r.requestId()) : null;
        String batchId = message instanceof NodeMessage.UsageReport u ? u.batchId() : null;
        LOG.warnf("node %s: refused a %s message: %s: %s", session.nodeId(), type == null ? "malformed" : type, refusal.code(),
                abbreviate(refusal.getMessage()));
        session.reply(new ControlMessage.Refused(type, refusal.code(), abbreviate(refusal.getMessage()), requestId, batchId));
    }

    private static String abbreviate(String text) {
        return text == null || text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }

    /** Offers one step of the log, {@code from} to {@code delta.version()}, already serialised once for every node. */
    void broadcast(long from, io.gatehouse.protocol.config.ConfigDelta delta, String text, ConfigPublisher publisher) {
        for (NodeSession session : byConnection.values()) {
            session.offer(from, delta.version(), delta.hash(), text, publisher);
        }
    }

    /** Has every node catch up with the head however it can (after this instance reloaded its view of the log). */
    void offer(ConfigPublisher publisher) {
        for (NodeSession session : byConnection.values()) {
            session.catchUp(publisher);
        }
    }

    public List<NodeView> list(ConfigHead current) {
        return list(current, null);
    }

    /** @param publishing the publisher's health: nodes are not in sync with changes that could not be published */
    public List<NodeView> list(ConfigHead current, ConfigPublisher.PublishingHealth publishing) {
        return byNode.values().stream()
                .map(s -> s.view(current, publishing))
                .sorted(Comparator.comparing(NodeView::nodeId))
                .toList();
    }
}
