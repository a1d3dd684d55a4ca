package io.gatehouse.management;

import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.ConfigDelta;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.KeyGrant;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.sync.ControlMessage;
import io.gatehouse.protocol.sync.NodeMessage;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import static io.gatehouse.management.AdminApiTest.admin;
import static io.gatehouse.management.AdminApiTest.create;
import static io.gatehouse.management.AdminApiTest.unique;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a node is sent comes from the config log: a node that was away gets the changes it missed, one that is
 * behind the log's horizon a snapshot streamed in bounded chunks, and either way it ends on the content the control
 * plane publishes. A small retained window and fast compaction make the horizon move within the test.
 */
@QuarkusTest
@TestProfile(ConfigLogTest.SmallLog.class)
@QuarkusTestResource(EmbeddedPostgresResource.class)
class ConfigLogTest {
    static final int RETAINED = 2_000;

    public static class SmallLog implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gatehouse.sync.retained-versions", String.valueOf(RETAINED),
                    "gatehouse.sync.maintenance-interval", "PT1S");
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Inject
    Pool pool;

    @Test
    void aNodeAwayDuringAThousandChangesCatchesUpFromTheLog() throws Exception {
        String appId = application();
        seedKeys(appId, 10);
        awaitConfig(c -> c.jsonPath().getLong("keys") >= 10);
        String nodeId = unique("edge");
        NodeChannelTest.Credential credential = NodeChannelTest.issue(nodeId);
        ConfigSnapshot held = firstConfig(nodeId, credential);

        // While it is away: 800 keys issued, 150 of them revoked, and 20 more through the admin API.
        seedKeys(appId, 800);
        sql("update api_keys set revoked_at = now() where id in (select id from api_keys where application_id = $1 "
                + "and revoked_at is null order by id limit 150)", Tuple.of(UUID.fromString(appId)));
        for (int i = 0; i < 20; i++) {
            assertThat(admin().body(Map.of()).post("/admin/applications/" + appId + "/keys").statusCode()).isEqualTo(201);
        }
        Response config = awaitConfig(c -> c.jsonPath().getLong("keys") == liveKeys());
        long target = config.jsonPath().getLong("version");

        try (TestNode node = TestNode.connect(base, credential.token(), nodeId)) {
            node.send(new NodeMessage.Hello(nodeId, held.version(), held.hash(), "test"));
            ConfigSnapshot current = held;
            int deltas = 0;
            while (current.version() < target) {
                ControlMessage message = node.next(ControlMessage.class);
                assertThat(message).as("a node the log still covers gets the log, not a snapshot").isInstanceOf(ControlMessage.Delta.class);
                ConfigDelta delta = ((ControlMessage.Delta) message).delta();
                // apply() refuses a delta on another base or one whose result has another hash.
                current = current.apply(delta);
                node.send(new NodeMessage.Ack(current.version(), current.hash()));
                deltas++;
            }
            assertThat(current.version()).isEqualTo(target);
            assertThat(current.hash()).isEqualTo(config.jsonPath().getString("hash"));
            assertThat((long) current.keys().size()).isEqualTo(config.jsonPath().getLong("keys"));
            assertThat(current.keys().size()).isGreaterThanOrEqualTo(held.keys().size() + 670);
            awaitNode(nodeId, n -> "IN_SYNC".equals(n.getString("status")) && n.getBoolean("inSync"));

            // One more key costs one entry on the wire, whatever the size of the config.
            long before = current.version();
            assertThat(admin().body(Map.of()).post("/admin/applications/" + appId + "/keys").statusCode()).isEqualTo(201);
            ConfigDelta one = node.next(ControlMessage.Delta.class).delta();
            assertThat(one.baseVersion()).isEqualTo(before);
            assertThat(one.keys().upsert()).hasSize(1);
            assertThat(one.apis().isEmpty() && one.plans().isEmpty() && one.subscriptions().isEmpty() && one.keys().remove().isEmpty()).isTrue();
            System.out.printf("config log: caught up %d versions in %d deltas%n", target - held.version(), deltas);
        }
    }

    @Test
    void aNodeBehindTheHorizonIsStreamedASnapshotAndEndsWhereAFreshNodeDoes() throws Exception {
        String appId = application();
        seedKeys(appId, 10);
        awaitConfig(c -> c.jsonPath().getLong("keys") >= 10);
        String nodeId = unique("edge");
        NodeChannelTest.Credential credential = NodeChannelTest.issue(nodeId);
        ConfigSnapshot held = firstConfig(nodeId, credential);
        seedKeys(appId, 12_000);
        sql("update api_keys set revoked_at = now() where id in (select id from api_keys where application_id = $1 "
                + "and revoked_at is null order by id limit 500)", Tuple.of(UUID.fromString(appId)));
        // Every live key numbered (the published count equals the database's), and the horizon past the node.
        Response config = awaitConfig(c -> c.jsonPath().getLong("keys") == liveKeys()
                && c.jsonPath().getLong("horizon") > held.version());

        ConfigSnapshot behind;
        try (TestNode node = TestNode.connect(base, credential.token(), nodeId)) {
            node.send(new NodeMessage.Hello(nodeId, held.version(), held.hash(), "test"));
            List<ControlMessage.SnapshotChunk> chunks = receiveChunks(node);
            assertThat(chunks).as("12,000 keys do not travel in one message").hasSizeGreaterThanOrEqualTo(3);
            behind = assemble(chunks);
            node.send(new NodeMessage.Ack(behind.version(), behind.hash()));
            awaitNode(nodeId, n -> n.getBoolean("inSync"));
        }
        String freshId = unique("fresh");
        NodeChannelTest.Credential fresh = NodeChannelTest.issue(freshId);
        try (TestNode node = TestNode.connect(base, fresh.token(), freshId)) {
            node.send(new NodeMessage.Hello(freshId, 0, null, "test"));
            ConfigSnapshot fromScratch = assemble(receiveChunks(node));
            assertThat(fromScratch.hash()).isEqualTo(behind.hash());
            assertThat(fromScratch.version()).isEqualTo(behind.version());
        }
        assertThat(behind.keys()).hasSizeGreaterThanOrEqualTo(held.keys().size() + 11_500);
        assertThat((long) behind.keys().size()).isEqualTo(config.jsonPath().getLong("keys"));
        assertThat(behind.hash()).isEqualTo(config.jsonPath().getString("hash"));
    }

    /** A new node's first config, acknowledged; the node then goes away. */
    private ConfigSnapshot firstConfig(String nodeId, NodeChannelTest.Credential credential) throws Exception {
        try (TestNode node = TestNode.connect(base, credential.token(), nodeId)) {
            node.send(new NodeMessage.Hello(nodeId, 0, null, "test"));
            ConfigSnapshot held = receiveSnapshot(node);
            node.send(new NodeMessage.Ack(held.version(), held.hash()));
            return held;
        }
    }

    private String application() {
        String consumerId = create("/admin/consumers", Map.of("username", unique("dev")));
        return create("/admin/consumers/" + consumerId + "/applications", Map.of("name", "app"));
    }

    private void seedKeys(String appId, int count) {
        sql("insert into api_keys (id, application_id, key_hash, prefix, created_at) "
                + "select gen_random_uuid(), $1, encode(sha256(convert_to(gen_random_uuid()::text, 'UTF8')), 'hex'), 'ghk_seed00', now() "
                + "from generate_series(1, $2)", Tuple.of(UUID.fromString(appId), count));
    }

    /** Keys the gateways should hold: issued, not revoked, not expired. */
    private long liveKeys() {
        return pool.query("select count(*) from api_keys where revoked_at is null and (expires_at is null or expires_at > now())")
                .execute().await().atMost(Duration.ofSeconds(10)).iterator().next().getLong(0);
    }

    private void sql(String statement, Tuple arguments) {
        pool.preparedQuery(statement).execute(arguments).await().atMost(Duration.ofSeconds(60));
    }

    private static ConfigSnapshot receiveSnapshot(TestNode node) throws InterruptedException {
        ControlMessage first = node.next(ControlMessage.class);
        if (first instanceof ControlMessage.Snapshot snapshot) {
            assertThat(snapshot.snapshot().isIntact()).as("the one-message snapshot's content has the hash it announces").isTrue();
            return snapshot.snapshot();
        }
        List<ControlMessage.SnapshotChunk> chunks = new ArrayList<>();
        chunks.add((ControlMessage.SnapshotChunk) first);
        while (!chunks.get(chunks.size() - 1).last()) {
            chunks.add(node.next(ControlMessage.SnapshotChunk.class));
        }
        return assemble(chunks);
    }

    private static List<ControlMessage.SnapshotChunk> receiveChunks(TestNode node) throws InterruptedException {
        List<ControlMessage.SnapshotChunk> chunks = new ArrayList<>();
        do {
            ControlMessage message = node.next(ControlMessage.class);
            assertThat(message).isInstanceOf(ControlMessage.SnapshotChunk.class);
            ControlMessage.SnapshotChunk chunk = (ControlMessage.SnapshotChunk) message;
            assertThat(chunk.sequence()).isEqualTo(chunks.size());
            int entries = chunk.apis().size() + chunk.plans().size() + chunk.keys().size() + chunk.subscriptions().size();
            assertThat(entries).isLessThanOrEqualTo(5_000);
            chunks.add(chunk);
        } while (!chunks.get(chunks.size() - 1).last());
        return chunks;
    }

    /** The snapshot the chunks make; its hash is computed here, and must be the one the chunks announce. */
    private static ConfigSnapshot assemble(List<ControlMessage.SnapshotChunk> chunks) {
        List<ApiDefinition> apis = new ArrayList<>();
        List<PlanDefinition> plans = new ArrayList<>();
        List<KeyGrant> keys = new ArrayList<>();
        List<SubscriptionGrant> subscriptions = new ArrayList<>();
        for (ControlMessage.SnapshotChunk chunk : chunks) {
            assertThat(chunk.version()).isEqualTo(chunks.get(0).version());
            apis.addAll(chunk.apis());
            plans.addAll(chunk.plans());
            keys.addAll(chunk.keys());
            subscriptions.addAll(chunk.subscriptions());
        }
        ControlMessage.SnapshotChunk first = chunks.get(0);
        ConfigSnapshot snapshot = ConfigSnapshot.of(first.version(), first.publishedAt(), apis, plans, keys, subscriptions);
        assertThat(snapshot.hash()).as("content hash of the assembled snapshot").isEqualTo(first.hash());
        return snapshot;
    }

    private static Response awaitConfig(Predicate<Response> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            Response config = admin().get("/admin/config");
            if (config.statusCode() == 200 && config.jsonPath().get("version") != null && condition.test(config)) {
                return config;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("config never reached the expected state: " + config.asString());
            }
            Thread.sleep(100);
        }
    }

    private static void awaitNode(String nodeId, Predicate<io.restassured.path.json.JsonPath> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (true) {
            Response nodes = admin().get("/admin/nodes?limit=500");
            io.restassured.path.json.JsonPath node = nodes.jsonPath().setRootPath("items.find { it.nodeId == '" + nodeId + "' }");
            if (node.get() != null && condition.test(node)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("node " + nodeId + " never reached the expected state: " + nodes.asString());
            }
            Thread.sleep(100);
        }
    }
}
