package io.gatehouse.gateway;

import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.KeyGrant;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.keys.ApiKeys;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.gatehouse.gateway.RequestBodiesUnderLimitsTest.assertArrivedWhole;
import static io.gatehouse.gateway.RequestBodiesUnderLimitsTest.random;
import static io.gatehouse.gateway.RequestBodiesUnderLimitsTest.trickle;
import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The node on each transport it may run on, through a plan with a rate limit and a quota: the default (auto) takes
 * io_uring where the host offers it, so every other suite runs on that one; these run the same kinds of request on
 * epoll and NIO too. A native transport the host lacks is skipped, not passed.
 */
class TransportTest extends StandaloneGateway {

    @ParameterizedTest
    @EnumSource(value = NodeTransport.class, names = {"IO_URING", "EPOLL", "NIO"})
    void everyKindOfRequestIsAnsweredOnEachTransport(NodeTransport transport) throws Exception {
        try {
            transport.choose();
        } catch (IllegalStateException unavailable) {
            Assumptions.abort(unavailable.getMessage());
            return;
        }
        EchoUpstream echo = upstream("echo", "127.0.0.1", 0, 0);
        int closedPort = freePort();
        String secret = ApiKeys.generate();
        KeyGrant key = key("k1", secret, "app1", null);
        ConfigSnapshot snapshot = ConfigSnapshot.of(1, Instant.now(),
                List.of(api("demo", null, "/demo", echo.url()), api("down", null, "/down", "http://127.0.0.1:" + closedPort)),
                List.of(RequestBodiesUnderLimitsTest.BUSY), List.of(key),
                List.of(new SubscriptionGrant("sub-1", "app1", "demo", RequestBodiesUnderLimitsTest.BUSY.id(), null),
                        new SubscriptionGrant("sub-2", "app1", "down", RequestBodiesUnderLimitsTest.BUSY.id(), null)));
        startNode(snapshot, Map.of("gatehouse.transport", transport.settingValue(), "gatehouse.limits.lease-wait-ms", "3000",
                "gatehouse.max-body-bytes",
                String.valueOf(2 * 1024 * 1024)));
        String base = "http://127.0.0.1:" + node.settings().proxyPort();

        assertThat(node.runningTransport()).as("what Vert.x runs on").isEqualTo(transport.settingValue());
        JsonObject status = new JsonObject(get("http://127.0.0.1:" + node.settings().statusPort() + "/status").body());
        assertThat(status.getString("transport")).isEqualTo(transport.settingValue());

        HttpResponse<String> got = get(base + "/demo/items?page=2", "X-API-Key", secret);
        assertThat(got.statusCode()).as(got.body()).isEqualTo(200);
        assertThat(got.headers().firstValue("RateLimit-Limit")).contains("2000");
        assertThat(new JsonObject(got.body()).getString("query")).isEqualTo("page=2");

        byte[] kib = random(1024);
        byte[] mib = random(1024 * 1024);
        assertArrivedWhole(call(base + "/demo/e", "POST", HttpRequest.BodyPublishers.ofByteArray(kib), secret), kib);
        assertArrivedWhole(call(base + "/demo/e", "PUT", trickle(mib, 16, 0), secret), mib);
        byte[] trickled = random(16 * 1024);
        assertArrivedWhole(call(base + "/demo/e", "POST", trickle(trickled, 4, 150), secret), trickled);

        HttpResponse<String> download = get(base + "/demo/download?bytes=" + (3 * 1024 * 1024 + 7), "X-API-Key", secret);
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body()).hasSize(3 * 1024 * 1024 + 7);

        HttpResponseAssert.error(call(base + "/demo/e", "POST", HttpRequest.BodyPublishers.ofByteArray(random(3 * 1024 * 1024)), secret),
                413, "payload_too_large");
        HttpResponseAssert.error(get(base + "/demo/e", "X-API-Key", "ghk_wrong" + secret.substring(9)), 401, "invalid_api_key");
        HttpResponseAssert.error(call(base + "/down/e", "POST", HttpRequest.BodyPublishers.ofByteArray(kib), secret), 502,
                "upstream_unavailable");

        HttpResponse<String> after = get(base + "/demo/still", "X-API-Key", secret);
        assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
    }

    static HttpResponse<String> call(String url, String method, HttpRequest.BodyPublisher body, String key) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).method(method, body).header("X-API-Key", key)
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
