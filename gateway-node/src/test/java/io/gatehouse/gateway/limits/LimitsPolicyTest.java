package io.gatehouse.gateway.limits;

import io.gatehouse.gateway.TestSupport;
import io.gatehouse.gateway.auth.Credential;
import io.gatehouse.gateway.config.ActiveConfig;
import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.GatewayError;
import io.gatehouse.gateway.proxy.Policy;
import io.gatehouse.gateway.proxy.TestExchange;
import io.gatehouse.gateway.routing.UpstreamOutcome;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.keys.ApiKeys;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The limits policy on test exchanges, with standalone leases, on a real event loop (its waits are timers). */
class LimitsPolicyTest {
    static final String KEY = ApiKeys.generate();
    final Vertx vertx = Vertx.vertx();
    final Limits limits = new Limits();

    {
        limits.connect(new LocalLeases(limits));
    }

    @AfterEach
    void close() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    static ActiveConfig config(PlanDefinition plan) {
        return ActiveConfig.compile(ConfigSnapshot.of(1, Instant.now(), List.of(TestSupport.api("a", null, "/a", "http://127.0.0.1:9")),
                List.of(plan), List.of(TestSupport.key("k", KEY, "app", null)),
                List.of(new SubscriptionGrant("sub-a", "app", "a", plan.id(), null))));
    }

    /** Runs route, authentication, the limits policy and then {@code after} on an event loop; waits for completion. */
    Exchange run(TestExchange t, Policy after) throws InterruptedException {
        ActiveConfig config = t.config;
        CountDownLatch done = new CountDownLatch(1);
        Exchange exchange = t.exchange(List.of(e -> {
            e.routeTo(config.routes().byApiId("a"));
            Credential credential = config.keys().lookup(ApiKeys.hash(KEY));
            e.authenticate(credential, credential.subscriptionTo("a"), null);
            e.next();
        }, new LimitsPolicy(new LimitsPolicy.Config(limits, 1_000)), after), new UpstreamOutcome(), new UsageOutcome(limits), e -> done.countDown());
        vertx.runOnContext(v -> exchange.next());
        assertThat(done.await(10, TimeUnit.SECONDS)).as("the exchange completed").isTrue();
        return exchange;
    }

    /** Forwards as the dispatch would: one attempt to the route's target, answered 200. */
    static Policy forward(TestExchange t) {
        return e -> {
            e.sendTo(e.route().targets()[0]);
            e.attemptStarted();
            e.attemptAnswered(200);
            t.answer(200);
        };
    }

    @Test
    void limitHeaderValuesAreTheDecimalDigitsOfTheNumber() {
        for (long n : new long[] {0, 7, 10, 99, 100, 1_234_567_890_123L, Long.MAX_VALUE, -5}) {
            assertThat(LimitsPolicy.digits(n).toString()).isEqualTo(Long.toString(n));
        }
    }

    @Test
    void aRequestWaitingForItsFirstLeasesIsHeldUntilThePoliciesAfterItHaveRun() throws Exception {
        TestExchange t = new TestExchange(config(new PlanDefinition("p", "p", 50L, null, 100_000L, "HARD", "OPEN")), HttpMethod.POST, "/a/x");
        List<String> flowWhenDispatched = new ArrayList<>();
        Policy forward = forward(t);
        run(t, e -> {
            flowWhenDispatched.addAll(t.flow);
            forward.apply(e);
        });
        assertThat(flowWhenDispatched).as("paused while waiting, still paused when the next policy runs").containsExactly("pause");
        // The body is released just after the chain after the limits has run, which the completion may beat.
        TestSupport.awaitTrue(java.time.Duration.ofSeconds(5), "the held body to be released", () -> t.flow.size() >= 2);
        assertThat(t.flow).containsExactly("pause", "resume");
        assertThat(t.status).isEqualTo(200);
        assertThat(limits.quotaUsed("sub-a")).isEqualTo(1);
    }

    @Test
    void aQuotaUnitTakenByARequestRefusedLaterIsGivenBack() throws Exception {
        ActiveConfig config = config(new PlanDefinition("p", "p", null, null, 100_000L, "HARD", "OPEN"));
        TestExchange forwarded = new TestExchange(config, HttpMethod.GET, "/a/x");
        run(forwarded, forward(forwarded));
        assertThat(limits.quotaUsed("sub-a")).isEqualTo(1);

        TestExchange refused = new TestExchange(config, HttpMethod.POST, "/a/x");
        Exchange exchange = run(refused, e -> e.reject(GatewayError.PAYLOAD_TOO_LARGE));
        assertThat(exchange.quotaTaken()).as("a unit was taken").isNotNull();
        assertThat(limits.quotaUsed("sub-a")).as("and given back").isEqualTo(1);

        long admitted = 0;
        long refusedCount = 0;
        for (var record : limits.drainUsage()) {
            admitted += record.admitted();
            refusedCount += record.refused();
        }
        assertThat(admitted).isEqualTo(1);
        assertThat(refusedCount).isEqualTo(1);
    }

    @Test
    void aRequestOverTheRateIsRefusedWithRetryAfter() throws Exception {
        ActiveConfig config = config(new PlanDefinition("p", "p", 5L, 1L, null, "HARD", "OPEN"));
        TestExchange first = new TestExchange(config, HttpMethod.GET, "/a/x");
        run(first, forward(first));
        assertThat(first.status).isEqualTo(200);
        assertThat(first.responseHeaders.get("RateLimit-Limit")).isEqualTo("5");

        TestExchange second = new TestExchange(config, HttpMethod.GET, "/a/x");
        run(second, forward(second));
        assertThat(second.errorCode()).isEqualTo("rate_limited");
        assertThat(second.responseHeaders.get("Retry-After")).isEqualTo("1");
    }
}
