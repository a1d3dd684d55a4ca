package io.gatehouse.gateway;

import io.gatehouse.gateway.ConfigChannelTest.ScriptedControlPlane;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.KeyGrant;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.keys.ApiKeys;
import io.gatehouse.protocol.sync.ControlMessage;
import io.gatehouse.protocol.sync.NodeMessage;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the node keeps its configuration as it changes, over the real config channel against a scripted control
 * plane: snapshots in parts, deltas back to back, the disk copy as a snapshot plus a log, and keys suspended for
 * payment.
 */
class ConfigStateChannelTest extends NodeOnScriptedControlPlane {
    static final String KEY = ApiKeys.generate();
    final Map<String, String> extra = new HashMap<>();

    GatewayNode startNode() {
        return startNode("node-under-test", extra);
    }

    /** The node's next word about config (hello, ACK, NACK), past the usage reports that share the channel. */
    NodeMessage answer() throws InterruptedException {
        while (true) {
            NodeMessage message = controlPlane.next();
            if (message instanceof NodeMessage.Hello || message instanceof NodeMessage.Ack || message instanceof NodeMessage.Nack) {
                return message;
            }
        }
    }

    ApiDefinition orders() {
        return api("orders", null, "/orders", upstream.url());
    }

    ConfigSnapshot v1() {
        return snapshot(1, List.of(orders()), List.of(key("k1", KEY, "app-1", null)), List.of(subscription("app-1", "orders")));
    }

    HttpResponse<String> call(String key) {
        return get("http://127.0.0.1:" + node.settings().proxyPort() + "/orders/1", "X-API-Key", key);
    }

    JsonObject status() {
        return new JsonObject(get("http://127.0.0.1:" + node.settings().statusPort() + "/status").body());
    }

    /** The snapshot cut into {@code parts} chunks, its entries spread over them in a shuffled order. */
    static List<ControlMessage.SnapshotChunk> chunks(ConfigSnapshot s, int parts) {
        List<Object> entries = new ArrayList<>();
        entries.addAll(s.keys());
        entries.addAll(s.subscriptions());
        entries.addAll(s.apis());
        entries.addAll(s.plans());
        java.util.Collections.shuffle(entries, new java.util.Random(3));
        List<ControlMessage.SnapshotChunk> chunks = new ArrayList<>();
        int per = (entries.size() + parts - 1) / parts;
        for (int p = 0; p < parts; p++) {
            List<Object> part = entries.subList(Math.min(entries.size(), p * per), Math.min(entries.size(), (p + 1) * per));
            chunks.add(new ControlMessage.SnapshotChunk(s.version(), s.hash(), s.publishedAt(), p, p == parts - 1,
                    part.stream().filter(ApiDefinition.class::isInstance).map(ApiDefinition.class::cast).toList(),
                    part.stream().filter(io.gatehouse.protocol.config.PlanDefinition.class::isInstance)
                            .map(io.gatehouse.protocol.config.PlanDefinition.class::cast).toList(),
                    part.stream().filter(KeyGrant.class::isInstance).map(KeyGrant.class::cast).toList(),
                    part.stream().filter(SubscriptionGrant.class::isInstance).map(SubscriptionGrant.class::cast).toList()));
        }
        return chunks;
    }

    /** Version 2: v1 and 200 more keys of the same application. */
    ConfigSnapshot bigger(List<String> secrets) {
        List<KeyGrant> keys = new ArrayList<>(v1().keys());
        for (int i = 0; i < 200; i++) {
            String secret = ApiKeys.generate();
            secrets.add(secret);
            keys.add(key(java.util.UUID.randomUUID().toString(), secret, "app-1", null));
        }
        return snapshot(2, List.of(orders()), keys, v1().subscriptions());
    }

