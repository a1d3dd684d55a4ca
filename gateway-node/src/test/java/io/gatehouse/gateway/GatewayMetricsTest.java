package io.gatehouse.gateway;

import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.keys.ApiKeys;
import io.gatehouse.testing.ScrapeParser;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An operator scrapes a node's status port: after requests of known outcomes (answered, refused for a wrong key,
 * refused by a plan's rate limit, failed upstream, unrouted) every counter and histogram count says exactly what
 * the clients saw, in text Prometheus reads.
 */
class GatewayMetricsTest extends StandaloneGateway {
    static final String KEY = ApiKeys.generate();
    static final String TIGHT_KEY = ApiKeys.generate();
    static final String WRONG_KEY = ApiKeys.generate();
    /** One request a second, two at once: a burst of requests is partly refused with 429 rate_limited. */
    static final PlanDefinition TIGHT = new PlanDefinition("plan-tight", "tight", 1L, 2L, null, "HARD", "CLOSED");

    String statusBase;

    @Test
    void theScrapeCountsEveryOutcomeExactly() throws Exception {
        EchoUpstream orders = upstream("orders", "127.0.0.1", 0, 0);
        String nobody = "http://127.0.0.1:" + freePort();
        ConfigSnapshot snapshot = ConfigSnapshot.of(7, Instant.now(),
                List.of(api("orders", null, "/orders", orders.url()), api("broken", null, "/broken", nobody)),
                List.of(GOLD, TIGHT),
                List.of(key("k1", KEY, "app-1", null), key("k2", TIGHT_KEY, "app-2", null)),
                List.of(subscription("app-1", "orders"), subscription("app-1", "broken"),
                        new SubscriptionGrant("sub-tight", "app-2", "orders", TIGHT.id(), null)));
        startNode(snapshot, Map.of());
        String base = "http://127.0.0.1:" + node.settings().proxyPort();
        statusBase = "http://127.0.0.1:" + node.settings().statusPort();

        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < 5; i++) {
            count(seen, "orders", get(base + "/orders/" + i, "X-API-Key", KEY));
        }
        for (int i = 0; i < 3; i++) {
            count(seen, "orders", get(base + "/orders/" + i, "X-API-Key", WRONG_KEY));
        }
        for (int i = 0; i < 6; i++) {
            count(seen, "orders", get(base + "/orders/tight", "X-API-Key", TIGHT_KEY));
        }
        for (int i = 0; i < 3; i++) {
            count(seen, "broken", get(base + "/broken/" + i, "X-API-Key", KEY));
        }
        count(seen, "", get(base + "/nowhere"));
        System.out.println("clients saw " + seen);
        assertThat(seen.get("orders 200")).as("answered").isGreaterThanOrEqualTo(6);
        assertThat(seen.get("orders 401 invalid_api_key")).isEqualTo(3);
        assertThat(seen.get("orders 429 rate_limited")).as("the burst over the plan's rate").isPositive();
        assertThat(seen.get("broken 502 upstream_unavailable")).isEqualTo(3);
        assertThat(seen.get(" 404 no_route")).isEqualTo(1);
        int total = seen.values().stream().mapToInt(Integer::intValue).sum();

        // The completion step runs as each answer ends: wait for all of them to be counted, then compare exactly.
        awaitTrue(Duration.ofSeconds(5), "every request counted", () -> scrape().sum("gatehouse_gateway_requests_total", Map.of()) == total);
        ScrapeParser scrape = scrape();
        assertThat(scrape.untyped()).as("every sample under a declared family").isEmpty();
        assertThat(scrape.type("gatehouse_gateway_requests_total")).isEqualTo("counter");
        assertThat(scrape.type("gatehouse_gateway_request_duration_seconds")).isEqualTo("histogram");
        Map<String, Integer> counted = new HashMap<>();
        for (ScrapeParser.Sample s : scrape.samples()) {
            if (s.name().equals("gatehouse_gateway_requests_total")) {
                assertThat(s.labels().get("api_name")).as("the API's name beside its id")
                        .isEqualTo(s.labels().get("api").isEmpty() ? "" : "api-" + s.labels().get("api"));
                String status = s.labels().get("status_class");
                counted.merge(s.labels().get("api") + " " + status + (s.labels().get("code").isEmpty() ? "" : " " + s.labels().get("code")),
                        (int) s.value(), Integer::sum);
            }
        }
        Map<String, Integer> expected = new HashMap<>();
        seen.forEach((outcome, n) -> expected.merge(outcome.replaceFirst(" (\\d)\\d\\d", " $1xx"), n, Integer::sum));
        assertThat(counted).as("requests_total by api, status class and code").isEqualTo(expected);

