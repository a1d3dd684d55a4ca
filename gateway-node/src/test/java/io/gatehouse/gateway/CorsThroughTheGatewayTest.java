package io.gatehouse.gateway;

import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.testing.ScrapeParser;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.CorsRule;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.config.UpstreamTarget;
import io.gatehouse.protocol.keys.ApiKeys;
import io.gatehouse.protocol.usage.UsageRecord;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A web page calling an API through a real node, under a plan with a rate limit and a quota: the gateway answers
 * the browser's preflight itself (no key, no usage, no quota), and every answer the page's request gets, the
 * plan's 429 included, carries the page's origin so the page can read it.
 */
class CorsThroughTheGatewayTest extends StandaloneGateway {
    static final String PORTAL = "http://portal.example.test:8080";
    static final String SHOP = "https://shop.example.test";
    /** One request a second, no burst beyond it, 1,000 a month. */
    static final PlanDefinition PLAN = new PlanDefinition("plan-tight", "tight", 1L, 1L, 1_000L, "HARD", "OPEN");
    static final String KEY = ApiKeys.generate();

    HttpResponse<String> call(String method, String path, String... headers) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.settings().proxyPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()), headers);
    }

    @Test
    void aPageFromAnAllowedOriginCallsTheApiAndReadsEvenTheRateLimitsRefusal() throws Exception {
        EchoUpstream upstream = upstream("orders", "127.0.0.1", 0, 0);
        ApiDefinition orders = new ApiDefinition("orders", "orders", "1", null, "/orders", true,
                List.of(new UpstreamTarget(upstream.url(), 1)), "X-API-Key", 1_000, 5_000, "PUBLISHED", null, null, null, null, null,
                new CorsRule(List.of(SHOP), null, 300));
        ConfigSnapshot snapshot = ConfigSnapshot.of(1, Instant.now(), List.of(orders), List.of(PLAN), List.of(key("k", KEY, "app", null)),
                List.of(new SubscriptionGrant("sub-orders", "app", "orders", PLAN.id(), null)));
        startNode(snapshot, Map.of("gatehouse.portal.url", PORTAL + "/"));

        for (String origin : List.of(PORTAL, SHOP)) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> preflight = call("OPTIONS", "/orders/42", "Origin", origin,
                        "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "x-api-key, content-type");
                assertThat(preflight.statusCode()).as("preflight from " + origin).isEqualTo(204);
                assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue(origin);
                assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElseThrow()).contains("X-API-Key", "Content-Type");
                assertThat(preflight.headers().firstValue("Access-Control-Max-Age")).hasValue("300");
            }
        }
        assertThat(upstream.requests.get()).as("preflights never reach the upstream").isZero();

        HttpResponse<String> refusedPreflight = call("OPTIONS", "/orders/42", "Origin", "https://elsewhere.test",
                "Access-Control-Request-Method", "GET");
        assertThat(refusedPreflight.statusCode()).isEqualTo(403);
        assertThat(refusedPreflight.body()).contains("\"code\":\"cors_origin_not_allowed\"");
        assertThat(refusedPreflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

        // A node's fresh share of the rate starts with an empty bucket: the page calls until it is let through.
        java.util.concurrent.atomic.AtomicInteger keyedCalls = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<HttpResponse<String>> admitted = new java.util.concurrent.atomic.AtomicReference<>();
        awaitTrue(Duration.ofSeconds(5), "a call within the rate limit", () -> {
            keyedCalls.incrementAndGet();
            HttpResponse<String> answer = call("GET", "/orders/42", "Origin", SHOP, "X-API-Key", KEY);
            assertThat(answer.headers().firstValue("Access-Control-Allow-Origin")).hasValue(SHOP);
            admitted.set(answer);
            return answer.statusCode() == 200;
        });
        HttpResponse<String> first = admitted.get();
        assertThat(first.headers().firstValue("Access-Control-Allow-Origin")).hasValue(SHOP);
        assertThat(first.headers().allValues("Vary")).contains("Origin");
        assertThat(first.headers().firstValue("Access-Control-Expose-Headers").orElseThrow()).contains("RateLimit-Remaining", "X-Request-Id");
        assertThat(first.headers().firstValue("RateLimit-Limit")).isPresent();

        // The plan allows one a second: the next call at once is the plan's refusal, readable by the page.
        keyedCalls.incrementAndGet();
        HttpResponse<String> second = call("GET", "/orders/42", "Origin", SHOP, "X-API-Key", KEY);
        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(second.headers().firstValue("Access-Control-Allow-Origin")).hasValue(SHOP);
        assertThat(second.headers().firstValue("Retry-After")).isPresent();

        HttpResponse<String> noKey = call("GET", "/orders/42", "Origin", PORTAL);
        assertThat(noKey.statusCode()).isEqualTo(401);
        assertThat(noKey.headers().firstValue("Access-Control-Allow-Origin")).hasValue(PORTAL);

        keyedCalls.incrementAndGet();
        HttpResponse<String> foreign = call("GET", "/orders/42", "Origin", "https://elsewhere.test", "X-API-Key", KEY);
        assertThat(foreign.headers().firstValue("Access-Control-Allow-Origin")).as("no CORS header for a page not allowed").isEmpty();

        // Usage: every keyed call, admitted or refused by the plan; never a preflight, never the keyless call.
        long[] counted = new long[2];
        long[] byClass = new long[UsageRecord.STATUS_CLASSES];
        awaitTrue(Duration.ofSeconds(5), "usage to be counted", () -> {
            for (UsageRecord r : node.limits().drainUsage()) {
                counted[0] += r.admitted();
                counted[1] += r.refused();
                for (int c = 1; c <= UsageRecord.STATUS_CLASSES; c++) {
                    byClass[c - 1] += r.withStatusClass(c);
                }
            }
            return counted[0] + counted[1] >= keyedCalls.get();
        });
        assertThat(counted[0] + counted[1]).as("admitted + refused: the keyed calls, none of the seven preflights").isEqualTo(keyedCalls.get());
        assertThat(counted[0]).as("admitted").isBetween(1L, 2L);
        // The same requests by the class of their answer, for the portal's chart: the 200s and the plan's 429s.
        assertThat(byClass).as("1xx to 5xx").containsExactly(0, counted[0], 0, counted[1], 0);
        assertThat(node.limits().quotaUsed("sub-orders")).as("quota units: admitted calls only").isEqualTo(counted[0]);
        assertThat(upstream.requests.get()).isEqualTo((int) counted[0]);
    }

    @Test
    void aPageFromAnOriginNoApiAllowsIsToldSoAtItsPreflightWithoutAKey() throws Exception {
        EchoUpstream upstream = upstream("orders", "127.0.0.1", 0, 0);
        ApiDefinition withRule = new ApiDefinition("orders", "orders", "1", null, "/orders", true,
                List.of(new UpstreamTarget(upstream.url(), 1)), "X-API-Key", 1_000, 5_000, "PUBLISHED", null, null, null, null, null,
                new CorsRule(List.of(SHOP), null, 300));
        ApiDefinition withoutRule = api("legacy", null, "/legacy", upstream.url());
        ConfigSnapshot snapshot = ConfigSnapshot.of(1, Instant.now(), List.of(withRule, withoutRule), List.of(PLAN),
                List.of(key("k", KEY, "app", null)),
                List.of(new SubscriptionGrant("sub-orders", "app", "orders", PLAN.id(), null),
                        new SubscriptionGrant("sub-legacy", "app", "legacy", PLAN.id(), null)));
        startNode(snapshot, Map.of("gatehouse.portal.url", PORTAL + "/"));

        for (String path : List.of("/orders/42", "/legacy/42")) {
            HttpResponse<String> refused = call("OPTIONS", path, "Origin", "https://elsewhere.test",
                    "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "x-api-key");
            assertThat(refused.statusCode()).as(path + ": a clear refusal, not authentication's 401").isEqualTo(403);
            assertThat(refused.body()).as(path).contains("\"code\":\"cors_origin_not_allowed\"");
            assertThat(refused.headers().firstValue("Content-Type")).as(path).hasValue("application/json");
            assertThat(refused.headers().firstValue("Access-Control-Allow-Origin")).as(path).isEmpty();
            assertThat(refused.headers().allValues("Vary")).as(path).contains("Origin");
        }
        // The portal's page is allowed on the API without a rule, as on every API.
        HttpResponse<String> portal = call("OPTIONS", "/legacy/42", "Origin", PORTAL, "Access-Control-Request-Method", "GET");
        assertThat(portal.statusCode()).isEqualTo(204);
        assertThat(upstream.requests.get()).as("no preflight reaches an upstream").isZero();

        String status = "http://127.0.0.1:" + node.settings().statusPort() + "/metrics";
        awaitTrue(Duration.ofSeconds(5), "the refusals counted", () -> ScrapeParser.parse(get(status).body())
                .sum("gatehouse_gateway_requests_total", Map.of("code", "cors_origin_not_allowed")) == 2);
        ScrapeParser scrape = ScrapeParser.parse(get(status).body());
        for (ApiDefinition api : List.of(withRule, withoutRule)) {
            assertThat(scrape.value("gatehouse_gateway_requests_total",
                    Map.of("api", api.id(), "api_name", api.name(), "status_class", "4xx", "code", "cors_origin_not_allowed")))
                    .as(api.id()).isEqualTo(1);
        }
        assertThat(scrape.sum("gatehouse_gateway_requests_total", Map.of("code", "missing_api_key"))).isZero();
        assertThat(node.limits().drainUsage()).as("a refused preflight is no call of anyone's").isEmpty();
    }
}