    @Test
    void aSnapshotInPartsIsPutTogetherAsideAndAckedWithItsHashAtTheLastPart() throws Exception {
        node = startNode();
        answer();
        controlPlane.push(new ControlMessage.Snapshot(v1()));
        assertThat(answer()).isInstanceOf(NodeMessage.Ack.class);

        List<String> secrets = new ArrayList<>();
        ConfigSnapshot v2 = bigger(secrets);
        for (ControlMessage.SnapshotChunk chunk : chunks(v2, 4)) {
            controlPlane.push(chunk);
        }
        // Parts before the last are not answered: the first answer after them is the ACK of the whole.
        NodeMessage.Ack ack = (NodeMessage.Ack) answer();
        assertThat(ack.version()).isEqualTo(2);
        assertThat(ack.hash()).isEqualTo(v2.hash());
        assertThat(call(secrets.get(199)).statusCode()).isEqualTo(200);
        assertThat(status().getInteger("keys")).isEqualTo(201);
        assertThat(status().getString("configHash")).isEqualTo(v2.hash());
    }

    @Test
    void aSnapshotStreamedFasterThanTheNodeAppliesItPausesTheChannelInsteadOfPilingUpParts() throws Exception {
        node = startNode();
        answer();
        List<KeyGrant> keys = new ArrayList<>(v1().keys());
        List<String> secrets = new ArrayList<>();
        for (int i = 0; i < 40_000; i++) {
            String secret = ApiKeys.generate();
            secrets.add(secret);
            keys.add(key("bulk-" + i, secret, "app-1", null));
        }
        ConfigSnapshot big = snapshot(2, List.of(orders()), keys, v1().subscriptions());
        // Every part written at once, as a control plane whose socket has room for them would: the node must not
        // take them all in and queue them in its heap.
        List<ControlMessage.SnapshotChunk> parts = chunks(big, 40);
        for (ControlMessage.SnapshotChunk chunk : parts) {
            controlPlane.push(chunk);
        }
        NodeMessage.Ack ack = (NodeMessage.Ack) answer();
        assertThat(ack.hash()).isEqualTo(big.hash());
        assertThat(call(secrets.get(secrets.size() - 1)).statusCode()).isEqualTo(200);
        JsonObject channel = status().getJsonObject("controlPlane");
        assertThat(channel.getInteger("configBacklogPeak")).as("parts waiting to be applied at once").isBetween(1, 2);
    }

    @Test
    void aPartOutOfOrderIsNackedAndTheOldConfigKeepsServing() throws Exception {
        node = startNode();
        answer();
        controlPlane.push(new ControlMessage.Snapshot(v1()));
        assertThat(answer()).isInstanceOf(NodeMessage.Ack.class);

        List<String> secrets = new ArrayList<>();
        ConfigSnapshot v2 = bigger(secrets);
        List<ControlMessage.SnapshotChunk> parts = chunks(v2, 3);
        controlPlane.push(parts.get(0));
        controlPlane.push(parts.get(2)); // part 1 is missing
        NodeMessage.Nack nack = (NodeMessage.Nack) answer();
        assertThat(nack.code()).isEqualTo("snapshot_out_of_order");
        assertThat(nack.version()).isEqualTo(2);
        assertThat(nack.heldVersion()).isEqualTo(1);
        assertThat(call(KEY).statusCode()).isEqualTo(200);
        HttpResponseAssert.error(call(secrets.get(0)), 401, "invalid_api_key");
        assertThat(status().getLong("configVersion")).isEqualTo(1L);

        // A part whose content does not add up to the announced hash is refused at the last part.
        ConfigSnapshot forged = v2.withHash(v1().hash());
        for (ControlMessage.SnapshotChunk chunk : chunks(forged, 2)) {
            controlPlane.push(chunk);
        }
        assertThat(((NodeMessage.Nack) answer()).code()).isEqualTo("hash_mismatch");
        assertThat(call(secrets.get(0)).statusCode()).isEqualTo(401);

        // The control plane starts the snapshot again from part 0: now it goes through.
        parts.forEach(controlPlane::push);
        assertThat(((NodeMessage.Ack) answer()).hash()).isEqualTo(v2.hash());
        assertThat(call(secrets.get(0)).statusCode()).isEqualTo(200);
    }

