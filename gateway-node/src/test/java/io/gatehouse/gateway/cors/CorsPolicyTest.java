package io.gatehouse.gateway.cors;

import io.gatehouse.gateway.TestSupport;
import io.gatehouse.gateway.config.ActiveConfig;
import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.Policy;
import io.gatehouse.gateway.proxy.TestExchange;
import io.gatehouse.gateway.routing.RoutePolicy;
import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.ApiOperation;
import io.gatehouse.protocol.config.CorsRule;
import io.gatehouse.protocol.config.UpstreamTarget;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The CORS policy after routing, on test exchanges: who gets an answer from the gateway, and which headers. */
class CorsPolicyTest {
    static final String PORTAL = "https://portal.example.com";
    static final String SHOP = "https://shop.example.com";

    static ApiDefinition api(String id, CorsRule cors, List<ApiOperation> operations) {
        return new ApiDefinition(id, id, "1", null, "/" + id, true, List.of(new UpstreamTarget("http://127.0.0.1:9", 1)), "X-Orders-Key",
                1_000, 5_000, "PUBLISHED", null, null, null, operations, null, cors);
    }

    static final ActiveConfig CONFIG = ActiveConfig.compile(TestSupport.snapshot(1, List.of(
            api("open", null, null),
            api("shop", new CorsRule(List.of(SHOP), List.of("X-Trace"), 120), null),
            api("documented", new CorsRule(List.of(SHOP), null, null),
                    List.of(new ApiOperation("GET", "/orders/{id}"), new ApiOperation("PUT", "/orders/{id}")))),
            List.of(), List.of()));

    static List<Policy> chain() {
        return List.of(new RoutePolicy(new RoutePolicy.Config()), new CorsPolicy(CorsPolicy.Config.forPortal(PORTAL + "/portal")));
    }

    static TestExchange run(HttpMethod method, String path, String... headers) {
        TestExchange t = new TestExchange(CONFIG, method, path, headers);
        Exchange exchange = t.exchange(chain());
        exchange.next();
        return t;
    }

    @Test
    void thePortalsPreflightIsAnsweredForEveryApiWithoutGoingFurther() {
        TestExchange t = run(HttpMethod.OPTIONS, "/open/orders", "Origin", PORTAL, "Access-Control-Request-Method", "POST",
                "Access-Control-Request-Headers", "x-orders-key, content-type");
        assertThat(t.passed()).as("a preflight never reaches authentication or the upstream").isFalse();
        assertThat(t.ended).isTrue();
        assertThat(t.status).isEqualTo(204);
        assertThat(t.responseHeaders.get("Access-Control-Allow-Origin")).isEqualTo(PORTAL);
        assertThat(t.responseHeaders.get("Access-Control-Allow-Methods")).isEqualTo("POST");
        assertThat(t.responseHeaders.get("Access-Control-Allow-Headers")).contains("X-Orders-Key", "Content-Type", "Authorization");
        assertThat(t.responseHeaders.get("Access-Control-Max-Age")).isEqualTo("600");
        assertThat(t.responseHeaders.get("Vary")).isEqualTo("Origin");
        assertThat(t.responseHeaders.get("Access-Control-Allow-Credentials")).isNull();
    }

    @Test
    void anAllowedOriginsPreflightGetsTheDocumentedMethodsAndTheOwnersHeaders() {
        TestExchange listed = run(HttpMethod.OPTIONS, "/shop/x", "Origin", SHOP, "Access-Control-Request-Method", "DELETE");
        assertThat(listed.status).isEqualTo(204);
        assertThat(listed.responseHeaders.get("Access-Control-Allow-Origin")).isEqualTo(SHOP);
        assertThat(listed.responseHeaders.get("Access-Control-Allow-Headers")).endsWith(", X-Trace");
        assertThat(listed.responseHeaders.get("Access-Control-Max-Age")).isEqualTo("120");

        TestExchange documented = run(HttpMethod.OPTIONS, "/documented/orders/7", "Origin", SHOP, "Access-Control-Request-Method", "PUT");
        assertThat(documented.status).isEqualTo(204);
        assertThat(documented.responseHeaders.get("Access-Control-Allow-Methods")).contains("GET", "PUT").doesNotContain("POST");

        TestExchange undocumented = run(HttpMethod.OPTIONS, "/documented/orders/7", "Origin", SHOP, "Access-Control-Request-Method", "POST");
        assertThat(undocumented.errorCode()).as("routing judges the method the page will send").isEqualTo("method_not_allowed");
    }