        int ordersRequests = seen.entrySet().stream().filter(e -> e.getKey().startsWith("orders ")).mapToInt(Map.Entry::getValue).sum();
        assertThat(scrape.value("gatehouse_gateway_request_duration_seconds_count", apiLabels("orders"))).isEqualTo((double) ordersRequests);
        assertThat(scrape.value("gatehouse_gateway_request_duration_seconds_count", apiLabels("broken"))).isEqualTo(3);
        assertThat(scrape.value("gatehouse_gateway_request_duration_seconds_count", apiLabels(""))).isEqualTo(1);
        assertThat(scrape.value("gatehouse_gateway_upstream_duration_seconds_count", apiLabels("orders")))
                .as("only answered requests went upstream").isEqualTo(seen.get("orders 200").doubleValue());
        assertThat(scrape.value("gatehouse_gateway_upstream_duration_seconds_count", apiLabels("broken"))).isEqualTo(3);
        assertThat(scrape.value("gatehouse_gateway_upstream_duration_seconds_count", apiLabels(""))).isZero();
        assertThat(scrape.value("gatehouse_gateway_request_duration_seconds_sum", apiLabels("orders"))).isPositive().isLessThan(60);
        assertThat(scrape.value("gatehouse_gateway_lease_refusals_total", apiLabels("orders", "reason", "rate_limited")))
                .isEqualTo(seen.get("orders 429 rate_limited").doubleValue());
        assertThat(scrape.value("gatehouse_gateway_lease_refusals_total", apiLabels("orders", "reason", "quota_exceeded"))).isZero();
        assertThat(scrape.value("gatehouse_gateway_lease_waits_total", apiLabels("orders")))
                .as("the tight plan's first request waited for its rate share; nothing else waited").isEqualTo(1);
        assertThat(scrape.value("gatehouse_gateway_requests_in_flight", apiLabels("orders"))).isZero();
        assertThat(scrape.value("gatehouse_gateway_upstream_target_up", apiLabels("orders", "target", orders.url()))).isEqualTo(1);
        assertThat(scrape.value("gatehouse_gateway_circuit_state", apiLabels("broken", "state", "closed")))
                .as("three failures are fewer than the circuit's minimum").isEqualTo(1);
        assertThat(scrape.value("gatehouse_gateway_circuit_state", apiLabels("broken", "state", "open"))).isZero();
        assertThat(scrape.value("gatehouse_gateway_config_version", Map.of())).isEqualTo(7);
        double applied = scrape.value("gatehouse_gateway_config_last_apply_timestamp_seconds", Map.of());
        assertThat(applied).isBetween(Instant.now().minusSeconds(120).getEpochSecond() * 1.0, Instant.now().getEpochSecond() + 1.0);
        assertThat(scrape.samples()).as("no consumer or key in any label").allSatisfy(s ->
                assertThat(s.labels().toString()).doesNotContain("consumer").doesNotContain(KEY).doesNotContain("app-"));
    }

    @Test
    void metricsCanBeSwitchedOffAndTheNodeServesTheSame() throws Exception {
        EchoUpstream orders = upstream("orders", "127.0.0.1", 0, 0);
        startNode(snapshot(1, List.of(api("orders", null, "/orders", orders.url())), List.of(key("k1", KEY, "app-1", null)),
                List.of(subscription("app-1", "orders"))), Map.of("gatehouse.metrics", "false"));
        String base = "http://127.0.0.1:" + node.settings().proxyPort();
        assertThat(get(base + "/orders/1", "X-API-Key", KEY).statusCode()).isEqualTo(200);
        HttpResponse<String> metrics = get("http://127.0.0.1:" + node.settings().statusPort() + "/metrics");
        assertThat(metrics.statusCode()).isEqualTo(404);
        assertThat(metrics.body()).contains("\"code\":\"metrics_off\"");
    }

    /**
     * The labels of one API's series, and any others: {@code api} is its id, {@code api_name} its name (the tests'
     * APIs are named {@code api-<id>}; requests no API took have both empty).
     */
    static Map<String, String> apiLabels(String apiId, String... more) {
        Map<String, String> labels = new HashMap<>(Map.of("api", apiId, "api_name", apiId.isEmpty() ? "" : "api-" + apiId));
        for (int i = 0; i < more.length; i += 2) {
            labels.put(more[i], more[i + 1]);
        }
        return labels;
    }

    private ScrapeParser scrape() {
        HttpResponse<String> response = get(statusBase + "/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
        return ScrapeParser.parse(response.body());
    }

    private static void count(Map<String, Integer> seen, String api, HttpResponse<String> response) {
        String code = response.statusCode() == 200 ? "" : " " + new io.vertx.core.json.JsonObject(response.body()).getString("code");
        seen.merge(api + " " + response.statusCode() + code, 1, Integer::sum);
    }
}
