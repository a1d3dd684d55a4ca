package io.gatehouse.management.sync;

import io.gatehouse.protocol.sync.SyncChannel;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnError;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import jakarta.inject.Inject;

/** The config channel endpoint gateway nodes dial into. Nodes are authenticated before the upgrade ({@link NodeUpgradeCheck}). */
@WebSocket(path = SyncChannel.PATH)
public class NodeChannel {

    @Inject
    NodeRegistry registry;
    @Inject
    ConfigPublisher publisher;

    @OnOpen
    public void open(WebSocketConnection connection) {
        registry.opened(connection);
    }

    @OnTextMessage
    public void message(WebSocketConnection connection, String text) {
        registry.received(connection, text, publisher);
    }

    @OnClose
    public void close(WebSocketConnection connection) {
        registry.closed(connection);
    }

    /**
     * A node's connection reset or broken off (its host went away, or a network in between). Handled here, or the
     * WebSocket layer logs each as an unhandled ERROR with a stack trace, a node that restarts included. Other
     * failures (a frame too large, say) keep the WebSocket layer's handling: logged, and closed with the matching code.
     */
    @OnError
    public void lost(WebSocketConnection connection, java.io.IOException failure) {
        registry.lost(connection, failure);
    }

    /** The close that follows a lost connection, reported as a failure of its own. */
    @OnError
    public void closedUnderneath(WebSocketConnection connection, io.vertx.core.http.HttpClosedException failure) {
        registry.lost(connection, failure);
    }
}