    /**
     * Five deltas back to back, each acknowledged on its own with the content hash after it; the node then restarts
     * without its control plane and serves the last one from its snapshot and log, even after the log was compacted
     * and a crash left half a line at its end.
     */
    @Test
    void deltasBackToBackAreAckedOneByOneAndARestartedNodeReplaysThemFromDisk() throws Exception {
        extra.put("gatehouse.config.log-compact-entries", "3");
        node = startNode();
        answer();
        ConfigSnapshot current = v1();
        controlPlane.push(new ControlMessage.Snapshot(current));
        assertThat(answer()).isInstanceOf(NodeMessage.Ack.class);

        List<String> secrets = new ArrayList<>();
        List<ConfigSnapshot> versions = new ArrayList<>();
        ConfigSnapshot base = current;
        for (int v = 2; v <= 6; v++) {
            String secret = ApiKeys.generate();
            secrets.add(secret);
            List<KeyGrant> keys = new ArrayList<>(base.keys());
            keys.add(key("k" + v, secret, "app-1", null));
            ConfigSnapshot next = snapshot(v, base.apis(), keys, base.subscriptions());
            controlPlane.push(new ControlMessage.Delta(next.deltaFrom(base)));
            versions.add(next);
            base = next;
        }
        for (ConfigSnapshot expected : versions) {
            NodeMessage.Ack ack = (NodeMessage.Ack) answer();
            assertThat(ack.version()).isEqualTo(expected.version());
            assertThat(ack.hash()).isEqualTo(expected.hash());
        }
        ConfigSnapshot v6 = base;
        assertThat(call(secrets.get(4)).statusCode()).isEqualTo(200);
        Path snapshotFile = dir.resolve("data/config/snapshot.bin");
        Path log = dir.resolve("data/config/log.jsonl");
        Duration compacted = awaitTrue(Duration.ofSeconds(10), "the log to be compacted into the snapshot",
                () -> headerVersion(snapshotFile) >= 4 && !Files.exists(dir.resolve("data/config/log-compacting.jsonl")));
        System.out.printf("log compacted within %d ms of the last ACK%n", compacted.toMillis());

        node.stop();
        controlPlane.close();
        // A crash while appending the next delta: half a line at the end of the log.
        Files.writeString(log, "{\"baseVersion\":6,\"version\":7,\"hash\":\"ab", StandardOpenOption.CREATE, StandardOpenOption.APPEND);

        node = startNode();
        JsonObject status = status();
        assertThat(status.getString("configSource")).isEqualTo("disk");
        assertThat(status.getLong("configVersion")).isEqualTo(6L);
        assertThat(status.getString("configHash")).isEqualTo(v6.hash());
        for (String secret : secrets) {
            assertThat(call(secret).statusCode()).isEqualTo(200);
        }
        assertThat(Files.readString(log)).as("the torn line is cut off").endsWith("\n");

        // The control plane is back: the node says it holds 6, takes 7, and a later restart has 7.
        int port = controlPlane.port();
        controlPlane = new ScriptedControlPlane(port);
        NodeMessage.Hello hello = (NodeMessage.Hello) answer();
        assertThat(hello.version()).isEqualTo(6);
        assertThat(hello.hash()).isEqualTo(v6.hash());
        List<KeyGrant> keys = new ArrayList<>(v6.keys());
        keys.removeIf(k -> k.id().equals("k1"));
        ConfigSnapshot v7 = snapshot(7, v6.apis(), keys, v6.subscriptions());
        controlPlane.push(new ControlMessage.Delta(v7.deltaFrom(v6)));
        assertThat(((NodeMessage.Ack) answer()).hash()).isEqualTo(v7.hash());
        HttpResponseAssert.error(call(KEY), 401, "invalid_api_key");

        node.stop();
        controlPlane.close();
        node = startNode();
        assertThat(status().getLong("configVersion")).isEqualTo(7L);
        assertThat(status().getString("configHash")).isEqualTo(v7.hash());
        assertThat(call(KEY).statusCode()).isEqualTo(401);
    }

