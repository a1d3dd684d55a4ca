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
        List<ApiOperation> operations) implements Identified {

    /** An API without a routing table: everything under its base path goes upstream. */
    public ApiDefinition(String id, String name, String version, String host, String basePath, boolean stripBasePath,
                         List<UpstreamTarget> targets, String keyHeader, int connectTimeoutMs, int readTimeoutMs, String status,
                         UpstreamPolicy upstreamPolicy, CanaryRule canary, ShadowRule shadow) {
        this(id, name, version, host, basePath, stripBasePath, targets, keyHeader, connectTimeoutMs, readTimeoutMs, status,
                upstreamPolicy, canary, shadow, null);
    }

    /** This API with a routing table. */
    public ApiDefinition withOperations(List<ApiOperation> operations) {
        return new ApiDefinition(id, name, version, host, basePath, stripBasePath, targets, keyHeader, connectTimeoutMs,
                readTimeoutMs, status, upstreamPolicy, canary, shadow, operations);
    }

    /** Whether the gateway enforces the documented operations. */
    public boolean routesOperations() {
        return operations != null && !operations.isEmpty();
    }

    public UpstreamPolicy policy() {
        return upstreamPolicy == null ? UpstreamPolicy.DEFAULT : upstreamPolicy.orDefaults();
    }
}
