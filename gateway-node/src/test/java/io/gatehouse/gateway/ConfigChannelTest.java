package io.gatehouse.gateway;

import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.keys.ApiKeys;
import io.gatehouse.protocol.sync.ControlMessage;
import io.gatehouse.protocol.sync.NodeMessage;
import io.gatehouse.protocol.sync.SyncChannel;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The node's side of the config channel, against a control plane scripted by the test over a real WebSocket:
 * the test decides exactly what is pushed, including what a real control plane would never send.
 */
class ConfigChannelTest extends NodeOnScriptedControlPlane {
    static final String KEY = ApiKeys.generate();

    GatewayNode startNode() {
        return startNode("node-under-test", Map.of());
    }

    ConfigSnapshot v1() {
        return snapshot(1, List.of(api("orders", null, "/orders", upstream.url())),
                List.of(key("k1", KEY, "app-1", null)), List.of(subscription("app-1", "orders")));
    }

    String proxy(String path) {
        return "http://127.0.0.1:" + node.settings().proxyPort() + path;
    }

    String status(String path) {
        return "http://127.0.0.1:" + node.settings().statusPort() + path;
    }

    @Test
    void aNodeIsNotReadyUntilItHasAConfigThenAcksWhatItApplied() throws Exception {
        node = startNode();
        NodeMessage.Hello hello = (NodeMessage.Hello) controlPlane.next();
        assertThat(hello.nodeId()).isEqualTo("node-under-test");
        assertThat(hello.version()).isZero();
        assertThat(controlPlane.lastAuthorization).isEqualTo("Bearer node-secret");

        assertThat(get(status("/status/ready")).statusCode()).isEqualTo(503);
        HttpResponseAssert.error(get(proxy("/orders/1"), "X-API-Key", KEY), 503, "not_ready");

        controlPlane.push(new ControlMessage.Snapshot(v1()));
        NodeMessage.Ack ack = (NodeMessage.Ack) controlPlane.next();
        assertThat(ack.version()).isEqualTo(1);
        assertThat(ack.hash()).isEqualTo(v1().hash());
        assertThat(get(status("/status/ready")).statusCode()).isEqualTo(200);
        assertThat(get(proxy("/orders/1"), "X-API-Key", KEY).statusCode()).isEqualTo(200);
    }

    @Test
    void aConfigTheNodeCannotApplyIsNackedAndTheOldOneKeepsServing() throws Exception {
        node = startNode();
        controlPlane.next();
        ConfigSnapshot good = v1();
        controlPlane.push(new ControlMessage.Snapshot(good));
        assertThat(controlPlane.next()).isInstanceOf(NodeMessage.Ack.class);

        // An upstream the gateway cannot speak to.
        ConfigSnapshot unroutable = snapshot(2, List.of(api("orders", null, "/orders", "ftp://files.example.com")),
                good.keys(), good.subscriptions());
        controlPlane.push(new ControlMessage.Snapshot(unroutable));
        NodeMessage.Nack nack = (NodeMessage.Nack) controlPlane.next();
        assertThat(nack.version()).isEqualTo(2);
        assertThat(nack.heldVersion()).isEqualTo(1);
        assertThat(nack.code()).isEqualTo("invalid_config");
        assertThat(nack.error()).contains("http or https");

        // Two APIs on the same path, sent as a delta.
        ApiDefinition clash = api("orders-copy", null, "/orders", upstream.url());
        ConfigSnapshot clashing = snapshot(3, List.of(good.apis().get(0), clash), good.keys(), good.subscriptions());
        controlPlane.push(new ControlMessage.Delta(clashing.deltaFrom(good)));
        NodeMessage.Nack clashNack = (NodeMessage.Nack) controlPlane.next();
        assertThat(clashNack.code()).isEqualTo("invalid_config");
        assertThat(clashNack.error()).contains("already mounted");

        // A delta against a version the node does not hold.
        ConfigSnapshot v5 = snapshot(5, List.of(api("orders", null, "/v5", upstream.url())), good.keys(), good.subscriptions());
        controlPlane.push(new ControlMessage.Delta(v5.deltaFrom(v5.withVersion(4, v5.publishedAt()))));
        assertThat(((NodeMessage.Nack) controlPlane.next()).code()).isEqualTo("base_version_mismatch");

        // A snapshot whose content does not match its hash.
        controlPlane.push(new ControlMessage.Snapshot(v5.withHash("0".repeat(64))));
        assertThat(((NodeMessage.Nack) controlPlane.next()).code()).isEqualTo("hash_mismatch");

        // Not even JSON.
        controlPlane.pushRaw("{\"type\":\"snapshot\",");
        assertThat(((NodeMessage.Nack) controlPlane.next()).code()).isEqualTo("malformed_message");

        assertThat(node.config().current().version()).isEqualTo(1);
        assertThat(get(proxy("/orders/1"), "X-API-Key", KEY).statusCode()).isEqualTo(200);
        assertThat(new JsonObject(get(status("/status")).body()).getLong("configVersion")).isEqualTo(1L);

        // And a good delta after all that is applied.
        controlPlane.push(new ControlMessage.Delta(v5.withVersion(2, v5.publishedAt()).deltaFrom(good)));
        NodeMessage.Ack ack = (NodeMessage.Ack) controlPlane.next();
        assertThat(ack.version()).isEqualTo(2);
        assertThat(ack.hash()).isEqualTo(v5.hash());
        assertThat(get(proxy("/v5/1"), "X-API-Key", KEY).statusCode()).isEqualTo(200);
        HttpResponseAssert.error(get(proxy("/orders/1"), "X-API-Key", KEY), 404, "no_route");
    }

