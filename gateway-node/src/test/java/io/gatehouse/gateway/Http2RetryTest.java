package io.gatehouse.gateway;

import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.LoadBalancing;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.config.UpstreamPolicy;
import io.gatehouse.protocol.config.UpstreamTarget;
import io.gatehouse.protocol.keys.ApiKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/2 says a request has no body only by ending the stream with its headers; it carries no Content-Length. Such a
 * request is as repeatable as its HTTP/1.1 twin and is retried the same way, while one whose body streams is not.
 */
class Http2RetryTest {
    static final String KEY = ApiKeys.generate();

    @TempDir
    Path dir;
    EchoUpstream ok;
    EchoUpstream busy;
    TlsGateway gateway;

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) gateway.node().stop();
        if (ok != null) ok.close();
        if (busy != null) busy.close();
    }

    @Test
    void aGetThatEndsWithItsHeadersIsRetriedElsewhereAsOverHttp11() throws Exception {
        ok = new EchoUpstream("ok");
        busy = new EchoUpstream("busy");
        busy.forcedStatus = 503;
        ApiDefinition api = new ApiDefinition("svc", "svc", "1", null, "/svc", true,
                List.of(new UpstreamTarget(ok.url(), 1), new UpstreamTarget(busy.url(), 1)),
                "X-API-Key", 1_000, 5_000, "PUBLISHED",
                // One retry; neither ejection nor the circuit may take the busy target out while the test counts on it.
                new UpstreamPolicy(LoadBalancing.ROUND_ROBIN, 1, 1_000, 60_000, "/", 500, 1_000, 100, 1_000, 60_000, 500,
                        null, null, null, null, null), null, null);
        // A plan with a rate limit and a quota, as users configure them: a request may wait for a lease first.
        PlanDefinition plan = new PlanDefinition("plan-limited", "limited", 1_000L, 100L, 1_000_000L, "HARD", "OPEN");
        gateway = TlsGateway.start(dir, ConfigSnapshot.of(1, java.time.Instant.now(), List.of(api), List.of(plan),
                List.of(key("k", KEY, "app", null)), List.of(new SubscriptionGrant("sub", "app", "svc", plan.id(), null))), Map.of());
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(gateway.trusting())
                .connectTimeout(Duration.ofSeconds(10)).build();
        URI uri = URI.create("https://127.0.0.1:" + gateway.port() + "/svc/item");
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> answer = h2.send(HttpRequest.newBuilder(uri).header("X-API-Key", KEY).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(answer.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(answer.statusCode()).as("GET %d: a 503 from one target is retried on the other", i).isEqualTo(200);
        }
        assertThat(busy.requests.get()).as("round robin tried the busy target too").isGreaterThanOrEqualTo(2);
        assertThat(ok.requests.get()).isEqualTo(6);

        // A body of unknown length streams, and a streamed body is sent once only: its 503 is the answer.
        int refused = 0;
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> answer = h2.send(HttpRequest.newBuilder(uri).header("X-API-Key", KEY).timeout(Duration.ofSeconds(10))
                    .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream("{\"a\":1}".getBytes()))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() == 503) {
                refused++;
            } else {
                assertThat(answer.statusCode()).isEqualTo(200);
                assertThat(answer.body()).contains("{\\\"a\\\":1}");
            }
        }
        assertThat(refused).as("round robin sent half of the streamed PUTs to the busy target").isEqualTo(2);
    }
}
