package io.gatehouse.gateway;

import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.KeyGrant;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.keys.ApiKeys;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request whose upstream request refuses one of its headers as it is written. The request guard refuses every
 * client value that would be (HTTP/2 tests), so what is left is a value of the gateway's own making: here a consumer
 * id with a control character, as a hand-written snapshot could carry. The request is answered 500 on the buffered
 * and on the streamed path, never left hanging, and is not held against the upstream, which never saw it.
 */
class UnsendableRequestTest extends StandaloneGateway {
    static final String ODD = ApiKeys.generate();
    static final String FINE = ApiKeys.generate();

    /** A plan with a rate limit and a quota: the request is admitted (and may wait for a lease) before it is written. */
    static ConfigSnapshot config(EchoUpstream echo) {
        PlanDefinition plan = new PlanDefinition("plan-limited", "limited", 1_000L, 100L, 1_000_000L, "HARD", "OPEN");
        return ConfigSnapshot.of(1, java.time.Instant.now(), List.of(api("echo", null, "/echo", echo.url())), List.of(plan),
                List.of(new KeyGrant("k-odd", ApiKeys.hash(ODD), "app-odd", "consumer\u0001odd", null), key("k-fine", FINE, "app-fine", null)),
                List.of(new SubscriptionGrant("sub-odd", "app-odd", "echo", plan.id(), null),
                        new SubscriptionGrant("sub-fine", "app-fine", "echo", plan.id(), null)));
    }

    static HttpRequest streamedPost(String url, String key) {
        // No Content-Length: the body streams.
        return HttpRequest.newBuilder(URI.create(url)).header("X-API-Key", key).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream("hello".getBytes()))).build();
    }

    @Test
    void aHeaderTheUpstreamRequestRefusesGets500AndLeavesTheUpstreamsHealthAlone() throws Exception {
        EchoUpstream echo = upstream("echo", "127.0.0.1", 0, 0);
        startNode(config(echo), Map.of());
        String base = "http://127.0.0.1:" + node.settings().proxyPort() + "/echo";
        for (int i = 0; i < 30; i++) {
            HttpResponse<String> buffered = get(base + "/get", "X-API-Key", ODD);
            assertThat(buffered.statusCode()).as("GET %d", i).isEqualTo(500);
            assertThat(new JsonObject(buffered.body()).getString("code")).isEqualTo("internal_error");
            HttpResponse<String> streamed = HTTP.send(streamedPost(base + "/post", ODD), HttpResponse.BodyHandlers.ofString());
            assertThat(streamed.statusCode()).as("streamed POST %d", i).isEqualTo(500);
        }
        assertThat(echo.requests.get()).as("nothing was sent").isZero();
        // Sixty failures of the gateway's own opened no circuit and marked nothing unhealthy.
        HttpResponse<String> fine = get(base + "/get", "X-API-Key", FINE);
        assertThat(fine.statusCode()).isEqualTo(200);
        assertThat(echo.requests.get()).isEqualTo(1);
    }

    /** The same over HTTP/2, where a request's body is paused and resumed per stream and a GET has no body at all. */
    @Test
    void overHttp2TooEveryRequestIsAnswered500AndTheNextClientIsServed() throws Exception {
        EchoUpstream echo = upstream("echo", "127.0.0.1", 0, 0);
        TlsGateway gateway = TlsGateway.start(dir.resolve("h2"), config(echo), Map.of());
        try {
            java.net.http.HttpClient h2 = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_2)
                    .sslContext(gateway.trusting()).connectTimeout(Duration.ofSeconds(10)).build();
            String base = "https://127.0.0.1:" + gateway.port() + "/echo";
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> plain = h2.send(HttpRequest.newBuilder(URI.create(base + "/get")).header("X-API-Key", ODD)
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(plain.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_2);
                assertThat(plain.statusCode()).as("GET %d", i).isEqualTo(500);
                HttpResponse<String> streamed = h2.send(streamedPost(base + "/post", ODD), HttpResponse.BodyHandlers.ofString());
                assertThat(streamed.statusCode()).as("streamed POST %d", i).isEqualTo(500);
            }
            assertThat(echo.requests.get()).as("nothing was sent").isZero();
            HttpResponse<String> fine = h2.send(streamedPost(base + "/post", FINE), HttpResponse.BodyHandlers.ofString());
            assertThat(fine.statusCode()).isEqualTo(200);
            assertThat(new JsonObject(fine.body()).getString("body")).isEqualTo("hello");
        } finally {
            gateway.node().stop();
        }
    }
}
