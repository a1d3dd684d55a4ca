package io.gatehouse.protocol.config;

import java.util.List;

/**
 * An API as a gateway routes it. Only published and deprecated APIs reach the gateway; drafts stay in the control plane.
 *
 * @param host             the Host header this API answers to; null to answer on any host
 * @param basePath         the path prefix it is mounted on, starting with '/'
 * @param stripBasePath    whether the base path is removed before the request goes upstream
 * @param keyHeader        the request header that carries the API key (Authorization: Bearer is always accepted)
 * @param connectTimeoutMs how long to wait for an upstream connection
 * @param readTimeoutMs    how long an upstream may stay silent before the gateway answers 504
 * @param upstreamPolicy   balancing, retries and ejection of the targets; null for the defaults
 * @param canary           a canary release in progress; null for none
 * @param shadow           traffic mirrored to another upstream; null for none
 * @param operations       the documented operations the gateway routes, paths relative to the base path; null or
 *                         empty to pass every path and method upstream (no document, or its owner chose pass-through)
 * @param allowEncodedSlashes whether request paths may hold an encoded '/' or '\' ({@code %2F}, {@code %5C}), kept
 *                         encoded on their way upstream; null (the default) refuses them with 400, since most
 *                         upstreams decode them into separators the gateway did not route on
 * @param cors             which web pages may call the API from a browser; null: only the developer portal's
 */
public record ApiDefinition(
        String id,
        String name,
        String version,
        String host,
        String basePath,
        boolean stripBasePath,
        List<UpstreamTarget> targets,
        String keyHeader,
        int connectTimeoutMs,
        int readTimeoutMs,
        String status,
        UpstreamPolicy upstreamPolicy,
        CanaryRule canary,
        ShadowRule shadow,
        List<ApiOperation> operations,
        Boolean allowEncodedSlashes,
        CorsRule cors) implements Identified {

    /** Without CORS rules, as callers before them build it. */
    public ApiDefinition(String id, String name, String version, String host, String basePath, boolean stripBasePath,
                         List<UpstreamTarget> targets, String keyHeader, int connectTimeoutMs, int readTimeoutMs, String status,
                         UpstreamPolicy upstreamPolicy, CanaryRule canary, ShadowRule shadow, List<ApiOperation> operations,
                         Boolean allowEncodedSlashes) {
        this(id, name, version, host, basePath, stripBasePath, targets, keyHeader, connectTimeoutMs, readTimeoutMs, status,
                upstreamPolicy, canary, shadow, operations, allowEncodedSlashes, null);
    }

    /** Without the fields added later, as older callers build it: no routing table, encoded slashes refused. */
    public ApiDefinition(String id, String name, String version, String host, String basePath, boolean stripBasePath,
                         List<UpstreamTarget> targets, String keyHeader, int connectTimeoutMs, int readTimeoutMs, String status,
                         UpstreamPolicy upstreamPolicy, CanaryRule canary, ShadowRule shadow) {
        this(id, name, version, host, basePath, stripBasePath, targets, keyHeader, connectTimeoutMs, readTimeoutMs, status,
                upstreamPolicy, canary, shadow, null, null, null);
    }

    public boolean keepsEncodedSlashes() {
        return Boolean.TRUE.equals(allowEncodedSlashes);
    }

    /** What a left-out key header, connect timeout (0) and read timeout (0) mean: one place for both planes. */
    public static final String DEFAULT_KEY_HEADER = "X-API-Key";
    public static final int DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
    public static final int DEFAULT_READ_TIMEOUT_MS = 60_000;

    /** This API with a routing table. */
    public ApiDefinition withOperations(List<ApiOperation> operations) {
        return new ApiDefinition(id, name, version, host, basePath, stripBasePath, targets, keyHeader, connectTimeoutMs,
                readTimeoutMs, status, upstreamPolicy, canary, shadow, operations, allowEncodedSlashes, cors);
    }

    /** Whether the gateway enforces the documented operations. */
    public boolean routesOperations() {
        return operations != null && !operations.isEmpty();
    }

    public UpstreamPolicy policy() {
        return upstreamPolicy == null ? UpstreamPolicy.DEFAULT : upstreamPolicy.orDefaults();
    }

    /**
     * What is wrong with this definition beyond its routing (targets and base path are checked where they are
     * compiled): the key header, timeouts, the upstream policy, the canary's and the shadow's shares. Empty if nothing.
     */
    public List<String> problems() {
        List<String> problems = new java.util.ArrayList<>();
        if (keyHeader != null && !keyHeader.isEmpty() && !keyHeader.chars().allMatch(c -> c < 127 && (Character.isLetterOrDigit(c) || c == '-'))) {
            problems.add("keyHeader must be a header name (letters, digits and '-'), got '" + keyHeader + "'");
        }
        if (connectTimeoutMs < 0 || connectTimeoutMs > 600_000) {
            problems.add("connectTimeoutMs must be 0 (the default) to 600000, got " + connectTimeoutMs);
        }
        if (readTimeoutMs < 0 || readTimeoutMs > 3_600_000) {
            problems.add("readTimeoutMs must be 0 (the default) to 3600000, got " + readTimeoutMs);
        }
        if (upstreamPolicy != null) {
            for (String problem : upstreamPolicy.problems()) {
                problems.add("upstreamPolicy." + problem);
            }
        }
        if (canary != null && !(canary.percent() >= 0 && canary.percent() <= 100)) {
            problems.add("canary.percent must be 0 to 100, got " + canary.percent());
        }
        if (shadow != null && !(shadow.percent() >= 0 && shadow.percent() <= 100)) {
            problems.add("shadow.percent must be 0 to 100, got " + shadow.percent());
        }
        if (shadow != null && shadow.concurrency() < 1) {
            problems.add("shadow.maxConcurrent must be at least 1, got " + shadow.concurrency());
        }
        if (cors != null) {
            for (String problem : cors.problems()) {
                problems.add("cors." + problem);
            }
        }
        return problems;
    }
}
