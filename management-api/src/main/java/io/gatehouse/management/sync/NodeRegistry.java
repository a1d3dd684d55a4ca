package io.gatehouse.management.sync;

import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.sync.NodeMessage;
import io.gatehouse.protocol.sync.SyncChannel;
import io.quarkus.websockets.next.WebSocketConnection;
import jakarta.enterprise.context.ApplicationScoped;
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
