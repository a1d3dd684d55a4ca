package io.gatehouse.gateway;

import io.gatehouse.gateway.accesslog.Traceparent;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.keys.ApiKeys;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The access log as an operator reads it: one JSON line per request with the ids and figures of the request, the
 * trace id the upstream saw, and never a key, whether the key was right, wrong or sent as a bearer token.
 */
class AccessLogTest {
    static final String KEY = ApiKeys.generate();
    static final String WRONG_KEY = ApiKeys.generate();
    static final PlanDefinition METERED = new PlanDefinition("plan-metered", "metered", 100L, 50L, 100_000L, "HARD", "OPEN");

    @TempDir
    static Path dir;
    static EchoUpstream upstream;
    static GatewayNode node;
    static String base;
    static Path log;

    @BeforeAll
    static void start() throws Exception {
        upstream = new EchoUpstream("orders");
        ConfigSnapshot snapshot = ConfigSnapshot.of(1, Instant.now(), List.of(api("orders", null, "/orders", upstream.url())),
                List.of(METERED), List.of(key("k1", KEY, "app-1", null)),
                List.of(new SubscriptionGrant("sub-1", "app-1", "orders", METERED.id(), null)));
        Path file = dir.resolve("snapshot.json");
        Files.writeString(file, Json.write(snapshot));
        log = dir.resolve("access.log");
        node = new GatewayNode(settings(dir.resolve("data"), Map.of("gatehouse.snapshot-file", file.toString(),
                "gatehouse.access-log", log.toString()))).start();
        base = "http://127.0.0.1:" + node.settings().proxyPort();
    }

    @AfterAll
    static void stop() throws Exception {
        node.stop();
        upstream.close();
    }

    static List<JsonObject> lines() throws Exception {
        return Files.readAllLines(log).stream().filter(l -> !l.isBlank()).map(JsonObject::new).toList();
    }

    static JsonObject lineOf(String requestId) throws Exception {
        awaitTrue(Duration.ofSeconds(5), "the access log line of " + requestId, () -> {
            try {
                return lines().stream().anyMatch(l -> requestId.equals(l.getString("requestId")));
            } catch (Exception e) {
                return false;
            }
        });
        return lines().stream().filter(l -> requestId.equals(l.getString("requestId"))).findFirst().orElseThrow();
    }

    @Test
    void everyRequestIsOneLineWithItsIdsFiguresAndTraceButNeverAKey() throws Exception {
        HttpResponse<String> posted = send(HttpRequest.newBuilder(URI.create(base + "/orders/42?token=" + KEY))
                .POST(HttpRequest.BodyPublishers.ofString("{\"qty\":3}")), "X-API-Key", KEY, "X-Request-Id", "req-posted");
        assertThat(posted.statusCode()).isEqualTo(200);
        JsonObject line = lineOf("req-posted");
        assertThat(line.getString("method")).isEqualTo("POST");
        assertThat(line.getString("path")).as("the path, without its query").isEqualTo("/orders/42");
        assertThat(line.getInteger("status")).isEqualTo(200);
        assertThat(line.getString("api")).isEqualTo("orders");
        assertThat(line.getString("consumer")).isEqualTo("consumer-of-app-1");
        assertThat(line.getString("application")).isEqualTo("app-1");
        assertThat(line.getString("upstream")).startsWith(upstream.url());
        assertThat(line.getInteger("attempts")).isEqualTo(1);
        assertThat(line.getLong("bytesIn")).isGreaterThanOrEqualTo(9);
        assertThat(line.getLong("bytesOut")).isEqualTo((long) posted.body().getBytes().length);
        assertThat(line.getDouble("durationMs")).isPositive();
        assertThat(line.getDouble("upstreamMs")).isPositive().isLessThanOrEqualTo(line.getDouble("durationMs"));
        assertThat(line.getString("client")).isEqualTo("127.0.0.1");
        assertThat(line.containsKey("error")).isFalse();
        // The upstream got a new trace, and the log names it.
        String sent = new JsonObject(posted.body()).getJsonObject("headers").getString("traceparent");
        assertThat(Traceparent.traceId(sent)).isNotNull().isEqualTo(line.getString("traceId"));

        // A client's valid trace is kept end to end.
        String clientTrace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        HttpResponse<String> traced = get(base + "/orders/1", "X-API-Key", KEY, "X-Request-Id", "req-traced", "traceparent", clientTrace);
        assertThat(new JsonObject(traced.body()).getJsonObject("headers").getString("traceparent")).isEqualTo(clientTrace);
        assertThat(lineOf("req-traced").getString("traceId")).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");

        // Refusals are logged with their code, and the keys sent never appear.
        assertThat(get(base + "/orders/1", "X-API-Key", WRONG_KEY, "X-Request-Id", "req-wrong").statusCode()).isEqualTo(401);
        assertThat(lineOf("req-wrong").getString("error")).isEqualTo("invalid_api_key");
        assertThat(lineOf("req-wrong").containsKey("consumer")).isFalse();
        assertThat(lineOf("req-wrong").containsKey("upstreamMs")).as("nothing went upstream").isFalse();
        assertThat(get(base + "/orders/1", "Authorization", "Bearer " + KEY, "X-Request-Id", "req-bearer").statusCode()).isEqualTo(200);
        assertThat(get(base + "/nowhere", "X-Request-Id", "req-noroute").statusCode()).isEqualTo(404);
        assertThat(lineOf("req-noroute").getString("error")).isEqualTo("no_route");
        lineOf("req-bearer");

        String whole = Files.readString(log);
        assertThat(whole).doesNotContain(KEY).doesNotContain(WRONG_KEY).doesNotContain("Bearer").doesNotContain("token=");
        assertThat(lines()).as("one line per request").hasSize(5);
    }
}
