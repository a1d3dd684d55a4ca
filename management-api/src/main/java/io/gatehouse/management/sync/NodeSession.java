package io.gatehouse.management.sync;

import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.sync.ControlMessage;
import io.gatehouse.protocol.sync.NodeMessage;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.TreeMap;

/**
 * One gateway node's connection and what the control plane knows of it.
 *
 * <p>What is sent must follow the order it was decided in, or a delta could overtake the snapshot it builds on; a
 * publish and the node's own messages arrive on different threads, so state changes are synchronized, and a node
 * catching up (a streamed snapshot, or the log read from the database in steps) does so alone: publishes that
 * arrive meanwhile are skipped, and the catch-up goes on until it reaches the version the publisher has followed
 * to. A {@code generation} counter retires a catch-up that a refusal or a reconnect has made moot.
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
    /** What the node will hold once it has applied everything sent; -1 when only a full snapshot will do. */
    private long sentVersion;
    private boolean catchingUp;
    private long generation;
    /** Versions sent and not yet acknowledged, with the hash the node must report for each. */
    private final TreeMap<Long, String> expected = new TreeMap<>();
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
        ConfigHead head = publisher.head();
        if (hello.version() == head.version() && head.hash().equals(hello.hash()) && publisher.followed() == head.version()) {
            sentVersion = hello.version();
            status = Status.IN_SYNC;
            return;
        }
        status = hello.version() > 0 ? Status.PENDING : Status.CONNECTING;
        // A node that names a version the log still holds, with the hash the log has for it, gets the log from
        // there; any other node a full snapshot.
        catchUpFrom(hello.version() <= 0 ? Uni.createFrom().item(-1L)
                : publisher.hashAt(hello.version()).map(hash -> hello.hash() != null && hello.hash().equals(hash) ? hello.version() : -1L),
                publisher);
    }

    /** A step of the log the publisher has just followed: sent as is when it builds on what the node will hold. */
    synchronized void offer(long from, long to, String hash, String text, ConfigPublisher publisher) {
        if (!helloReceived || status == Status.DISCONNECTED || catchingUp || sentVersion >= to) {
            return;
        }
        if (sentVersion == from) {
            sentVersion = to;
            expected.put(to, hash);
            status = Status.PENDING;
            sendText(text);
            return;
        }
        catchUpFromSent(publisher);
    }

    /** Brings the node to the version the publisher has followed to, however far behind it is. */
    synchronized void catchUp(ConfigPublisher publisher) {
        if (!helloReceived || status == Status.DISCONNECTED || catchingUp) {
            return;
        }
        catchUpFromSent(publisher);
    }

    /** Retires any catch-up under way and starts one from what was sent to the node. */
    private void catchUpFromSent(ConfigPublisher publisher) {
        run(newCatchUp(), publisher);
    }

    /** Retires any catch-up under way and starts one from the version {@code base} gives (-1: a full snapshot). */
    private void catchUpFrom(Uni<Long> base, ConfigPublisher publisher) {
        long mine = newCatchUp();
        base.subscribe().with(from -> {
            synchronized (this) {
                if (mine != generation) {
                    return;
                }
                sentVersion = from;
            }
            run(mine, publisher);
        }, failure -> failed(mine, failure));
    }

    /** A new generation, which retires the catch-up under way: its callbacks find they are no longer current. */
    private long newCatchUp() {
        generation++;
        catchingUp = true;
        return generation;
    }

    /** One round of a catch-up: a snapshot if needed, then the log in bounded steps, until the node is current. */
    private void run(long mine, ConfigPublisher publisher) {
        long from;
        long target;
        synchronized (this) {
            if (mine != generation) {
                return;
            }
            from = sentVersion;
            target = publisher.followed();
            if (target < 0 || (from >= 0 && from >= target)) {
                // This instance has not read the log yet (it offers every node the head once it has), or the node is current.
                catchingUp = false;
                return;
            }
        }
        if (from < 0) {
            publisher.streamSnapshot(message -> sendInOrder(mine, message)).subscribe().with(sent -> {
                synchronized (this) {
                    if (mine != generation) {
                        return;
                    }
                    sentVersion = sent.version();
                    lastSnapshotSent = sent.version();
                    expected.put(sent.version(), sent.hash());
                    status = Status.PENDING;
                }
                run(mine, publisher);
            }, failure -> failed(mine, failure));
            return;
        }
        long to = Math.min(target, from + ConfigPublisher.MESSAGE_ENTRIES);
        publisher.readDelta(from, to).subscribe().with(delta -> {
            synchronized (this) {
                if (mine != generation) {
                    return;
                }
                if (delta == null) {
                    // The log no longer holds what the node lacks.
                    sentVersion = -1;
                } else {
                    sentVersion = to;
                    expected.put(to, delta.hash());
                    status = Status.PENDING;
                    sendText(Json.write(new ControlMessage.Delta(delta)));
                }
            }
            run(mine, publisher);
        }, failure -> failed(mine, failure));
    }

    /** Sends one snapshot chunk and completes once it is written, so a large snapshot never piles up in memory. */
    private Uni<Void> sendInOrder(long mine, String message) {
        synchronized (this) {
            if (mine != generation) {
                return Uni.createFrom().failure(new IllegalStateException("node " + nodeId + ": catch-up superseded"));
            }
        }
        return connection.sendText(message);
    }

    private void failed(long mine, Throwable failure) {
        synchronized (this) {
            if (mine != generation) {
                return;
            }
            catchingUp = false;
            lastError = "could not send the config: " + failure;
        }
        LOG.warnf("node %s: catching up failed: %s", nodeId, failure.toString());
    }

    synchronized void ack(NodeMessage.Ack ack, ConfigPublisher publisher) {
        seen();
        heldVersion = ack.version();
        heldHash = ack.hash();
        lastError = null;
        String wanted = expected.get(ack.version());
        expected.headMap(ack.version(), true).clear();
        ConfigHead head = publisher.head();
        if (wanted == null && ack.version() == head.version()) {
            wanted = head.hash();
        }
        if (wanted != null && !wanted.equals(ack.hash())) {
            // The node computed other content than was published: never leave it on a drifted config.
            lastError = "node reported hash " + ack.hash() + " for version " + ack.version() + "; resending a full snapshot";
            LOG.warnf("node %s: %s", nodeId, lastError);
            resendSnapshot(publisher);
            return;
        }
        status = head.version() == ack.version() ? Status.IN_SYNC : Status.PENDING;
    }

    synchronized void nack(NodeMessage.Nack nack, ConfigPublisher publisher) {
        seen();
        status = Status.NACKED;
        lastError = nack.code() + ": " + nack.error();
        heldVersion = nack.heldVersion();
        LOG.warnf("node %s refused config version %d and keeps serving %d: %s", nodeId, nack.version(), nack.heldVersion(), lastError);
        boolean outOfStep = "base_version_mismatch".equals(nack.code()) || "hash_mismatch".equals(nack.code())
                || "snapshot_out_of_order".equals(nack.code());
        if (outOfStep && nack.version() != lastSnapshotSent) {
            // The node holds something other than what its messages were built on: only a snapshot is safe.
            resendSnapshot(publisher);
            return;
        }
        // Refused on its content (or a snapshot refused as out of step, which sending again would not mend): nothing
        // more is sent until the next change, which is offered from what the node holds.
        generation++;
        catchingUp = false;
        expected.clear();
        sentVersion = nack.heldVersion();
    }

    /** The version of the last full snapshot sent: one refused as out of step is not sent again and again. */
    private long lastSnapshotSent = -1;

    private void resendSnapshot(ConfigPublisher publisher) {
        expected.clear();
        sentVersion = -1;
        catchUpFromSent(publisher);
    }

    void seen() {
        lastSeen = Instant.now();
    }

    Instant lastSeen() {
        return lastSeen;
    }

    synchronized void disconnected() {
        status = Status.DISCONNECTED;
        generation++;
        catchingUp = false;
    }

    /**
     * Marks the session disconnected; false if it already was. Closing a hung node's WebSocket waits for a close
     * frame that does not come (for Vert.x's closing timeout), and the session stays registered meanwhile.
     */
    synchronized boolean disconnectedOnce() {
        if (status == Status.DISCONNECTED) {
            return false;
        }
        disconnected();
        return true;
    }

    synchronized NodeView view(ConfigHead current) {
        return view(current, null);
    }

    /**
     * @param publishing when the control plane cannot publish: a node serving the last published version is then
     *                   STALE, not IN_SYNC, since changes made since never reached it
     */
    synchronized NodeView view(ConfigHead current, ConfigPublisher.PublishingHealth publishing) {
        boolean connected = status != Status.DISCONNECTED;
        boolean sameAsPublished = current != null && current.published() && current.version() == heldVersion && current.hash().equals(heldHash);
        boolean stale = publishing != null && !publishing.healthy();
        Status effective = status == Status.PENDING && sameAsPublished ? Status.IN_SYNC : status;
        String shown = stale && effective == Status.IN_SYNC ? "STALE" : effective.name();
        String error = stale ? "the control plane cannot publish changes made since " + publishing.unpublishedSince() + ": "
                + publishing.lastError() : lastError;
        return new NodeView(nodeId, address, connected, shown, heldVersion, heldHash, sameAsPublished && !stale,
                connectedAt, lastSeen, error, nodeVersion);
    }

    /** Answers a lease or usage message; not ordered with config pushes, and need not be. */
    void reply(ControlMessage message) {
        sendText(Json.write(message));
    }

    private void sendText(String text) {
        connection.sendText(text).subscribe().with(
                ok -> { },
                failure -> LOG.debugf("node %s: send failed: %s", nodeId, failure.toString()));
    }
}
