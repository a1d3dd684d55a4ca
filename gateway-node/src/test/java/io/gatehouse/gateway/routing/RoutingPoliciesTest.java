package io.gatehouse.gateway.routing;

import io.gatehouse.gateway.TestSupport;
import io.gatehouse.gateway.config.ActiveConfig;
import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.GatewayError;
import io.gatehouse.gateway.proxy.TestExchange;
import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.LoadBalancing;
import io.gatehouse.protocol.config.UpstreamPolicy;
import io.gatehouse.protocol.config.UpstreamTarget;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The route, upstream admission and balancing policies, one at a time on test exchanges. */
class RoutingPoliciesTest {

    static ApiDefinition api(String id, String host, String basePath, UpstreamPolicy policy, String... urls) {
        return new ApiDefinition(id, id, "1", host, basePath, true, java.util.Arrays.stream(urls).map(u -> new UpstreamTarget(u, 1)).toList(),
                "X-API-Key", 1_000, 5_000, "PUBLISHED", policy, null, null);
    }

    static ActiveConfig config(ApiDefinition... apis) {
        return ActiveConfig.compile(TestSupport.snapshot(1, List.of(apis), List.of(), List.of()));
    }

    // ---- route ----

    @Test
    void theRoutePolicyFindsTheApiByHostAndLongestPrefix() {
        ActiveConfig config = config(api("any", null, "/orders", null, "http://127.0.0.1:9"),
                api("deep", null, "/orders/archive", null, "http://127.0.0.1:9"),
                api("hosted", "shop.example", "/orders", null, "http://127.0.0.1:9"));
        RoutePolicy route = new RoutePolicy(new RoutePolicy.Config());
        String[][] cases = {
                {"/orders/1", "api.example", "any"},
                {"/orders/archive/1", "api.example", "deep"},
                {"/orders/1", "shop.example", "hosted"},
        };
        for (String[] c : cases) {
            TestExchange t = new TestExchange(config, HttpMethod.GET, c[0], "Host", c[1]);
            Exchange exchange = t.exchange(route);
            exchange.next();
            assertThat(t.passed()).isTrue();
            assertThat(exchange.route().apiId()).as(c[1] + c[0]).isEqualTo(c[2]);
        }
        TestExchange nowhere = new TestExchange(config, HttpMethod.GET, "/orders-archive", "Host", "api.example");
        nowhere.exchange(route).next();
        assertThat(nowhere.errorCode()).isEqualTo("no_route");
        // Dot segments never get this far: the request guard refuses them in every spelling (PathNormalizerTest).
    }

    // ---- upstream admission ----

    static final UpstreamPolicy ONE_PENDING = new UpstreamPolicy(LoadBalancing.P2C, 0, 0, null, null, null, 1, null, null, null, null, null, null, null,
            null, null);

    Exchange admitted(ActiveConfig config, TestExchange t, io.gatehouse.gateway.proxy.Policy... after) {
        List<io.gatehouse.gateway.proxy.Policy> chain = new ArrayList<>();
        chain.add(e -> {
            e.routeTo(config.routes().byApiId("svc"));
            e.next();
        });
        chain.add(new UpstreamAdmissionPolicy(new UpstreamAdmissionPolicy.Config()));
        chain.addAll(List.of(after));
        Exchange exchange = t.exchange(chain, new UpstreamOutcome());
        exchange.next();
        return exchange;
    }

    @Test
    void anUpstreamWithAsManyPendingAsAllowedIsNotSentMore() {
        ActiveConfig config = config(api("svc", null, "/svc", ONE_PENDING, "http://127.0.0.1:9"));
        TestExchange first = new TestExchange(config, HttpMethod.GET, "/svc/1");
        admitted(config, first);
        assertThat(first.passed()).isTrue();

        TargetState target = config.routes().byApiId("svc").targets()[0];
        target.started();
        TestExchange second = new TestExchange(config, HttpMethod.GET, "/svc/2");
        admitted(config, second);
        assertThat(second.errorCode()).isEqualTo(GatewayError.UPSTREAM_OVERLOADED.code());
        target.finished();
    }

