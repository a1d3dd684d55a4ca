package io.gatehouse.management.sync;

import io.gatehouse.protocol.sync.SyncChannel;
import io.quarkus.websockets.next.OnClose;
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
}
