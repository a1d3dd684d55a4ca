package io.gatehouse.management;

import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.sync.ControlMessage;
import io.gatehouse.protocol.sync.NodeMessage;
import io.gatehouse.protocol.sync.SyncChannel;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A gateway node as the control plane sees it: a real WebSocket on the config channel, scripted by the test. */
final class TestNode implements AutoCloseable {
    private final BlockingQueue<ControlMessage> received = new LinkedBlockingQueue<>();
    /** The close status the control plane sent, or -1 when the connection broke. */
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private WebSocket socket;

    /** Opens the channel, or fails with the HTTP status of the refused upgrade. */
    static TestNode connect(URI base, String token, String claimedNodeId) throws UpgradeRefused {
        TestNode node = new TestNode();
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        if (claimedNodeId != null) {
            builder.header(SyncChannel.NODE_ID_HEADER, claimedNodeId);
        }
        URI uri = URI.create("ws://" + base.getAuthority() + SyncChannel.PATH);
        try {
            node.socket = builder.buildAsync(uri, node.listener()).get(10, TimeUnit.SECONDS);
            return node;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException handshake) {
                throw new UpgradeRefused(handshake.getResponse().statusCode());
            }
            throw new IllegalStateException(e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private WebSocket.Listener listener() {
        return new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    received.add(Json.read(text.toString(), ControlMessage.class));
                    text.setLength(0);
                }
                webSocket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                closed.complete(statusCode);
                return null;
            }

            @Override
            public void onError(WebSocket webSocket, Throwable error) {
                closed.complete(-1);
            }
        };
    }

    void send(NodeMessage message) {
        sendRaw(Json.write(message));
    }

    void sendRaw(String text) {
        socket.sendText(text, true).orTimeout(10, TimeUnit.SECONDS).join();
    }

    /** The next message of this type the control plane sends, skipping others; fails after 5 s. */
    <T extends ControlMessage> T next(Class<T> type) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            long left = deadline - System.nanoTime();
            ControlMessage message = left > 0 ? received.poll(left, TimeUnit.NANOSECONDS) : null;
            if (message == null) {
                throw new AssertionError("no " + type.getSimpleName() + " from the control plane within 5 s");
            }
            if (type.isInstance(message)) {
                return type.cast(message);
            }
        }
    }

    /** Waits for the control plane to close the connection; returns the close status. */
    int awaitClosed() throws Exception {
        return closed.get(5, TimeUnit.SECONDS);
    }

    boolean open() {
        return !closed.isDone() && !socket.isOutputClosed() && !socket.isInputClosed();
    }

    @Override
    public void close() {
        if (socket != null && !socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
        if (socket != null) {
            socket.abort();
        }
    }

    static final class UpgradeRefused extends Exception {
        final int status;

        UpgradeRefused(int status) {
            super("upgrade refused with " + status);
            this.status = status;
        }
    }
}
