package io.gatehouse.gateway.audit;

import io.gatehouse.audit.testing.KafkaBroker;
import io.gatehouse.gateway.EchoUpstream;
import io.gatehouse.gateway.GatewayNode;
import io.gatehouse.gateway.TestSupport;
import io.gatehouse.protocol.Json;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static io.gatehouse.gateway.TestSupport.api;
import static io.gatehouse.gateway.TestSupport.awaitTrue;
import static io.gatehouse.gateway.TestSupport.get;
import static io.gatehouse.gateway.TestSupport.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

/** What an operator reads on the node's status port about the audit spool while Kafka is away and back. */
class SpoolStatusTest {
    private static final String KEY = io.gatehouse.protocol.keys.ApiKeys.generate();
    @TempDir
    Path dir;
    private GatewayNode node;
    private EchoUpstream upstream;
    private KafkaBroker broker;

    @AfterEach
    void stop() throws Exception {
        if (node != null) node.stop();
        if (upstream != null) upstream.close();
        if (broker != null) broker.close();
    }

    private void startNode(Map<String, String> settings) throws Exception {
        upstream = new EchoUpstream("orders", "127.0.0.1", 0, 0);
        Path file = dir.resolve("snapshot.json");
        Files.writeString(file, Json.write(snapshot(1, List.of(api("orders", null, "/orders", upstream.url())),
                List.of(TestSupport.key("k1", KEY, "app-1", null)), List.of(TestSupport.subscription("app-1", "orders")))));
        Map<String, String> all = new HashMap<>(settings);
        all.put("gatehouse.snapshot-file", file.toString());
        all.put("gatehouse.audit.enabled", "true");
        node = new GatewayNode(TestSupport.settings(dir.resolve("data"), all)).start();
    }

    private JsonObject spool() {
        var response = get("http://127.0.0.1:" + node.settings().statusPort() + "/status");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonObject audit = new JsonObject(response.body()).getJsonObject("audit");
        assertThat(audit.getBoolean("enabled")).isTrue();
        return audit.getJsonObject("spool");
    }

    private void traffic(int requests) {
        String base = "http://127.0.0.1:" + node.settings().proxyPort();
        for (int i = 0; i < requests; i++) {
            assertThat(get(base + "/orders/items/" + i, "X-API-Key", KEY).statusCode()).as("clients are served whatever Kafka does").isEqualTo(200);
        }
    }

    @Test
    void theSpoolGrowsWhileTheBrokerIsAwayAndDrainsWhenItIsBack() throws Exception {
        broker = new KafkaBroker(dir.resolve("kafka"));   // formatted, not started: nobody listens at its address yet
        startNode(Map.of("gatehouse.audit.kafka.bootstrap", broker.bootstrap(), "gatehouse.node.id", "node-spool-status"));
        traffic(40);

        AtomicReference<JsonObject> seen = new AtomicReference<>();
        awaitTrue(Duration.ofSeconds(20), "40 records waiting in the spool", () -> {
            seen.set(spool());
            return seen.get().getLong("depthRecords") >= 40;
        });
        assertThat(seen.get().getLong("depthRecords")).isEqualTo(40);
        assertThat(seen.get().getLong("depthBytes")).isPositive();
        awaitTrue(Duration.ofSeconds(10), "the oldest unsent record ages", () -> spool().getLong("oldestUnsentAgeMillis") > 0);
        assertThat(spool().getLong("dropped")).isZero();

        broker.start();
        Duration drained = awaitTrue(Duration.ofSeconds(90), "the spool drained into Kafka", () -> {
            seen.set(spool());
            return seen.get().getLong("depthRecords") == 0;
        });
        System.out.printf("spool of 40 drained %d ms after the broker started%n", drained.toMillis());
        assertThat(seen.get().getLong("oldestUnsentAgeMillis")).isZero();
        assertThat(seen.get().getLong("written")).isEqualTo(40);
        assertThat(seen.get().getLong("dropped")).isZero();
    }

    @Test
    void aFullSpoolDropsTheOldestUnsentRecordsAndCountsThem() throws Exception {
        // No broker at all and a spool bounded to two small segments: the node keeps serving and counts what it drops.
        startNode(Map.of("gatehouse.audit.spool.segment-bytes", "4096", "gatehouse.audit.spool.max-bytes", "8192"));
        traffic(120);
        AtomicReference<JsonObject> seen = new AtomicReference<>();
        awaitTrue(Duration.ofSeconds(20), "every record written and some dropped", () -> {
            seen.set(spool());
            return seen.get().getLong("written") == 120 && seen.get().getLong("droppedSpoolFull") > 0;
        });
        JsonObject spool = seen.get();
        assertThat(spool.getLong("depthRecords") + spool.getLong("droppedSpoolFull")).as("every record is either waiting or counted as dropped")
                .isEqualTo(120);
        assertThat(spool.getLong("dropped")).isEqualTo(spool.getLong("droppedSpoolFull") + spool.getLong("refusedQueueFull"));
        assertThat(spool.getLong("depthBytes")).isLessThanOrEqualTo(8192 + 4096);
    }
}
