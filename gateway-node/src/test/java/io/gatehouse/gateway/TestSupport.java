package io.gatehouse.gateway;

import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.KeyGrant;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.config.UpstreamTarget;
import io.gatehouse.protocol.keys.ApiKeys;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Builders and helpers shared by the gateway tests. */
public final class TestSupport {
    public static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    public static final PlanDefinition GOLD = new PlanDefinition("plan-gold", "gold", null, null, null, "HARD", "OPEN");

    private TestSupport() {
    }

    public static int freePort() {
        return io.gatehouse.testing.FreePorts.next();
    }

    public static ApiDefinition api(String id, String host, String basePath, String... upstreamUrls) {
        return new ApiDefinition(id, "api-" + id, "1", host, basePath, true,
                java.util.Arrays.stream(upstreamUrls).map(u -> new UpstreamTarget(u, 1)).toList(),
                "X-API-Key", 1_000, 5_000, "PUBLISHED", null, null, null);
    }

    public static ApiDefinition withReadTimeout(ApiDefinition api, int ms) {
        return new ApiDefinition(api.id(), api.name(), api.version(), api.host(), api.basePath(), api.stripBasePath(),
                api.targets(), api.keyHeader(), api.connectTimeoutMs(), ms, api.status(), api.upstreamPolicy(), api.canary(), api.shadow());
    }

    public static KeyGrant key(String id, String secret, String applicationId, Instant expiresAt) {
        return new KeyGrant(id, ApiKeys.hash(secret), applicationId, "consumer-of-" + applicationId, expiresAt);
    }

    public static SubscriptionGrant subscription(String applicationId, String apiId) {
        return new SubscriptionGrant("sub-" + applicationId + "-" + apiId, applicationId, apiId, GOLD.id(), null);
    }

    public static ConfigSnapshot snapshot(long version, List<ApiDefinition> apis, List<KeyGrant> keys, List<SubscriptionGrant> subs) {
        return ConfigSnapshot.of(version, Instant.now(), apis, List.of(GOLD), keys, subs);
    }

    public static NodeSettings settings(Path dataDir, Map<String, String> overrides) {
        Map<String, String> env = new java.util.HashMap<>(Map.of(
                "GATEHOUSE_PROXY_HOST", "127.0.0.1",
                "GATEHOUSE_PROXY_PORT", String.valueOf(freePort()),
                "GATEHOUSE_STATUS_PORT", String.valueOf(freePort()),
                "GATEHOUSE_DATA_DIR", dataDir.toString(),
                "GATEHOUSE_EVENT_LOOPS", "2",
                "GATEHOUSE_CONFIG", "/nonexistent/gateway.properties",
                "GATEHOUSE_RECONNECT_MIN_MS", "100",
                "GATEHOUSE_RECONNECT_MAX_MS", "500",
                // Tests read what they need from the node; AccessLogTest switches the log on.
                "GATEHOUSE_ACCESS_LOG", "off"));
        overrides.forEach((k, v) -> env.put(NodeSettings.envName(k), v));
        return NodeSettings.load(env);
    }

    public static HttpResponse<String> get(String url, String... headers) {
        return send(HttpRequest.newBuilder(URI.create(url)).GET(), headers);
    }

    public static HttpResponse<String> send(HttpRequest.Builder request, String... headers) {
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("request failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Polls a condition until it holds or the deadline passes; returns how long it took. */
    public static Duration awaitTrue(Duration timeout, String what, BooleanSupplier condition) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what);
            }
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
    }
}
