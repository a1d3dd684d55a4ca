package io.gatehouse.gateway;

import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.ApiOperation;
import io.gatehouse.protocol.keys.ApiKeys;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/** An API published from its OpenAPI document: the gateway routes its documented operations and nothing else. */
class DocumentedRoutesTest extends StandaloneGateway {
    static final String KEY = ApiKeys.generate();

    @Test
    void onlyDocumentedOperationsReachTheUpstream() throws Exception {
        EchoUpstream shop = upstream("shop", "127.0.0.1", 0, 0);
        // A generous read timeout: this test is about routing, not about a slow machine's upstream.
        ApiDefinition documented = withReadTimeout(api("orders", null, "/shop", shop.url()), 30_000).withOperations(List.of(
                new ApiOperation("GET", "/orders"), new ApiOperation("POST", "/orders"), new ApiOperation("GET", "/orders/{id}"),
                new ApiOperation("GET", "/orders/summary")));
        ApiDefinition passThrough = withReadTimeout(api("legacy", null, "/legacy", shop.url()), 30_000);
        startNode(snapshot(1, List.of(documented, passThrough), List.of(key("k1", KEY, "app-1", null)),
                List.of(subscription("app-1", "orders"), subscription("app-1", "legacy"))), Map.of());
        String base = "http://127.0.0.1:" + node.settings().proxyPort();

        HttpResponse<String> order = get(base + "/shop/orders/42?expand=items", "X-API-Key", KEY);
        assertThat(order.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(order.body()).getString("path")).isEqualTo("/orders/42");
        HttpResponse<String> placed = send(HttpRequest.newBuilder(URI.create(base + "/shop/orders"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"sku\":\"a\"}")), "X-API-Key", KEY, "Content-Type", "application/json");
        assertThat(placed.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(placed.body()).getString("body")).isEqualTo("{\"sku\":\"a\"}");
        int reached = shop.requests.get();

        HttpResponse<String> undocumented = get(base + "/shop/admin/users", "X-API-Key", KEY);
        assertThat(undocumented.statusCode()).isEqualTo(404);
        assertThat(new JsonObject(undocumented.body()).getString("code")).isEqualTo("no_route");

        HttpResponse<String> wrongMethod = send(HttpRequest.newBuilder(URI.create(base + "/shop/orders/42"))
                .DELETE(), "X-API-Key", KEY);
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(new JsonObject(wrongMethod.body()).getString("code")).isEqualTo("method_not_allowed");
        assertThat(wrongMethod.headers().firstValue("Allow")).contains("GET, HEAD");
        assertThat(send(HttpRequest.newBuilder(URI.create(base + "/shop/orders")).PUT(HttpRequest.BodyPublishers.ofString("x")),
                "X-API-Key", KEY).headers().firstValue("Allow")).contains("GET, HEAD, POST");
        assertThat(shop.requests.get()).as("refused requests never reach the upstream").isEqualTo(reached);

        assertThat(get(base + "/legacy/anything/at/all", "X-API-Key", KEY).statusCode())
                .as("an API without operations passes every path").isEqualTo(200);
    }
}
