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

    private RouteTable(Map<String, Route[]> byHost, Route[] anyHost, Map<String, Route> byApiId) {
        this.byHost = byHost;
        this.anyHost = anyHost;
        this.byApiId = byApiId;
    }

    /** Builds the table; an API that cannot be routed throws with a message naming it. */
    public static RouteTable build(List<ApiDefinition> apis) {
        Map<String, List<Route>> hosts = new HashMap<>();
        List<Route> any = new ArrayList<>();
        Map<String, Route> byId = new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (ApiDefinition api : apis) {
            String basePath = normaliseBasePath(api);
            String host = api.host() == null || api.host().isBlank() ? null : api.host().toLowerCase(Locale.ROOT);
            if (!seen.add((host == null ? "*" : host) + " " + basePath)) {
                throw new IllegalArgumentException("API " + api.id() + " (" + api.name() + "): another API is already mounted on "
                        + (host == null ? "" : host) + basePath);
            }
            Route route = new Route(api, basePath, slots(api));
            byId.put(api.id(), route);
            if (host == null) {
                any.add(route);
            } else {
                hosts.computeIfAbsent(host, h -> new ArrayList<>()).add(route);
            }
        }
        Comparator<Route> longestFirst = Comparator.comparingInt((Route r) -> r.basePath().length()).reversed();
        Map<String, Route[]> frozen = new HashMap<>();
        hosts.forEach((h, routes) -> {
            routes.sort(longestFirst);
            frozen.put(h, routes.toArray(Route[]::new));
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

    private static UpstreamUrl[] slots(ApiDefinition api) {
        if (api.targets() == null || api.targets().isEmpty()) {
            throw new IllegalArgumentException("API " + api.id() + " (" + api.name() + ") has no upstream targets");
        }
        List<UpstreamUrl> slots = new ArrayList<>();
        for (UpstreamTarget target : api.targets()) {
            UpstreamUrl upstream;
            try {
                upstream = UpstreamUrl.parse(target.url());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("API " + api.id() + " (" + api.name() + "): " + e.getMessage());
            }
            int weight = Math.min(Math.max(target.weight(), 1), MAX_SLOTS_PER_TARGET);
            for (int i = 0; i < weight; i++) {
                slots.add(upstream);
            }
        }
        return slots.toArray(UpstreamUrl[]::new);
    }
}