    @Test
    void aNodeRestartedWithoutItsControlPlaneServesItsLastGoodConfigFromDisk() throws Exception {
        node = startNode();
        controlPlane.next();
        controlPlane.push(new ControlMessage.Snapshot(v1()));
        assertThat(controlPlane.next()).isInstanceOf(NodeMessage.Ack.class);
        node.stop();
        controlPlane.close();

        node = startNode();
        assertThat(get(status("/status/ready")).statusCode()).isEqualTo(200);
        assertThat(get(proxy("/orders/1"), "X-API-Key", KEY).statusCode()).isEqualTo(200);
        JsonObject status = new JsonObject(get(status("/status")).body());
        assertThat(status.getString("configSource")).isEqualTo("disk");
        assertThat(status.getJsonObject("controlPlane").getBoolean("connected")).isFalse();
    }

    @Test
    void aNodeRedialsAndSaysWhatItHoldsWhenTheControlPlaneReturns() throws Exception {
        node = startNode();
        controlPlane.next();
        controlPlane.push(new ControlMessage.Snapshot(v1()));
        assertThat(controlPlane.next()).isInstanceOf(NodeMessage.Ack.class);
        int port = controlPlane.port();
        controlPlane.close();
        assertThat(get(proxy("/orders/1"), "X-API-Key", KEY).statusCode()).isEqualTo(200);

        controlPlane = new ScriptedControlPlane(port);
        NodeMessage.Hello hello = (NodeMessage.Hello) controlPlane.next();
        assertThat(hello.version()).isEqualTo(1);
        assertThat(hello.hash()).isEqualTo(v1().hash());
    }

    @Test
    void aControlPlaneThatHangsIsLeftAfterThreeSilentHeartbeatsAndRequestsStopWaitingForLeases() throws Exception {
        // A rate-limited plan: each request needs a rate lease, which this scripted control plane never grants, so
        // while the node believes it is connected every request waits out the whole lease wait.
        io.gatehouse.protocol.config.PlanDefinition rated =
                new io.gatehouse.protocol.config.PlanDefinition("plan-rated", "rated", 1000L, 100L, null, "HARD", "OPEN");
        ConfigSnapshot snapshot = ConfigSnapshot.of(1, java.time.Instant.now(), List.of(api("orders", null, "/orders", upstream.url())),
                List.of(rated), List.of(key("k1", KEY, "app-1", null)),
                List.of(new io.gatehouse.protocol.config.SubscriptionGrant("sub-rated", "app-1", "orders", rated.id(), null)));
        try (FreezableRelay relay = new FreezableRelay(controlPlane.port())) {
            node = new GatewayNode(settings(dir.resolve("data"), Map.of(
                    "gatehouse.control-plane.url", "http://127.0.0.1:" + relay.port(),
                    "gatehouse.node.token", "node-secret",
                    "gatehouse.node.id", "node-under-test",
                    "gatehouse.heartbeat-ms", "200",
                    "gatehouse.limits.lease-wait-ms", "1000"))).start();
            controlPlane.next();
            controlPlane.push(new ControlMessage.Snapshot(snapshot));
            assertThat(controlPlane.next()).isInstanceOf(NodeMessage.Ack.class);

            // Answered pings keep a quiet channel open: well past three heartbeats, still the first connection.
            int beatsAtStart = controlPlane.heartbeats.get();
            awaitTrue(Duration.ofSeconds(10), "six heartbeats", () -> controlPlane.heartbeats.get() >= beatsAtStart + 6);
            assertThat(controlPlane.connections.get()).isEqualTo(1);
            assertThat(connected()).isTrue();
            long waited = timed(() -> assertThat(get(proxy("/orders/1"), "X-API-Key", KEY).statusCode()).isEqualTo(200));
            assertThat(waited).as("a request waits for the lease the control plane never grants").isGreaterThanOrEqualTo(900);

            relay.frozen = true; // the control plane's process stops: its connection stays open, nothing comes back
            Duration took = awaitTrue(Duration.ofSeconds(10), "the node to give up the silent connection", () -> !connected());
            System.out.printf("silent control plane left after %d ms (heartbeat 200 ms)%n", took.toMillis());
            awaitTrue(Duration.ofSeconds(10), "a request answered without a lease wait",
                    () -> timed(() -> assertThat(get(proxy("/orders/1"), "X-API-Key", KEY).statusCode()).isEqualTo(200)) < 500);

            // Dials made while frozen were accepted and never answered: each gives up after its handshake timeout.
            relay.frozen = false;
            awaitTrue(Duration.ofSeconds(30), "the node back on the control plane", this::connected);
            assertThat(controlPlane.connections.get()).isGreaterThanOrEqualTo(2);
        }
    }

