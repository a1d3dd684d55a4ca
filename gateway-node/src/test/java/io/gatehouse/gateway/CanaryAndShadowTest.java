package io.gatehouse.gateway;

import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.CanaryRule;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.KeyGrant;
import io.gatehouse.protocol.config.ShadowRule;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.config.UpstreamTarget;
import io.gatehouse.protocol.keys.ApiKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Canary releases and shadow traffic, through a real gateway to real upstreams. */
class CanaryAndShadowTest extends StandaloneGateway {

    EchoUpstream upstream(String name, long delayMs) throws Exception {
        return upstream(name, "127.0.0.1", 0, delayMs);
    }

    static ApiDefinition api(String id, String basePath, String url, CanaryRule canary, ShadowRule shadow) {
        return new ApiDefinition(id, id, "1", null, basePath, true, List.of(new UpstreamTarget(url, 1)), "X-API-Key", 1_000, 5_000,
                "PUBLISHED", null, canary, shadow);
    }

    void start(List<ApiDefinition> apis, List<KeyGrant> keys, List<SubscriptionGrant> subscriptions) throws Exception {
        startNode(snapshot(1, apis, keys, subscriptions), Map.of());
    }

    HttpResponse<String> get(String path, String key, String... headers) {
        String[] all = Arrays.copyOf(new String[] {"X-API-Key", key}, 2 + headers.length);
        System.arraycopy(headers, 0, all, 2, headers.length);
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.settings().proxyPort() + path)).GET(), all);
    }

    @Test
    void aTenPercentCanaryIsStickyPerConsumerAndTheHeaderRuleWins() throws Exception {
        EchoUpstream stable = upstream("stable", 0);
        EchoUpstream canary = upstream("canary", 0);
        int consumers = 500;
        List<String> keys = new ArrayList<>();
        List<KeyGrant> grants = new ArrayList<>();
        List<SubscriptionGrant> subscriptions = new ArrayList<>();
        for (int i = 0; i < consumers; i++) {
            String key = ApiKeys.generate();
            keys.add(key);
            grants.add(new KeyGrant("key-" + i, ApiKeys.hash(key), "app-" + i, "consumer-" + i, null));
            subscriptions.add(subscription("app-" + i, "shop"));
        }
        CanaryRule rule = new CanaryRule(List.of(new UpstreamTarget(canary.url(), 1)), 10, "X-Beta", "true", null, null);
        start(List.of(api("shop", "/shop", stable.url(), rule, null)), grants, subscriptions);

        Map<Integer, Set<String>> seen = new ConcurrentHashMap<>();
        ExecutorService clients = Executors.newFixedThreadPool(8);
        List<Future<?>> all = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int thread = t;
            all.add(clients.submit(() -> {
                for (int round = 0; round < 20; round++) {
                    for (int c = thread; c < consumers; c += 8) {
                        HttpResponse<String> response = get("/shop/item", keys.get(c));
                        assertThat(response.statusCode()).isEqualTo(200);
                        String variant = response.headers().firstValue("X-Gatehouse-Variant").orElseThrow();
                        assertThat(response.headers().firstValue("X-Upstream")).as("the variant header names who served it")
                                .contains(variant);
                        seen.computeIfAbsent(c, k -> ConcurrentHashMap.newKeySet()).add(variant);
                    }
                }
            }));
        }
        for (Future<?> f : all) f.get(120, TimeUnit.SECONDS);
        clients.shutdown();

        int total = stable.requests.get() + canary.requests.get();
        double share = 100.0 * canary.requests.get() / total;
        long inCanary = seen.values().stream().filter(v -> v.contains("canary")).count();
        System.out.printf("10%% canary: %d of %d requests (%.2f%%), %d of %d consumers%n", canary.requests.get(), total, share,
                inCanary, consumers);
        assertThat(total).isEqualTo(10_000);
        assertThat(share).isBetween(8.5, 11.5);
        assertThat(seen.values()).as("each consumer sees one variant only").allSatisfy(v -> assertThat(v).hasSize(1));

        int stableConsumer = seen.entrySet().stream().filter(e -> e.getValue().contains("stable")).findFirst().orElseThrow().getKey();
        HttpResponse<String> optedIn = get("/shop/item", keys.get(stableConsumer), "X-Beta", "true");
        assertThat(optedIn.headers().firstValue("X-Gatehouse-Variant")).contains("canary");
        assertThat(new io.vertx.core.json.JsonObject(optedIn.body()).getString("upstream")).isEqualTo("canary");
    }

    @Test
    void aShadowThatHangsOrFailsNeverReachesTheClient() throws Exception {
        EchoUpstream service = upstream("service", 0);
        EchoUpstream hanging = upstream("hanging-shadow", 10_000);
        EchoUpstream failing = upstream("failing-shadow", 0);
        failing.forcedStatus = 500;
        String key = ApiKeys.generate();
        start(List.of(api("plain", "/plain", service.url(), null, null),
                        api("hangs", "/hangs", service.url(), null, new ShadowRule(hanging.url(), 100, 4)),
                        api("fails", "/fails", service.url(), null, new ShadowRule(failing.url(), 100, 64))),
                List.of(key("k", key, "app", null)),
                List.of(subscription("app", "plain"), subscription("app", "hangs"), subscription("app", "fails")));

        double without = p99(() -> get("/plain/x", key));
        double withHanging = p99(() -> get("/hangs/x", key));
        double withFailing = p99(() -> get("/fails/x", key));
        System.out.printf("p99 over 500 requests: no shadow %.2f ms, hanging shadow %.2f ms, failing shadow %.2f ms%n",
                without, withHanging, withFailing);
        assertThat(withHanging).as("the client never waits for a shadow that takes 10 s").isLessThan(1_000);
        assertThat(hanging.maxInFlight.get()).as("mirrored requests in flight are bounded").isBetween(1, 4 * 2);
        assertThat(failing.requests.get()).as("every request was mirrored to the failing shadow").isGreaterThanOrEqualTo(450);
    }

    /** Sends 500 requests one after another, checks each is 200, and returns the 99th percentile latency in ms. */
    static double p99(java.util.function.Supplier<HttpResponse<String>> call) {
        long[] nanos = new long[500];
        for (int i = 0; i < nanos.length; i++) {
            long start = System.nanoTime();
            HttpResponse<String> response = call.get();
            nanos[i] = System.nanoTime() - start;
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("X-Upstream")).contains("service");
        }
        Arrays.sort(nanos);
        return nanos[(int) Math.ceil(nanos.length * 0.99) - 1] / 1e6;
    }
}