    static long headerVersion(Path snapshot) {
        try {
            return io.gatehouse.gateway.config.ConfigStore.snapshotVersion(snapshot);
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void aNodeWhoseDiskCopyIsDamagedServesNothingUntilTheControlPlaneSendsAFreshOne() throws Exception {
        node = startNode();
        answer();
        controlPlane.push(new ControlMessage.Snapshot(v1()));
        assertThat(((NodeMessage.Ack) answer()).version()).isEqualTo(1);
        node.stop();
        controlPlane.close();
        Path file = dir.resolve("data/config/snapshot.bin");
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x40; // bit rot in the middle of the copy
        Files.write(file, bytes);

        controlPlane = new ScriptedControlPlane(controlPlane.port());
        node = startNode();
        NodeMessage.Hello hello = (NodeMessage.Hello) answer();
        assertThat(hello.version()).as("the damaged copy is not served").isEqualTo(0);
        HttpResponseAssert.error(call(KEY), 503, "not_ready");

        controlPlane.push(new ControlMessage.Snapshot(v1()));
        assertThat(((NodeMessage.Ack) answer()).hash()).isEqualTo(v1().hash());
        assertThat(call(KEY).statusCode()).isEqualTo(200);
        assertThat(headerVersion(file)).as("a sound copy written over the damaged one").isEqualTo(1);
    }

    @Test
    void aNodeUpgradedInPlaceServesItsOldSingleFileCopyAndConvertsIt() throws Exception {
        Path legacy = dir.resolve("data/config-snapshot.json");
        Files.createDirectories(legacy.getParent());
        // The old format hashed the whole content at once: its hash is not what the node computes now.
        Files.writeString(legacy, Json.write(v1().withHash("f".repeat(64))));
        controlPlane.close();

        node = startNode();
        assertThat(status().getString("configSource")).isEqualTo("disk");
        assertThat(status().getString("configHash")).isEqualTo(v1().hash());
        assertThat(call(KEY).statusCode()).isEqualTo(200);
        assertThat(legacy).doesNotExist();
        assertThat(dir.resolve("data/config/snapshot.bin")).exists();
    }

    @Test
    void aSuspendedKeyIsRefusedWith402UntilADeltaLiftsTheSuspension() throws Exception {
        extra.put("gatehouse.portal.url", "https://developer.example.com/");
        node = startNode();
        answer();
        String suspended = ApiKeys.generate();
        ConfigSnapshot v1 = snapshot(1, List.of(orders()), List.of(key("k1", KEY, "app-1", null),
                        new KeyGrant("k2", ApiKeys.hash(suspended), "app-2", "consumer-2", null, "payment_failed")),
                List.of(subscription("app-1", "orders"), subscription("app-2", "orders")));
        controlPlane.push(new ControlMessage.Snapshot(v1));
        assertThat(answer()).isInstanceOf(NodeMessage.Ack.class);

        HttpResponse<String> refused = call(suspended);
        HttpResponseAssert.error(refused, 402, "payment_required");
        JsonObject body = new JsonObject(refused.body());
        assertThat(body.getString("message")).contains("payment_failed");
        assertThat(body.getString("portal")).isEqualTo("https://developer.example.com/portal");
        assertThat(refused.headers().firstValue("WWW-Authenticate")).isEmpty();
        assertThat(upstream.requests.get()).as("requests that reached the upstream").isZero();
        assertThat(call(KEY).statusCode()).as("another consumer's key").isEqualTo(200);

        ConfigSnapshot v2 = snapshot(2, v1.apis(), List.of(v1.keys().get(0),
                new KeyGrant("k2", ApiKeys.hash(suspended), "app-2", "consumer-2", null, null)), v1.subscriptions());
        controlPlane.push(new ControlMessage.Delta(v2.deltaFrom(v1)));
        assertThat(((NodeMessage.Ack) answer()).hash()).isEqualTo(v2.hash());
        assertThat(call(suspended).statusCode()).isEqualTo(200);
    }
}
