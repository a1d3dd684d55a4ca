package io.gatehouse.management.apis;

import io.gatehouse.protocol.config.UpstreamTarget;

import java.time.Instant;
import java.util.List;

public record ApiView(String id, String name, String version, String host, String basePath, boolean stripBasePath,
                      List<UpstreamTarget> targets, String keyHeader, int connectTimeoutMs, int readTimeoutMs,
                      ApiStatus status, io.gatehouse.protocol.config.UpstreamPolicy upstreamPolicy,
                      io.gatehouse.protocol.config.CanaryRule canary, io.gatehouse.protocol.config.ShadowRule shadow,
                      Instant createdAt, Instant updatedAt, boolean passThrough,
                      java.util.List<io.gatehouse.protocol.config.ApiOperation> operations, boolean allowEncodedSlashes,
                      String ownerTeam, Instant sunsetAt, io.gatehouse.protocol.config.CorsRule cors) {

    public static ApiView of(ApiEntity api) {
        return new ApiView(api.id.toString(), api.name, api.version, api.host, api.basePath, api.stripBasePath, api.targets,
                api.keyHeader, api.connectTimeoutMs, api.readTimeoutMs, api.status, api.policyOrDefault(), api.canary, api.shadow, api.createdAt, api.updatedAt,
                api.passThrough, api.operations, api.allowEncodedSlashes, api.ownerTeam, api.sunsetAt, api.cors);
    }
}
