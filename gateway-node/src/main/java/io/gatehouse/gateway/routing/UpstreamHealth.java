package io.gatehouse.gateway.routing;

import io.gatehouse.gateway.metrics.GatewayMetrics;
import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.UpstreamPolicy;
import io.gatehouse.protocol.config.UpstreamUrl;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The node's upstream targets across config versions, the prober that brings ejected ones back, and active health
 * checks where an API asks for them.
 *
 * <p>Passive outlier detection: a target that fails {@code ejectAfterFailures} times in a row (connect failures,
 * 5xx answers) stops getting traffic, as long as another target of the API still takes it. When its ejection time
 * is up it is probed; a probe answered below 500 brings it back, a failed one doubles its time out (up to 32×).
 */
public final class UpstreamHealth {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamHealth.class);
    private volatile Map<String, TargetState> targets = Map.of();
    private volatile Map<String, UpstreamPolicy> policies = Map.of();
    private volatile Map<String, ApiRuntime> runtimes = Map.of();
    private HttpClient probes;
    /** What discovery last found, per API and configured target: endpoints keep their health across refreshes. */
    private final Map<String, java.util.List<TargetState>> discovered = new ConcurrentHashMap<>();
    private final GatewayMetrics metrics;

    /** Without metrics: routes get meters that record nothing. */
    public UpstreamHealth() {
        this(GatewayMetrics.off());
    }

    /** @param metrics where each API's meters come from when its runtime is built */
    public UpstreamHealth(GatewayMetrics metrics) {
        this.metrics = metrics;
    }

    /** The state of a target, kept from the previous config when the API still has it with the same weight. */
    TargetState target(String apiId, UpstreamUrl url, int weight, Map<String, TargetState> next) {
        String key = apiId + " " + url.url() + " " + weight;
        TargetState state = targets.get(key);
        if (state == null) {
            state = new TargetState(url, weight);
        }
        next.put(key, state);
        return state;
    }

    /** The runtime state of an API, kept from the previous config when the API's definition is the same. */
    ApiRuntime runtime(ApiDefinition api, Map<String, ApiRuntime> next) {
        ApiRuntime state = runtimes.get(api.id());
        if (state == null || !state.definition.equals(api)) {
            state = new ApiRuntime(api, metrics.meters(api.id()));
        }
        next.put(api.id(), state);
        return state;
    }

    /** Called with the states a newly compiled config uses: the others are forgotten. */
    synchronized void retain(Map<String, TargetState> used, Map<String, UpstreamPolicy> usedPolicies, Map<String, ApiRuntime> usedRuntimes) {
        targets = Map.copyOf(used);
        policies = Map.copyOf(usedPolicies);
        runtimes = Map.copyOf(usedRuntimes);
        metrics.retainOnly(runtimes.keySet());
    }

    /**
     * Called with the states of the APIs a delta recompiled (or removed): theirs are replaced, every other API's are
     * left exactly as they are.
     */
    synchronized void replaceApis(java.util.Set<String> apiIds, Map<String, TargetState> used, Map<String, UpstreamPolicy> usedPolicies,
                                  Map<String, ApiRuntime> usedRuntimes) {
        targets = replaced(targets, apiIds, used);
        policies = replaced(policies, apiIds, usedPolicies);
        Map<String, ApiRuntime> nextRuntimes = new java.util.HashMap<>(runtimes);
        nextRuntimes.keySet().removeAll(apiIds);
        nextRuntimes.putAll(usedRuntimes);
        runtimes = Map.copyOf(nextRuntimes);
        metrics.retainOnly(runtimes.keySet());
    }

    /** Target keys start with the API id and a space. */
    private static <V> Map<String, V> replaced(Map<String, V> current, java.util.Set<String> apiIds, Map<String, V> added) {
        Map<String, V> next = new java.util.HashMap<>(current);
        next.keySet().removeIf(key -> {
            int space = key.indexOf(' ');
            return space > 0 && apiIds.contains(key.substring(0, space));
        });
        next.putAll(added);
        return Map.copyOf(next);
    }

    java.util.List<TargetState> discovered(String apiId, io.gatehouse.protocol.config.UpstreamTarget target) {
        return discovered.get(apiId + " " + target.url() + " " + target.discovery());
    }

    /** Records what discovery found, and lets the prober watch the new endpoints. */
    synchronized void discovered(String apiId, io.gatehouse.protocol.config.UpstreamTarget target, java.util.List<TargetState> endpoints,
                                 UpstreamPolicy policy) {
        discovered.put(apiId + " " + target.url() + " " + target.discovery(), java.util.List.copyOf(endpoints));
        Map<String, TargetState> nextTargets = new java.util.HashMap<>(targets);
        Map<String, UpstreamPolicy> nextPolicies = new java.util.HashMap<>(policies);
        for (TargetState t : endpoints) {
            nextTargets.put(endpointKey(apiId, t), t);
            nextPolicies.put(endpointKey(apiId, t), policy);
        }
        targets = Map.copyOf(nextTargets);
        policies = Map.copyOf(nextPolicies);
    }

    static String endpointKey(String apiId, TargetState t) {
        return apiId + " " + t.url().url() + " @" + t.url().host() + ":" + t.url().port() + " " + t.weight();
    }

    static void failed(Route route, TargetState target, long now) {
        UpstreamPolicy.EjectionConfig ejection = route.policy().ejection();
        int threshold = ejection.afterFailures();
        if (threshold <= 0 || target.consecutiveFailures.incrementAndGet() < threshold || target.ejected()) {
            return;
        }
        if (route.takingTraffic(target) <= 1) {
            return; // never the last one: a struggling target beats none at all
        }
        eject(target, ejection, now);
        LOG.warn("upstream {} of API {} ejected after {} failures in a row", target.url().url(), route.apiId(), threshold);
    }

    static void succeeded(TargetState target) {
        if (target.consecutiveFailures.get() != 0) {
            target.consecutiveFailures.set(0);
        }
    }

    private static void eject(TargetState target, UpstreamPolicy.EjectionConfig ejection, long now) {
        int times = Math.min(target.ejections, 5);
        target.ejections++;
        target.ejectedUntilNanos = now + TimeUnit.MILLISECONDS.toNanos((long) ejection.ejectionMs() << times);
    }

    /** Starts probing ejected targets, on the given Vert.x instance. */
    public void start(Vertx vertx) {
        start(vertx, java.util.function.UnaryOperator.identity());
    }

    /** @param tls applies the node's upstream TLS verification to the probe client (probes verify as requests do) */
    public void start(Vertx vertx, java.util.function.UnaryOperator<HttpClientOptions> tls) {
        probes = vertx.createHttpClient(tls.apply(new HttpClientOptions().setKeepAlive(false).setName("gatehouse-probe")));
        vertx.setPeriodic(250, id -> probeDue());
    }

    private void probeDue() {
        long now = System.nanoTime();
        targets.forEach((key, target) -> {
            UpstreamPolicy policy = policies.getOrDefault(key, UpstreamPolicy.DEFAULT);
            long ejectedUntil = target.ejectedUntilNanos;
            if (ejectedUntil != 0 && now >= ejectedUntil && target.probing.compareAndSet(false, true)) {
                probe(target, policy.ejection());
            }
            UpstreamPolicy.HealthCheckConfig checks = policy.healthChecks();
            if (checks.path() != null && now >= target.nextCheckNanos && target.checking.compareAndSet(false, true)) {
                target.nextCheckNanos = now + TimeUnit.MILLISECONDS.toNanos(checks.intervalMs());
                check(target, checks);
            }
        });
    }

    /** One active health check; its result is counted against the policy's thresholds. */
    private void check(TargetState target, UpstreamPolicy.HealthCheckConfig checks) {
        get(target.url(), checks.path(), checks.timeoutMs()).onComplete(result -> {
            boolean healthy = result.succeeded() && result.result() >= 200 && result.result() < 400;
            if (healthy) {
                target.checksFailedInARow = 0;
                if (++target.checksPassedInARow >= checks.healthyThreshold() && target.unhealthy) {
                    target.unhealthy = false;
                    LOG.info("upstream {} passed {} health checks and takes traffic again", target.url().url(), checks.healthyThreshold());
                }
            } else {
                target.checksPassedInARow = 0;
                if (++target.checksFailedInARow >= checks.unhealthyThreshold() && !target.unhealthy) {
                    target.unhealthy = true;
                    LOG.warn("upstream {} failed {} health checks and is taken out", target.url().url(), checks.unhealthyThreshold());
                }
            }
            target.checking.set(false);
        });
    }

    private io.vertx.core.Future<Integer> get(UpstreamUrl url, String path, int timeoutMs) {
        String full = url.pathPrefix() + (path.startsWith("/") ? path : "/" + path);
        return probes.request(new RequestOptions().setMethod(HttpMethod.GET).setHost(url.host()).setPort(url.port()).setSsl(url.ssl())
                        .setURI(full).setConnectTimeout(timeoutMs).setIdleTimeout(timeoutMs))
                .compose(request -> request.send().compose(response -> response.body().map(body -> response.statusCode())));
    }

    private void probe(TargetState target, UpstreamPolicy.EjectionConfig ejection) {
        UpstreamUrl url = target.url();
        get(url, ejection.probePath(), ejection.probeTimeoutMs())
                .onComplete(result -> {
                    long now = System.nanoTime();
                    if (result.succeeded() && result.result() < 500) {
                        target.consecutiveFailures.set(0);
                        target.ejectedUntilNanos = 0;
                        LOG.info("upstream {} passed its probe and takes traffic again", url.url());
                    } else {
                        eject(target, ejection, now);
                    }
                    target.probing.set(false);
                });
    }

    static String policyKey(ApiDefinition api, UpstreamUrl url, int weight) {
        return api.id() + " " + url.url() + " " + weight;
    }
}
