package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.EchoUpstream;
import io.gatehouse.gateway.TestSupport;
import io.gatehouse.gateway.config.ActiveConfig;
import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.ShadowRule;
import io.gatehouse.protocol.config.UpstreamTarget;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Mirroring on test exchanges, to a real shadow upstream. */
class ShadowPolicyTest {
    final Vertx vertx = Vertx.vertx();
    final HttpClient client = vertx.createHttpClient();

    @AfterEach
    void close() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    static ActiveConfig config(String shadowUrl) {
        ApiDefinition api = new ApiDefinition("a", "a", "1", null, "/a", true, List.of(new UpstreamTarget("http://127.0.0.1:9", 1)), "X-API-Key",
                1_000, 5_000, "PUBLISHED", null, null, new ShadowRule(shadowUrl, 100, 4));
        return ActiveConfig.compile(TestSupport.snapshot(1, List.of(api), List.of(), List.of()));
    }

    void run(TestExchange t) {
        Exchange exchange = t.exchange(List.of(e -> {
            e.routeTo(t.config.routes().byApiId("a"));
            e.sendTo(e.route().targets()[0]);
            e.next();
        }, new ShadowPolicy(new ShadowPolicy.Config(1_024), client)));
        vertx.runOnContext(v -> exchange.next());
    }

    @Test
    void aSampledRequestIsCopiedToTheShadowAndGoesOnWithoutWaitingForIt() throws Exception {
        try (EchoUpstream shadow = new EchoUpstream("shadow")) {
            TestExchange t = new TestExchange(config(shadow.url()), HttpMethod.GET, "/a/x?q=1");
            run(t);
            TestSupport.awaitTrue(Duration.ofSeconds(5), "the copy to reach the shadow", () -> shadow.requests.get() == 1);
            assertThat(t.passed()).isTrue();
        }
    }

    @Test
    void aStreamedBodyIsNotCopied() throws Exception {
        try (EchoUpstream shadow = new EchoUpstream("shadow")) {
            TestExchange t = new TestExchange(config(shadow.url()), HttpMethod.POST, "/a/x", "Transfer-Encoding", "chunked");
            run(t);
            TestSupport.awaitTrue(Duration.ofSeconds(5), "the request to go on", t::passed);
            TestExchange large = new TestExchange(config(shadow.url()), HttpMethod.POST, "/a/x", "Content-Length", "4096");
            run(large);
            TestSupport.awaitTrue(Duration.ofSeconds(5), "the request to go on", large::passed);
            // A copy sent now shows the two above were not: the shadow sees exactly one.
            TestExchange sentinel = new TestExchange(config(shadow.url()), HttpMethod.GET, "/a/x");
            run(sentinel);
            TestSupport.awaitTrue(Duration.ofSeconds(5), "the sentinel copy", () -> shadow.requests.get() >= 1);
            assertThat(shadow.requests.get()).isEqualTo(1);
        }
    }
}
