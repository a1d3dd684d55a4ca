package io.gatehouse.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.gateway.ConfigChannelTest.ScriptedControlPlane;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.KeyGrant;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.keys.ApiKeys;
import io.gatehouse.protocol.sync.ControlMessage;
import io.gatehouse.protocol.sync.NodeMessage;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.gatehouse.gateway.TestSupport.*;
import static io.gatehouse.gateway.config.NewerControlPlane.newerHash;
import static io.gatehouse.gateway.config.NewerControlPlane.withNewerFields;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An upgrade with the control plane one release ahead of a node (docs/operations.md, "Upgrades"): the control plane
 * sends APIs, plans, keys and subscriptions carrying fields this node's release does not know. The node acknowledges
 * them with the control plane's hash, serves them, and keeps them across a restart from its disk copy; a config that
 * does not match its hash is still refused.
 */
class VersionSkewTest extends NodeOnScriptedControlPlane {
    static final String KEY = ApiKeys.generate();
    static final String SECOND_KEY = ApiKeys.generate();
    /** No limits here: this control plane is scripted and grants no leases (UnknownFieldSkewTest covers a limited plan). */
    static final PlanDefinition PLAN = TestSupport.GOLD;

    GatewayNode startNode() {
        // This control plane acknowledges no usage: a stopping node need not wait for it.
        return startNode("node-behind", Map.of("gatehouse.drain.flush-timeout-ms", "200"));
    }

    ConfigSnapshot snapshot(long version, String basePath, List<KeyGrant> keys) {
        return ConfigSnapshot.of(version, Instant.parse("2026-11-30T10:00:00Z").plusSeconds(version),
                List.of(api("orders", null, basePath, upstream.url())), List.of(PLAN), keys,
                List.of(new SubscriptionGrant("sub-orders", "app-1", "orders", PLAN.id(), null)));
    }

    static KeyGrant first() {
        return key("k1", KEY, "app-1", null);
    }

    static KeyGrant second() {
        return key("k2", SECOND_KEY, "app-1", null);
    }

    /** A snapshot as the newer control plane sends it: its entries with the next release's fields, its hash over them. */
    static String newerSnapshot(ConfigSnapshot snapshot) {
        ObjectNode message = withNewerFields(new ControlMessage.Snapshot(snapshot));
        ((ObjectNode) message.get("snapshot")).put("hash", newerHash(snapshot));
        return message.toString();
    }

    static String newerDelta(ConfigSnapshot from, ConfigSnapshot to) {
        ObjectNode message = withNewerFields(new ControlMessage.Delta(to.deltaFrom(from)));
        ((ObjectNode) message.get("delta")).put("hash", newerHash(to));
        return message.toString();
    }

    /** The node's next hello, ACK or NACK (usage reports of the requests served go by meanwhile). */
    NodeMessage reply() throws InterruptedException {
        NodeMessage message;
        do {
            message = controlPlane.next();
        } while (!(message instanceof NodeMessage.Ack || message instanceof NodeMessage.Nack || message instanceof NodeMessage.Hello));
        return message;
    }

    String proxy(String path) {
        return "http://127.0.0.1:" + node.settings().proxyPort() + path;
    }