    @Test
    void anOriginTheOwnerDidNotListGetsA403PreflightAndNoCorsHeaders() {
        TestExchange t = run(HttpMethod.OPTIONS, "/shop/x", "Origin", "https://evil.example", "Access-Control-Request-Method", "GET");
        assertThat(t.passed()).isFalse();
        assertThat(t.status).isEqualTo(403);
        assertThat(t.errorCode()).isEqualTo("cors_origin_not_allowed");
        assertThat(t.responseHeaders.get("Access-Control-Allow-Origin")).isNull();

        TestExchange actual = run(HttpMethod.GET, "/shop/x", "Origin", "https://evil.example");
        assertThat(actual.passed()).as("the request itself goes on: the browser, not the gateway, withholds the answer").isTrue();
        assertThat(actual.responseHeaders.get("Access-Control-Allow-Origin")).isNull();
        assertThat(actual.responseHeaders.get("Vary")).isEqualTo("Origin");
    }

    @Test
    void anApiWithoutARuleRefusesAForeignOriginsPreflightAsAnApiWithOneDoes() {
        for (String path : List.of("/open/x", "/shop/x")) {
            TestExchange t = run(HttpMethod.OPTIONS, path, "Origin", "https://evil.example", "Access-Control-Request-Method", "GET");
            assertThat(t.passed()).as(path + ": never on to authentication, which would answer 401 missing_api_key").isFalse();
            assertThat(t.status).as(path).isEqualTo(403);
            assertThat(t.errorCode()).as(path).isEqualTo("cors_origin_not_allowed");
            assertThat(t.responseHeaders.get("Access-Control-Allow-Origin")).as(path).isNull();
            assertThat(t.responseHeaders.get("Vary")).as(path).isEqualTo("Origin");
        }
        // An OPTIONS without Access-Control-Request-Method is no preflight: it is an ordinary request for the API.
        TestExchange plainOptions = run(HttpMethod.OPTIONS, "/open/x", "Origin", "https://evil.example");
        assertThat(plainOptions.passed()).isTrue();
    }

    @Test
    void anAllowedPagesRequestGoesOnWithItsOriginEchoedAndTheLimitHeadersExposed() {
        TestExchange t = run(HttpMethod.POST, "/shop/orders", "Origin", SHOP);
        assertThat(t.passed()).isTrue();
        assertThat(t.responseHeaders.get("Access-Control-Allow-Origin")).isEqualTo(SHOP);
        assertThat(t.responseHeaders.get("Vary")).isEqualTo("Origin");
        assertThat(t.responseHeaders.get("Access-Control-Expose-Headers")).contains("RateLimit-Remaining", "Retry-After", "X-Quota-Remaining", "X-Request-Id");

        TestExchange noOrigin = run(HttpMethod.GET, "/open/orders");
        assertThat(noOrigin.passed()).isTrue();
        assertThat(noOrigin.responseHeaders.names()).noneMatch(n -> n.toLowerCase().startsWith("access-control-"));
    }

    @Test
    void aRuleWithProblemsIsRefusedWithTheSnapshot() {
        assertThat(new CorsRule(List.of("https://Shop.example.com", "https://shop.example.com/path", "ftp://x", "*", "http://a:8080"),
                List.of("X Bad"), 100_000).problems())
                .hasSize(5)
                .anyMatch(p -> p.contains("Shop.example.com"))
                .anyMatch(p -> p.contains("/path"))
                .anyMatch(p -> p.contains("ftp://x"))
                .anyMatch(p -> p.contains("X Bad"))
                .anyMatch(p -> p.contains("maxAgeSeconds"));
        assertThat(api("bad", new CorsRule(List.of("shop.example.com"), null, null), null).problems()).singleElement()
                .asString().startsWith("cors.allowedOrigins");
        assertThat(CorsRule.originOf("http://127.0.0.1:8080/portal/apis")).isEqualTo("http://127.0.0.1:8080");
        assertThat(CorsRule.originOf("https://Portal.Example.com:443/")).isEqualTo("https://portal.example.com");
    }
}