    private boolean connected() {
        return new JsonObject(get(status("/status")).body()).getJsonObject("controlPlane").getBoolean("connected");
    }

    private static long timed(Runnable call) {
        long start = System.nanoTime();
        call.run();
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** A TCP relay that can stop passing bytes either way while keeping its connections open, as a hung peer does. */
    static final class FreezableRelay implements AutoCloseable {
        final Vertx vertx = Vertx.vertx();
        final io.vertx.core.net.NetServer server;
        volatile boolean frozen;

        FreezableRelay(int targetPort) throws Exception {
            io.vertx.core.net.NetClient client = vertx.createNetClient();
            server = vertx.createNetServer().connectHandler(in -> {
                in.pause();
                client.connect(targetPort, "127.0.0.1").onComplete(dialled -> {
                    if (dialled.failed()) {
                        in.close();
                        return;
                    }
                    io.vertx.core.net.NetSocket out = dialled.result();
                    in.handler(bytes -> {
                        if (!frozen) {
                            out.write(bytes);
                        }
                    });
                    out.handler(bytes -> {
                        if (!frozen) {
                            in.write(bytes);
                        }
                    });
                    in.closeHandler(v -> out.close());
                    out.closeHandler(v -> in.close());
                    in.resume();
                });
            }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        }

        int port() {
            return server.actualPort();
        }

        @Override
        public void close() throws Exception {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    /** A control plane whose every message is chosen by the test. */
    static final class ScriptedControlPlane implements AutoCloseable {
        final Vertx vertx = Vertx.vertx();
        final BlockingQueue<NodeMessage> received = new LinkedBlockingQueue<>();
        final HttpServer server;
        volatile ServerWebSocket socket;
        volatile String lastAuthorization;
        final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger heartbeats = new java.util.concurrent.atomic.AtomicInteger();

        ScriptedControlPlane() throws Exception {
            this(0);
        }

        ScriptedControlPlane(int port) throws Exception {
            this(port, new io.vertx.core.http.HttpServerOptions());
        }

        /** @param options the server's options: TLS ones make it a {@code wss://} control plane */
        ScriptedControlPlane(int port, io.vertx.core.http.HttpServerOptions options) throws Exception {
            server = vertx.createHttpServer(options).webSocketHandler(ws -> {
                if (!SyncChannel.PATH.equals(ws.path())) {
                    ws.close((short) 1008);
                    return;
                }
                lastAuthorization = ws.headers().get("Authorization");
                socket = ws;
                connections.incrementAndGet();
                ws.textMessageHandler(text -> {
                    NodeMessage message = Json.read(text, NodeMessage.class);
                    if (message instanceof NodeMessage.Heartbeat) {
                        heartbeats.incrementAndGet();
                    } else {
                        received.add(message);
                    }
                });
            }).listen(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
        }

        int port() {
            return server.actualPort();
        }

        NodeMessage next() throws InterruptedException {
            NodeMessage message = received.poll(10, TimeUnit.SECONDS);
            assertThat(message).as("a message from the node within 10 s").isNotNull();
            return message;
        }

        void push(ControlMessage message) {
            pushRaw(Json.write(message));
        }

        void pushRaw(String text) {
            awaitTrue(Duration.ofSeconds(5), "the node to connect", () -> socket != null);
            socket.writeTextMessage(text);
        }

        @Override
        public void close() throws Exception {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }
}