    @Test
    void aNodeOneReleaseBehindAppliesServesAndKeepsEntriesWithFieldsItDoesNotKnow() throws Exception {
        node = startNode();
        reply();
        ConfigSnapshot v1 = snapshot(1, "/orders", List.of(first()));
        controlPlane.pushRaw(newerSnapshot(v1));
        NodeMessage.Ack ack = (NodeMessage.Ack) reply();
        assertThat(ack.version()).isEqualTo(1);
        assertThat(ack.hash()).as("the control plane's hash, over the whole entries").isEqualTo(newerHash(v1)).isNotEqualTo(v1.hash());
        assertThat(get(proxy("/orders/1"), "X-API-Key", KEY).statusCode()).isEqualTo(200);

        // A delta that moves the API, adds a key and keeps every entry's newer fields.
        ConfigSnapshot v2 = snapshot(2, "/v2/orders", List.of(first(), second()));
        controlPlane.pushRaw(newerDelta(v1, v2));
        NodeMessage.Ack deltaAck = (NodeMessage.Ack) reply();
        assertThat(deltaAck.version()).isEqualTo(2);
        assertThat(deltaAck.hash()).isEqualTo(newerHash(v2));
        assertThat(get(proxy("/v2/orders/1"), "X-API-Key", SECOND_KEY).statusCode()).isEqualTo(200);

        // A genuinely wrong hash is still refused, and the node keeps serving what it holds.
        ConfigSnapshot v3 = snapshot(3, "/v3/orders", List.of(second()));
        ObjectNode wrong = withNewerFields(new ControlMessage.Delta(v3.deltaFrom(v2)));
        ((ObjectNode) wrong.get("delta")).put("hash", v3.hash());
        controlPlane.pushRaw(wrong.toString());
        NodeMessage.Nack nack = (NodeMessage.Nack) reply();
        assertThat(nack.code()).isEqualTo("hash_mismatch");
        assertThat(nack.heldVersion()).isEqualTo(2);
        assertThat(get(proxy("/v2/orders/1"), "X-API-Key", KEY).statusCode()).isEqualTo(200);

        // Restarted without its control plane: served from the disk copy (snapshot and logged delta replayed).
        int port = controlPlane.port();
        node.stop();
        controlPlane.close();
        node = startNode();
        assertThat(get(proxy("/v2/orders/1"), "X-API-Key", SECOND_KEY).statusCode()).isEqualTo(200);
        assertThat(new JsonObject(get("http://127.0.0.1:" + node.settings().statusPort() + "/status").body())
                .getString("configSource")).isEqualTo("disk");

        // The control plane returns: the node says it holds the control plane's hash, and a delta that removes an
        // entry with newer fields (k1) adds up only because the disk copy kept that entry whole.
        controlPlane = new ScriptedControlPlane(port);
        NodeMessage.Hello hello = (NodeMessage.Hello) reply();
        assertThat(hello.version()).isEqualTo(2);
        assertThat(hello.hash()).isEqualTo(newerHash(v2));
        controlPlane.pushRaw(newerDelta(v2, v3));
        NodeMessage.Ack afterRestart = (NodeMessage.Ack) reply();
        assertThat(afterRestart.hash()).isEqualTo(newerHash(v3));
        assertThat(get(proxy("/v3/orders/1"), "X-API-Key", SECOND_KEY).statusCode()).isEqualTo(200);
        assertThat(get(proxy("/v3/orders/1"), "X-API-Key", KEY).statusCode()).as("k1 removed").isEqualTo(401);
    }

    @Test
    void aSnapshotInPartsWithFieldsTheNodeDoesNotKnowIsAppliedAndKeptOnDisk() throws Exception {
        node = startNode();
        reply();
        ConfigSnapshot v1 = snapshot(1, "/orders", List.of(first(), second()));
        String hash = newerHash(v1);
        List<ControlMessage.SnapshotChunk> parts = List.of(
                new ControlMessage.SnapshotChunk(1, hash, v1.publishedAt(), 0, false, v1.apis(), v1.plans(), List.of(), List.of()),
                new ControlMessage.SnapshotChunk(1, hash, v1.publishedAt(), 1, true, List.of(), List.of(), v1.keys(), v1.subscriptions()));
        for (ControlMessage.SnapshotChunk part : parts) {
            controlPlane.pushRaw(withNewerFields(part).toString());
        }
        NodeMessage.Ack ack = (NodeMessage.Ack) reply();
        assertThat(ack.hash()).isEqualTo(hash);
        assertThat(get(proxy("/orders/1"), "X-API-Key", KEY).statusCode()).isEqualTo(200);

        int port = controlPlane.port();
        node.stop();
        controlPlane.close();
        node = startNode();
        assertThat(get(proxy("/orders/1"), "X-API-Key", SECOND_KEY).statusCode()).isEqualTo(200);
        controlPlane = new ScriptedControlPlane(port);
        assertThat(((NodeMessage.Hello) reply()).hash()).isEqualTo(hash);
        ConfigSnapshot v2 = snapshot(2, "/orders", List.of(second()));
        controlPlane.pushRaw(newerDelta(v1, v2));
        assertThat(((NodeMessage.Ack) reply()).hash()).as("k1 kept whole on disk, so removing it adds up")
                .isEqualTo(newerHash(v2));
    }
}
