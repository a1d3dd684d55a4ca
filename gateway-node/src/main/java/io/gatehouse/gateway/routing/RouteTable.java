package io.gatehouse.gateway.routing;

import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.UpstreamUrl;
import io.gatehouse.protocol.config.UpstreamTarget;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Host and longest-prefix routing. Routes for a named host are tried before routes that answer on any host; within
 * each group the longest base path wins, matching on whole path segments ({@code /orders} matches {@code /orders/1}
 * but not {@code /orders-archive}).
 */
public final class RouteTable {
    private static final int MAX_SLOTS_PER_TARGET = 100;
    private final Map<String, Route[]> byHost;
    private final Route[] anyHost;
    private final Map<String, Route> byApiId;

    private UpstreamHealth health;
    private Map<String, TargetState> usedTargets;
    private Map<String, io.gatehouse.protocol.config.UpstreamPolicy> usedPolicies;
    private Map<String, ApiRuntime> usedRuntimes;

    /** The APIs this table compiled anew, when it was built from another table; null for a whole build. */
    private java.util.Set<String> recompiled;

    /**
     * Makes this table's targets the ones the node tracks: called once the whole config has compiled. A table built
     * from another one only replaces what the APIs it recompiled had: the others' states were never touched.
     */
    public void adoptTargets() {
        if (recompiled == null) {
            health.retain(usedTargets, usedPolicies, usedRuntimes);
        } else {
            health.replaceApis(recompiled, usedTargets, usedPolicies, usedRuntimes);
        }
    }

    private RouteTable(Map<String, Route[]> byHost, Route[] anyHost, Map<String, Route> byApiId) {
        this.byHost = byHost;
        this.anyHost = anyHost;
        this.byApiId = byApiId;
    }

    /** Builds the table; an API that cannot be routed throws with a message naming it. */
    public static RouteTable build(List<ApiDefinition> apis) {
        return build(apis, new UpstreamHealth());
    }

    /** Builds the table on the node's target states, so a new config keeps what is known of each target. */
    public static RouteTable build(java.util.Collection<ApiDefinition> apis, UpstreamHealth health) {
        Map<String, TargetState> used = new HashMap<>();
        Map<String, io.gatehouse.protocol.config.UpstreamPolicy> policies = new HashMap<>();
        Map<String, ApiRuntime> runtimes = new HashMap<>();
        List<Route> routes = new ArrayList<>();
        for (ApiDefinition api : apis) {
            routes.add(route(api, normaliseBasePath(api), health, used, policies, runtimes));
        }
        RouteTable table = assemble(routes);
        table.health = health;
        table.usedTargets = used;
        table.usedPolicies = policies;
        table.usedRuntimes = runtimes;
        return table;
    }

    /**
     * This table with some APIs added, replaced ({@code changes} maps their id to the new definition) or removed
     * (mapped to null). Only those APIs are compiled; every other route is the very same object, with its circuit,
     * retry budget, shadow slots and canary counts. Nothing of the node changes until {@link #adoptTargets()}.
     */
    public RouteTable with(Map<String, ApiDefinition> changes, UpstreamHealth health) {
        Map<String, TargetState> used = new HashMap<>();
        Map<String, io.gatehouse.protocol.config.UpstreamPolicy> policies = new HashMap<>();
        Map<String, ApiRuntime> runtimes = new HashMap<>();
        java.util.Set<String> compiled = new HashSet<>();
        List<Route> routes = new ArrayList<>();
        for (Route route : byApiId.values()) {
            if (!changes.containsKey(route.apiId()) || route.api().equals(changes.get(route.apiId()))) {
                routes.add(route);
            }
        }
        for (Map.Entry<String, ApiDefinition> change : changes.entrySet()) {
            Route current = byApiId.get(change.getKey());
            ApiDefinition api = change.getValue();
            if (current != null && current.api().equals(api)) {
                continue;
            }
            compiled.add(change.getKey());
            if (api != null) {
                routes.add(route(api, normaliseBasePath(api), health, used, policies, runtimes));
            }
        }
        RouteTable table = assemble(routes);
        table.health = health;
        table.usedTargets = used;
        table.usedPolicies = policies;
        table.usedRuntimes = runtimes;
        table.recompiled = compiled;
        return table;
    }

