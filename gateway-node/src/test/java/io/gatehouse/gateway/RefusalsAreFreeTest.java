package io.gatehouse.gateway;

import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.config.LoadBalancing;
import io.gatehouse.protocol.config.UpstreamPolicy;
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
import java.util.concurrent.CompletableFuture;

import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Only requests the gateway forwards upstream cost quota and count as usage: its own refusals (a body over the
 * limit, an open circuit, an overloaded upstream) are free, and counted as refused.
 */
class RefusalsAreFreeTest extends StandaloneGateway {
    static final PlanDefinition PLAN = new PlanDefinition("plan-metered", "metered", 1_000L, 100L, 100_000L, "HARD", "OPEN");
    static final String KEY = ApiKeys.generate();

    static ApiDefinition api(String id, EchoUpstream upstream, UpstreamPolicy policy) {
        return new ApiDefinition(id, id, "1", null, "/" + id, true, List.of(new UpstreamTarget(upstream.url(), 1)), "X-API-Key",
                1_000, 5_000, "PUBLISHED", policy, null, null);
    }

    static String subscription(String apiId) {
        return "sub-" + apiId;
    }

    void start(ApiDefinition... apis) throws Exception {
        List<SubscriptionGrant> subscriptions = java.util.Arrays.stream(apis)
                .map(a -> new SubscriptionGrant(subscription(a.id()), "app", a.id(), PLAN.id(), null)).toList();
        ConfigSnapshot snapshot = ConfigSnapshot.of(1, Instant.now(), List.of(apis), List.of(PLAN), List.of(key("k", KEY, "app", null)),
                subscriptions);
        startNode(snapshot, Map.of("gatehouse.max-body-bytes", String.valueOf(64 * 1024)));
    }

