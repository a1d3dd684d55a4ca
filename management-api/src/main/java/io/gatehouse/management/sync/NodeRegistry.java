package io.gatehouse.management.sync;

import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.sync.NodeMessage;
import io.gatehouse.protocol.sync.SyncChannel;
import io.quarkus.websockets.next.WebSocketConnection;
import io.gatehouse.management.limits.QuotaLedger;
import io.gatehouse.management.limits.RateAllocator;
import io.gatehouse.management.usage.UsageStore;
import io.gatehouse.protocol.sync.ControlMessage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The gateway nodes that are, or were, connected to this control plane instance. */
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
    UsageStore usage;
    @Inject
    io.gatehouse.management.apis.CanaryMetrics canaryMetrics;

    void opened(WebSocketConnection connection) {
        String nodeId = connection.handshakeRequest().header(SyncChannel.NODE_ID_HEADER);
        NodeSession session = new NodeSession(connection, nodeId, connection.handshakeRequest().remoteAddress());
        byConnection.put(connection.id(), session);
        NodeSession previous = byNode.put(nodeId, session);
        if (previous != null && previous.connection() != connection && previous.connection().isOpen()) {
            // Same node id, new connection: the old one is a half-open leftover.
            previous.connection().close().subscribe().with(v -> { }, e -> { });
        }
        LOG.infof("node %s connected from %s", nodeId, session.view(null).address());
    }

    void closed(WebSocketConnection connection) {
        NodeSession session = byConnection.remove(connection.id());
        if (session != null) {
            session.disconnected();
            LOG.infof("node %s disconnected", session.nodeId());
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
            LOG.warnf("node %s sent an unreadable message: %s", session.nodeId(), e.getMessage());
            return;
        }
        if (message instanceof NodeMessage.Hello hello) {
            session.hello(hello, publisher);
        } else if (message instanceof NodeMessage.Ack ack) {
            session.ack(ack, publisher);
        } else if (message instanceof NodeMessage.Nack nack) {
            session.nack(nack, publisher);
        } else if (message instanceof NodeMessage.RateLeaseRequest request) {
            session.seen();
            for (RateAllocator.Grant grant : rates.allocate(session.nodeId(), request, publisher.index().planOf(request.subscriptionId()))) {
                NodeSession target = grant.nodeId().equals(session.nodeId()) ? session : byNode.get(grant.nodeId());
                if (target != null) {
                    target.reply(grant.lease());
                }
            }
        } else if (message instanceof NodeMessage.QuotaLeaseRequest request) {
            session.seen();
            var index = publisher.index();
            quotas.grant(request, index.subscriptions().get(request.subscriptionId()), index.planOf(request.subscriptionId()))
                    .subscribe().with(session::reply,
                            failure -> LOG.warnf("node %s: quota lease failed: %s", session.nodeId(), failure.toString()));
        } else if (message instanceof NodeMessage.QuotaReturn returned) {
            session.seen();
            quotas.giveBack(returned).subscribe().with(v -> { },
                    failure -> LOG.warnf("node %s: quota return failed: %s", session.nodeId(), failure.toString()));
        } else if (message instanceof NodeMessage.VariantReport report) {
            session.seen();
            report.variants().forEach(canaryMetrics::add);
        } else if (message instanceof NodeMessage.UsageReport report) {
            session.seen();
            // Acknowledged only once stored: an unacknowledged batch is sent again and stored once.
            usage.store(session.nodeId(), report).subscribe().with(
                    stored -> session.reply(new ControlMessage.UsageAck(report.batchId())),
                    failure -> LOG.warnf("node %s: usage batch %s not stored (%s); the node will resend it",
                            session.nodeId(), report.batchId(), failure.toString()));
        } else {
            session.seen();
        }
    }

    void broadcast(ConfigSnapshot snapshot, ConfigPublisher publisher) {
        for (NodeSession session : byConnection.values()) {
            session.offer(snapshot, publisher);
        }
    }

    public List<NodeView> list(ConfigSnapshot current) {
        return byNode.values().stream()
                .map(s -> s.view(current))
                .sorted(Comparator.comparing(NodeView::nodeId))
                .toList();
    }
}