    @Test
    void anOpenCircuitRefusesAndItsTrialIsReleasedWhenTheTrialIsRefusedLater() {
        UpstreamPolicy tripwire = new UpstreamPolicy(LoadBalancing.P2C, 0, 0, null, null, null, null, 50, 3, 10_000, 100, null, null, null, null, null);
        ActiveConfig config = config(api("svc", null, "/svc", tripwire, "http://127.0.0.1:9"));
        Route route = config.routes().byApiId("svc");
        for (int i = 0; i < 3; i++) {
            UpstreamOutcome.attemptEnded(route, route.targets()[0], 502, false);
        }
        assertThat(route.circuitOpen()).isTrue();
        long openedAt = System.nanoTime();
        io.gatehouse.gateway.TestSupport.awaitTrue(Duration.ofSeconds(2), "the open time (100 ms) to pass",
                () -> System.nanoTime() - openedAt > 110_000_000);

        // The trial passes admission, then the plan's limits refuse it: it never reaches the upstream.
        TestExchange trial = new TestExchange(config, HttpMethod.GET, "/svc/1");
        Exchange trialExchange = admitted(config, trial, e -> e.reject(GatewayError.RATE_LIMITED));
        assertThat(trialExchange.circuitTrial()).as("released at completion").isFalse();

        TestExchange next = new TestExchange(config, HttpMethod.GET, "/svc/2");
        Exchange nextExchange = admitted(config, next);
        assertThat(next.passed()).as("the next request is let through as the trial").isTrue();
        assertThat(nextExchange.circuitTrial()).isTrue();

        TestExchange meanwhile = new TestExchange(config, HttpMethod.GET, "/svc/3");
        admitted(config, meanwhile);
        assertThat(meanwhile.errorCode()).as("only one trial at a time").isEqualTo("circuit_open");
    }

    @Test
    void aPolicyOutOfRangeIsRefusedWhenTheConfigIsCompiledNamingTheApiAndField() {
        UpstreamPolicy bad = new UpstreamPolicy(LoadBalancing.P2C, 9, null, null, "health", null, 0, null, null, null, null, null, null, null,
                null, null);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> config(api("svc", null, "/svc", bad, "http://127.0.0.1:9")))
                .isInstanceOf(io.gatehouse.gateway.config.InvalidConfigException.class)
                .hasMessageContaining("API svc")
                .hasMessageContaining("upstreamPolicy.retries must be 0 to 5, got 9")
                .hasMessageContaining("upstreamPolicy.probePath must be a path starting with '/'")
                .hasMessageContaining("upstreamPolicy.maxPendingRequests must be 1 to 1000000, got 0");
    }

    // ---- balance ----

    /** After the balancing: the first attempt fails without an answer and is retried, the second is recorded. */
    static io.gatehouse.gateway.proxy.Policy failOnceThenRecord(List<TargetState> chosen, List<Boolean> denied) {
        return e -> {
            chosen.add(e.upstream());
            if (e.attempts() == 0) {
                e.attemptStarted();
                e.attemptFailed();
                e.endAttempt();
                e.retry();
            } else {
                denied.add(e.retryDenied());
            }
        };
    }

    Exchange balanced(ActiveConfig config, List<TargetState> chosen, List<Boolean> denied) {
        TestExchange t = new TestExchange(config, HttpMethod.GET, "/svc/1");
        Exchange exchange = t.exchange(List.of(e -> {
            e.routeTo(config.routes().byApiId("svc"));
            e.next();
        }, new BalancePolicy(new BalancePolicy.Config()), failOnceThenRecord(chosen, denied)), new UpstreamOutcome());
        exchange.next();
        return exchange;
    }

    @Test
    void aRetryGoesBackThroughBalancingToAnotherTarget() {
        ActiveConfig config = config(api("svc", null, "/svc", UpstreamPolicy.of("ROUND_ROBIN", 2, 0, null, null, null),
                "http://127.0.0.1:9", "http://127.0.0.1:10"));
        List<TargetState> chosen = new ArrayList<>();
        List<Boolean> denied = new ArrayList<>();
        balanced(config, chosen, denied);
        assertThat(chosen).hasSize(2);
        assertThat(chosen.get(1)).isNotSameAs(chosen.get(0));
        assertThat(denied).containsExactly(false);
        assertThat(chosen.get(0).outstanding()).as("the failed attempt is no longer in flight").isZero();
    }

    @Test
    void aRetryWithNowhereElseToGoIsDenied() {
        ActiveConfig config = config(api("svc", null, "/svc", UpstreamPolicy.of("P2C", 2, 0, null, null, null), "http://127.0.0.1:9"));
        List<TargetState> chosen = new ArrayList<>();
        List<Boolean> denied = new ArrayList<>();
        balanced(config, chosen, denied);
        assertThat(denied).containsExactly(true);
    }
}
