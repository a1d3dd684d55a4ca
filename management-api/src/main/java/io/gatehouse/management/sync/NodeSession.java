package io.gatehouse.management.sync;

import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.sync.ControlMessage;
import io.gatehouse.protocol.sync.NodeMessage;
import io.quarkus.websockets.next.WebSocketConnection;
import org.jboss.logging.Logger;

import java.time.Instant;

/**
 * One gateway node's connection and what the control plane knows of it. Methods are synchronized: a publish and
 * the node's own messages arrive on different threads, and what is sent must follow the order it was decided in,
 * or a delta could overtake the snapshot it builds on.
 */
final class NodeSession {
    private static final Logger LOG = Logger.getLogger(NodeSession.class);

    enum Status { CONNECTING, PENDING, IN_SYNC, NACKED, DISCONNECTED }

    private final WebSocketConnection connection;
    private final String nodeId;
    private final String credentialId;
    private final String address;
    private final Instant connectedAt = Instant.now();
    private volatile Instant lastSeen = connectedAt;
    private boolean helloReceived;
    private long heldVersion;
    private String heldHash;
    private long sentVersion;
    private boolean lastSentWasDelta;
    private Status status = Status.CONNECTING;
    private String lastError;
    private String nodeVersion;

    NodeSession(WebSocketConnection connection, String nodeId, String credentialId, String address) {
        this.connection = connection;
        this.nodeId = nodeId;
        this.credentialId = credentialId;
        this.address = address;
    }

    String nodeId() {
        return nodeId;
    }

    String credentialId() {
        return credentialId;
    }

    WebSocketConnection connection() {
        return connection;
    }

    synchronized void hello(NodeMessage.Hello hello, ConfigPublisher publisher) {
        seen();
        helloReceived = true;
        heldVersion = hello.version();
        heldHash = hello.hash();
        nodeVersion = hello.nodeVersion();
        sentVersion = hello.version();
        ConfigSnapshot current = publisher.current();
        if (current == null) {
            status = heldVersion > 0 ? Status.PENDING : Status.CONNECTING;
            return;
        }
        if (current.version() == hello.version() && current.hash().equals(hello.hash())) {
            status = Status.IN_SYNC;
            return;
        }
        offer(current, publisher);
    }

    /** Sends the node what it needs to reach {@code next}: a delta from what it will hold, or a full snapshot. */
    synchronized void offer(ConfigSnapshot next, ConfigPublisher publisher) {
        if (!helloReceived || status == Status.DISCONNECTED || sentVersion == next.version()) {
            return;
        }
        ConfigSnapshot base = sentVersion > 0 ? publisher.retained(sentVersion) : null;
        // A node that says it holds version N with another hash holds something else: only a snapshot is safe.
        boolean baseTrusted = base != null && (sentVersion != heldVersion || base.hash().equals(heldHash));
        ControlMessage message = baseTrusted ? new ControlMessage.Delta(next.deltaFrom(base)) : new ControlMessage.Snapshot(next);
        lastSentWasDelta = baseTrusted;
        sentVersion = next.version();
        status = Status.PENDING;
        send(message);
    }

    synchronized void ack(NodeMessage.Ack ack, ConfigPublisher publisher) {
        seen();
        heldVersion = ack.version();
        heldHash = ack.hash();
        lastError = null;
        ConfigSnapshot current = publisher.current();
        ConfigSnapshot acked = publisher.retained(ack.version());
        if (acked != null && !acked.hash().equals(ack.hash())) {
            // The node computed other content than was published: never leave it on a drifted config.
            lastError = "node reported hash " + ack.hash() + " for version " + ack.version() + "; resending a full snapshot";
            LOG.warnf("node %s: %s", nodeId, lastError);
            if (current != null) {
                sentVersion = 0;
                offer(current, publisher);
            }
            return;
        }
        status = current != null && current.version() == ack.version() ? Status.IN_SYNC : Status.PENDING;
    }

    synchronized void nack(NodeMessage.Nack nack, ConfigPublisher publisher) {
        seen();
        status = Status.NACKED;
        lastError = nack.code() + ": " + nack.error();
        heldVersion = nack.heldVersion();
        sentVersion = nack.heldVersion();
        LOG.warnf("node %s refused config version %d and keeps serving %d: %s", nodeId, nack.version(), nack.heldVersion(), lastError);
        boolean outOfStep = "base_version_mismatch".equals(nack.code()) || "hash_mismatch".equals(nack.code());
        ConfigSnapshot current = publisher.current();
        if (outOfStep && lastSentWasDelta && current != null) {
            sentVersion = 0;
            offer(current, publisher);
        }
    }

    void seen() {
        lastSeen = Instant.now();
    }

    synchronized void disconnected() {
        status = Status.DISCONNECTED;
    }

    synchronized NodeView view(ConfigSnapshot current) {
        return view(current, null);
    }

    /**
     * @param publishing when the control plane cannot publish: a node serving the last published version is then
     *                   STALE, not IN_SYNC, since changes made since never reached it
     */
    synchronized NodeView view(ConfigSnapshot current, ConfigPublisher.PublishingHealth publishing) {
        boolean connected = status != Status.DISCONNECTED;
        boolean sameAsPublished = current != null && current.version() == heldVersion && current.hash().equals(heldHash);
        boolean stale = publishing != null && !publishing.healthy();
        String shown = stale && status == Status.IN_SYNC ? "STALE" : status.name();
        String error = stale ? "the control plane cannot publish changes made since " + publishing.unpublishedSince() + ": "
                + publishing.lastError() : lastError;
        return new NodeView(nodeId, address, connected, shown, heldVersion, heldHash, sameAsPublished && !stale,
                connectedAt, lastSeen, error, nodeVersion);
    }

    /** Answers a lease or usage message; not ordered with config pushes, and need not be. */
    void reply(ControlMessage message) {
        send(message);
    }

    private void send(ControlMessage message) {
        connection.sendText(Json.write(message)).subscribe().with(
                ok -> { },
                failure -> LOG.debugf("node %s: send failed: %s", nodeId, failure.toString()));
    }
}
