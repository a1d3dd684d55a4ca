package io.gatehouse.management;

import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.sync.ControlMessage;
import io.gatehouse.protocol.sync.NodeMessage;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.function.Predicate;

import static io.gatehouse.management.AdminApiTest.admin;
import static io.gatehouse.management.AdminApiTest.create;
import static io.gatehouse.management.AdminApiTest.unique;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the control plane cannot publish (here its publications table is gone, as a broken database would make it),
 * nobody is told that the gateways are in sync: the node list says STALE with the reason, the console says so, and
 * the instance is not ready. Once publishing works again the change reaches the node and everything is green.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class PublishingHealthTest {

    @TestHTTPResource("/")
    URI base;

    @Inject
    Pool pool;

    @Test
    void aChangeThatCannotBePublishedIsNeverShownAsInSync() throws Exception {
        String nodeId = unique("edge");
        NodeChannelTest.Credential credential = NodeChannelTest.issue(nodeId);
        try (TestNode node = TestNode.connect(base, credential.token(), nodeId)) {
            node.send(new NodeMessage.Hello(nodeId, 0, null, "test"));
            ConfigSnapshot first = node.next(ControlMessage.Snapshot.class).snapshot();
            node.send(new NodeMessage.Ack(first.version(), first.hash()));
            awaitNode(nodeId, n -> "IN_SYNC".equals(n.getString("status")));
            assertThat(ready()).isEqualTo(200);

            sql("alter table config_log_head rename to config_log_head_away");
            try {
                create("/admin/apis", AdminApiTest.apiBody(unique("orders"), "/" + unique("orders"), "PUBLISHED"));
                Response config = awaitConfig(c -> !c.jsonPath().getBoolean("publishing.healthy"));
                assertThat(config.jsonPath().getString("publishing.lastError")).contains("config_log_head");
                assertThat(config.jsonPath().getString("publishing.unpublishedSince")).isNotBlank();

                Response nodes = awaitNode(nodeId, n -> "STALE".equals(n.getString("status")));
                assertThat(nodes.jsonPath().getBoolean("items.find { it.nodeId == '" + nodeId + "' }.inSync")).isFalse();
                assertThat(nodes.jsonPath().getString("items.find { it.nodeId == '" + nodeId + "' }.lastError")).contains("cannot publish");
                assertThat(ready()).as("an instance that cannot publish is not ready").isEqualTo(503);
            } finally {
                sql("alter table config_log_head_away rename to config_log_head");
            }

            // The retry publishes the change; the node gets it, acknowledges, and is in sync with it.
            ControlMessage pushed = node.next(ControlMessage.class);
            long version = pushed instanceof ControlMessage.Snapshot s ? s.snapshot().version()
                    : ((ControlMessage.Delta) pushed).delta().version();
            String hash = pushed instanceof ControlMessage.Snapshot s ? s.snapshot().hash()
                    : ((ControlMessage.Delta) pushed).delta().hash();
            node.send(new NodeMessage.Ack(version, hash));
            awaitConfig(c -> c.jsonPath().getBoolean("publishing.healthy"));
            awaitNode(nodeId, n -> "IN_SYNC".equals(n.getString("status")) && n.getBoolean("inSync"));
            assertThat(ready()).isEqualTo(200);
        }
    }

    private void sql(String statement) {
        pool.query(statement).execute().await().atMost(Duration.ofSeconds(10));
    }

    private static int ready() {
        return RestAssured.given().get("/q/health/ready").statusCode();
    }

    private static Response awaitConfig(Predicate<Response> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (true) {
            Response config = admin().get("/admin/config");
            if (config.statusCode() == 200 && condition.test(config)) {
                return config;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("config never reached the expected state: " + config.asString());
            }
            Thread.sleep(50);
        }
    }

    private static Response awaitNode(String nodeId, Predicate<io.vertx.core.json.JsonObject> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (true) {
            Response nodes = admin().get("/admin/nodes");
            io.vertx.core.json.JsonArray list = new io.vertx.core.json.JsonObject(nodes.asString()).getJsonArray("items");
            for (Object each : list) {
                io.vertx.core.json.JsonObject node = (io.vertx.core.json.JsonObject) each;
                if (nodeId.equals(node.getString("nodeId")) && condition.test(node)) {
                    return nodes;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("node " + nodeId + " never reached the expected state: " + nodes.asString());
            }
            Thread.sleep(50);
        }
    }
}