    /** Host groups, longest base path first; two APIs on one host and path are refused. */
    private static RouteTable assemble(List<Route> routes) {
        Map<String, List<Route>> hosts = new HashMap<>();
        List<Route> any = new ArrayList<>();
        Map<String, Route> byId = new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (Route route : routes) {
            ApiDefinition api = route.api();
            String host = api.host() == null || api.host().isBlank() ? null : api.host().toLowerCase(Locale.ROOT);
            if (!seen.add((host == null ? "*" : host) + " " + route.basePath())) {
                throw new IllegalArgumentException("API " + api.id() + " (" + api.name() + "): another API is already mounted on "
                        + (host == null ? "" : host) + route.basePath());
            }
            byId.put(api.id(), route);
            if (host == null) {
                any.add(route);
            } else {
                hosts.computeIfAbsent(host, h -> new ArrayList<>()).add(route);
            }
        }
        Comparator<Route> longestFirst = Comparator.comparingInt((Route r) -> r.basePath().length()).reversed();
        Map<String, Route[]> frozen = new HashMap<>();
        hosts.forEach((h, list) -> {
            list.sort(longestFirst);
            frozen.put(h, list.toArray(Route[]::new));
        });
        any.sort(longestFirst);
        return new RouteTable(Map.copyOf(frozen), any.toArray(Route[]::new), Map.copyOf(byId));
    }

    /** @param host the request's host without port, or null */
    public Route match(String host, String path) {
        if (host != null && !byHost.isEmpty()) {
            Route[] candidates = byHost.get(host.toLowerCase(Locale.ROOT));
            if (candidates != null) {
                for (Route route : candidates) {
                    if (route.matchesPath(path)) {
                        return route;
                    }
                }
            }
        }
        for (Route route : anyHost) {
            if (route.matchesPath(path)) {
                return route;
            }
        }
        return null;
    }

    public java.util.Collection<Route> all() {
        return byApiId.values();
    }

    public Route byApiId(String apiId) {
        return byApiId.get(apiId);
    }

    public int size() {
        return byApiId.size();
    }

    private static String normaliseBasePath(ApiDefinition api) {
        String path = api.basePath();
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("API " + api.id() + " (" + api.name() + "): base path must start with '/', got '" + path + "'");
        }
        while (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return path;
    }

    private static Route route(ApiDefinition api, String basePath, UpstreamHealth health, Map<String, TargetState> used,
                               Map<String, io.gatehouse.protocol.config.UpstreamPolicy> policies, Map<String, ApiRuntime> runtimes) {
        if (api.targets() == null || api.targets().isEmpty()) {
            throw new IllegalArgumentException("API " + api.id() + " (" + api.name() + ") has no upstream targets");
        }
        List<String> problems = api.problems();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("API " + api.id() + " (" + api.name() + "): " + String.join("; ", problems));
        }
        TargetGroup stable = group(api, api.targets(), health, used, policies);
        TargetGroup canary = null;
        if (api.canary() != null) {
            if (api.canary().targets() == null || api.canary().targets().isEmpty()) {
                throw new IllegalArgumentException("API " + api.id() + " (" + api.name() + "): the canary has no targets");
            }
            canary = group(api, api.canary().targets(), health, used, policies);
        }
        UpstreamUrl shadow = null;
        if (api.shadow() != null) {
            try {
                shadow = UpstreamUrl.parse(api.shadow().url());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("API " + api.id() + " (" + api.name() + "): shadow " + e.getMessage());
            }
        }
        return new Route(api, basePath, stable, canary, shadow, health.runtime(api, runtimes));
    }

    private static TargetGroup group(ApiDefinition api, List<UpstreamTarget> configured, UpstreamHealth health,
                                     Map<String, TargetState> used, Map<String, io.gatehouse.protocol.config.UpstreamPolicy> policies) {
        List<TargetGroup.Spec> specs = new ArrayList<>();
        for (UpstreamTarget target : configured) {
            UpstreamUrl url;
            try {
                url = UpstreamUrl.parse(target.url());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("API " + api.id() + " (" + api.name() + "): " + e.getMessage());
            }
            if (target.discovery() != null && !target.discovered() && !"STATIC".equals(target.discovery())) {
                throw new IllegalArgumentException("API " + api.id() + " (" + api.name() + "): unknown discovery '" + target.discovery() + "'");
            }
            int weight = Math.min(Math.max(target.weight(), 1), MAX_SLOTS_PER_TARGET);
            TargetState[] endpoints;
            List<TargetState> known = target.discovered() ? health.discovered(api.id(), target) : null;
            if (known != null && !known.isEmpty()) {
                // What discovery found for the previous config: no gap while the new one is resolved again.
                endpoints = known.toArray(TargetState[]::new);
                for (TargetState t : endpoints) {
                    used.put(UpstreamHealth.endpointKey(api.id(), t), t);
                    policies.put(UpstreamHealth.endpointKey(api.id(), t), api.policy());
                }
            } else {
                endpoints = new TargetState[] {health.target(api.id(), url, weight, used)};
                policies.put(UpstreamHealth.policyKey(api, url, weight), api.policy());
            }
            specs.add(new TargetGroup.Spec(api.id(), target, url, endpoints));
        }
        return new TargetGroup(specs.toArray(TargetGroup.Spec[]::new));
    }
}