    HttpResponse<String> call(String method, String path, HttpRequest.BodyPublisher body) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.settings().proxyPort() + path)).method(method, body),
                "X-API-Key", KEY);
    }

    final Map<String, long[]> counted = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Usage counted so far for one subscription: admitted, refused. Usage is counted when an exchange completes,
     * which is just after its answer is written: it waits for the expected admitted count, then a moment after it a
     * forwarded request (a sentinel) must be counted too, so a late count of the requests before it would be seen.
     */
    long[] usage(String apiId, long admitted) {
        awaitTrue(Duration.ofSeconds(5), "usage of " + apiId + " to be counted", () -> drain(apiId)[0] >= admitted);
        return drain(apiId).clone();
    }

    long[] drain(String apiId) {
        long[] total = counted.computeIfAbsent(apiId, id -> new long[2]);
        for (UsageRecord record : node.limits().drainUsage()) {
            long[] into = counted.computeIfAbsent(record.apiId(), id -> new long[2]);
            into[0] += record.admitted();
            into[1] += record.refused();
        }
        return total;
    }

    /** A forwarded request after the ones under test, whose counting shows theirs is done. */
    void sentinel(String apiId, long admittedBefore) {
        assertThat(call("GET", "/" + apiId + "/sentinel", HttpRequest.BodyPublishers.noBody()).statusCode()).isLessThan(503);
        usage(apiId, admittedBefore + 1);
    }

    long quotaUsed(String apiId) {
        return node.limits().quotaUsed(subscription(apiId));
    }

    @Test
    void aBodyOverTheLimitCostsNoQuotaWhetherAnnouncedOrFoundMidStream() throws Exception {
        start(api("upload", upstream("u", "127.0.0.1", 0, 0), null));
        assertThat(call("POST", "/upload/x", HttpRequest.BodyPublishers.ofString("{}")).statusCode()).isEqualTo(200);
        assertThat(usage("upload", 1)).containsExactly(1, 0);
        assertThat(quotaUsed("upload")).isEqualTo(1);

        byte[] tooLarge = new byte[100 * 1024];
        HttpResponse<String> announced = call("POST", "/upload/x", HttpRequest.BodyPublishers.ofByteArray(tooLarge));
        assertThat(announced.statusCode()).isEqualTo(413);
        HttpResponse<String> midStream = call("POST", "/upload/x",
                HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(tooLarge)));
        assertThat(midStream.statusCode()).isEqualTo(413);

        sentinel("upload", 1);
        assertThat(quotaUsed("upload")).as("quota units used: the first request and the sentinel").isEqualTo(2);
        assertThat(usage("upload", 2)).as("admitted, refused").containsExactly(2, 2);
    }

    @Test
    void anOpenCircuitCostsNoQuota() throws Exception {
        EchoUpstream failing = upstream("f", "127.0.0.1", 0, 0);
        failing.forcedStatus = 500;
        start(api("flaky", failing, new UpstreamPolicy(LoadBalancing.P2C, 0, 0, null, null, null, null, 50, 3, 10_000, 60_000, null, null, null, null, null)));
        for (int i = 0; i < 3; i++) {
            assertThat(call("GET", "/flaky/x", HttpRequest.BodyPublishers.noBody()).statusCode()).isEqualTo(500);
        }
        assertThat(usage("flaky", 3)).as("answers of a failing upstream were forwarded").containsExactly(3, 0);
        long used = quotaUsed("flaky");
        assertThat(used).isEqualTo(3);

        HttpResponse<String> refused = call("GET", "/flaky/x", HttpRequest.BodyPublishers.noBody());
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.body()).contains("circuit_open");

        awaitTrue(Duration.ofSeconds(5), "the refusal to be counted", () -> drain("flaky")[1] == 1);
        assertThat(quotaUsed("flaky")).isEqualTo(used);
        assertThat(usage("flaky", 3)).containsExactly(3, 1);
    }

    @Test
    void anOverloadedUpstreamCostsNoQuota() throws Exception {
        EchoUpstream slow = upstream("s", "127.0.0.1", 0, 0);
        start(api("busy", slow, new UpstreamPolicy(LoadBalancing.P2C, 0, null, null, null, null, 1, null, null, null, null, null, null, null, null, null)));
        assertThat(call("GET", "/busy/x", HttpRequest.BodyPublishers.noBody()).statusCode()).isEqualTo(200);
        usage("busy", 1);
        long used = quotaUsed("busy");

        CompletableFuture<HttpResponse<String>> holding = CompletableFuture.supplyAsync(
                () -> call("GET", "/busy/slow?ms=3000", HttpRequest.BodyPublishers.noBody()));
        awaitTrue(Duration.ofSeconds(5), "the slow request to reach the upstream", () -> slow.inFlight.get() == 1);
        HttpResponse<String> refused = call("POST", "/busy/x", HttpRequest.BodyPublishers.ofString("{\"a\":1}"));
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.body()).contains("upstream_overloaded");
        assertThat(holding.join().statusCode()).isEqualTo(200);

        sentinel("busy", 2);
        assertThat(quotaUsed("busy")).as("only the slow request and the sentinel used a unit").isEqualTo(used + 2);
        assertThat(usage("busy", 3)).containsExactly(3, 1);
    }

    @Test
    void aKeySuspendedForPaymentIsRefusedWith402AndCostsNoQuota() throws Exception {
        String suspended = ApiKeys.generate();
        ApiDefinition api = api("paid", upstream("p", "127.0.0.1", 0, 0), null);
        ConfigSnapshot snapshot = ConfigSnapshot.of(1, Instant.now(), List.of(api), List.of(PLAN),
                List.of(key("k", KEY, "app", null),
                        new io.gatehouse.protocol.config.KeyGrant("k-suspended", ApiKeys.hash(suspended), "app", "consumer-of-app", null,
                                "payment_failed")),
                List.of(new SubscriptionGrant(subscription("paid"), "app", "paid", PLAN.id(), null)));
        startNode(snapshot, Map.of());

        for (int i = 0; i < 3; i++) {
            HttpResponse<String> refused = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.settings().proxyPort() + "/paid/x"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"order\":1}")), "X-API-Key", suspended);
            HttpResponseAssert.error(refused, 402, "payment_required");
            assertThat(refused.body()).as("no portal link when the node is not told the portal's URL").doesNotContain("portal");
        }
        awaitTrue(Duration.ofSeconds(5), "the refusals to be counted", () -> drain("paid")[1] == 3);
        assertThat(quotaUsed("paid")).as("quota units used by refused requests").isZero();

        sentinel("paid", 0);
        assertThat(quotaUsed("paid")).isEqualTo(1);
        assertThat(usage("paid", 1)).as("admitted, refused").containsExactly(1, 3);
    }
}
