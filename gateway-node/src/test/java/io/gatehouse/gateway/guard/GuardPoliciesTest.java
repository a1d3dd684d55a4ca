package io.gatehouse.gateway.guard;

import io.gatehouse.gateway.TestSupport;
import io.gatehouse.gateway.auth.Credential;
import io.gatehouse.gateway.config.ActiveConfig;
import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.Policy;
import io.gatehouse.gateway.proxy.TestExchange;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.gatehouse.gateway.TestSupport.api;
import static org.assertj.core.api.Assertions.assertThat;

/** The request guard and the per-consumer pending cap, each on a test exchange: no server, no sockets. */
class GuardPoliciesTest {
    private final Vertx vertx = Vertx.vertx();
    private final ActiveConfig config = ActiveConfig.compile(TestSupport.snapshot(1,
            List.of(api("demo", null, "/demo", "http://127.0.0.1:9")), List.of(), List.of()));

    @AfterEach
    void close() {
        vertx.close();
    }

    private final RequestGuardPolicy guard = new RequestGuardPolicy(new RequestGuardPolicy.Config(TrustedProxies.parse(List.of())));

    @Test
    void theGuardHandsOnTheNormalFormAndRefusesDotSegmentsInAnySpelling() {
        TestExchange messy = new TestExchange(config, HttpMethod.GET, "//demo///%7Euser/a", "Host", "127.0.0.1");
        Exchange exchange = messy.exchange(guard);
        exchange.next();
        assertThat(messy.passed()).isTrue();
        assertThat(exchange.path()).isEqualTo("/demo/~user/a");

        for (String climbing : List.of("/demo/%2e%2e/secret", "/demo/%2E%2E/x", "/demo/..;/secret", "/demo/./x")) {
            TestExchange t = new TestExchange(config, HttpMethod.GET, climbing, "Host", "127.0.0.1");
            t.exchange(guard).next();
            assertThat(t.passed()).as(climbing).isFalse();
            assertThat(t.errorCode()).as(climbing).isEqualTo("bad_request");
        }
        TestExchange slash = new TestExchange(config, HttpMethod.GET, "/demo/a%2Fb", "Host", "127.0.0.1");
        slash.exchange(guard).next();
        assertThat(slash.errorCode()).as("an encoded slash, refused by default").isEqualTo("bad_request");
    }

    @Test
    void aConsumerHoldsItsSlotUntilCompletionAndOthersAreNotCounted() {
        NodeGuard node = NodeGuard.of(vertx);
        ConsumerPendingPolicy pending = new ConsumerPendingPolicy(new ConsumerPendingPolicy.Config(1, node));
        TestExchange first = new TestExchange(config, HttpMethod.PUT, "/demo/upload");
        first.exchange(List.of(as("consumer-a"), pending), ConsumerPendingPolicy.RELEASE).next();
        assertThat(first.passed()).isTrue();
        assertThat(node.pendingOf("consumer-a")).isEqualTo(1);

        TestExchange second = new TestExchange(config, HttpMethod.GET, "/demo/x");
        second.exchange(List.of(as("consumer-a"), pending), ConsumerPendingPolicy.RELEASE).next();
        assertThat(second.errorCode()).isEqualTo("too_many_pending");
        assertThat(second.status).isEqualTo(429);
        TestExchange other = new TestExchange(config, HttpMethod.GET, "/demo/x");
        other.exchange(List.of(as("consumer-b"), pending), ConsumerPendingPolicy.RELEASE).next();
        assertThat(other.passed()).as("another consumer is not held back").isTrue();
        assertThat(node.pendingOf("consumer-a")).as("a refusal holds no slot").isEqualTo(1);

        first.closeConnection(); // the upload's client leaves: completion gives the slot back, once
        first.closeConnection();
        assertThat(node.pendingOf("consumer-a")).isZero();
        TestExchange third = new TestExchange(config, HttpMethod.GET, "/demo/x");
        third.exchange(List.of(as("consumer-a"), pending), ConsumerPendingPolicy.RELEASE).next();
        assertThat(third.passed()).isTrue();
        third.answer(200);
        assertThat(node.pendingOf("consumer-a")).isZero();
    }

    private static Policy as(String consumerId) {
        return exchange -> {
            exchange.authenticate(Credential.of("app-" + consumerId, consumerId, Map.of()), null, null);
            exchange.next();
        };
    }
}
