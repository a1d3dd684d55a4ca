package io.gatehouse.gateway.routing;

import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.UpstreamUrl;

import java.util.concurrent.atomic.AtomicInteger;

/** One published API as the gateway routes it. Immutable but for the round-robin cursor. */
public final class Route {
    private final ApiDefinition api;
    private final String basePath;
    private final UpstreamUrl[] slots;
    private final String keyHeader;
    private final AtomicInteger cursor = new AtomicInteger();

    Route(ApiDefinition api, String basePath, UpstreamUrl[] slots) {
        this.api = api;
        this.basePath = basePath;
        this.slots = slots;
        this.keyHeader = api.keyHeader() == null || api.keyHeader().isBlank() ? "X-API-Key" : api.keyHeader();
    }

    public ApiDefinition api() {
        return api;
    }

    public String apiId() {
        return api.id();
    }

    public String basePath() {
        return basePath;
    }

    public String keyHeader() {
        return keyHeader;
    }

    public long connectTimeoutMs() {
        return api.connectTimeoutMs() > 0 ? api.connectTimeoutMs() : 5_000;
    }

    public long readTimeoutMs() {
        return api.readTimeoutMs() > 0 ? api.readTimeoutMs() : 60_000;
    }

    /**
     * Weighted round robin over the targets: each target fills as many slots as its weight. The cursor is shared by
     * all event loops; a lock-free increment is enough because an exact sequence across loops does not matter.
     */
    public UpstreamUrl nextUpstream() {
        int i = cursor.getAndIncrement() & Integer.MAX_VALUE;
        return slots[i % slots.length];
    }

    /** The path to send upstream for a request path that matched this route. */
    public String upstreamPath(UpstreamUrl upstream, String requestPath) {
        String rest = api.stripBasePath() && !"/".equals(basePath) ? requestPath.substring(basePath.length()) : requestPath;
        String prefix = upstream.pathPrefix();
        if (rest.isEmpty()) {
            return prefix.isEmpty() ? "/" : prefix;
        }
        return prefix.isEmpty() ? rest : prefix + rest;
    }

    boolean matchesPath(String path) {
        if ("/".equals(basePath)) {
            return true;
        }
        return path.startsWith(basePath) && (path.length() == basePath.length() || path.charAt(basePath.length()) == '/');
    }
}
