package io.gatehouse.management.apis;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import java.util.List;

/**
 * An API as an owner creates or replaces it.
 *
 * @param host          answer only on this Host; omit to answer on any host
 * @param basePath      where the gateway mounts it, e.g. /orders
 * @param stripBasePath remove the base path before going upstream (default true, as Kong's strip_path)
 * @param keyHeader     header that carries the API key (default X-API-Key; Authorization: Bearer always works)
 * @param status        DRAFT (default), PUBLISHED or DEPRECATED
 * @param upstreamPolicy balancing, retries, ejection, circuit, health checks and connections of the targets: the very
 *                       record the gateway reads, checked by its own {@code problems()}; omitted fields take the defaults
 * @param passThrough   for an API published from an OpenAPI document: true sends every path upstream, false (default)
 *                      answers undocumented paths 404 and wrong methods 405 at the gateway; omit to keep the current one
 * @param allowEncodedSlashes true lets request paths hold {@code %2F} and {@code %5C}, forwarded still encoded; false
 *                      (default) refuses them with 400 at the gateway; omit to keep the current setting
 */
public record ApiRequest(
        @NotBlank @Size(max = 100) @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9 ._-]*", message = "may hold letters, digits, space, '.', '_' and '-'")
        String name,
        @NotBlank @Size(max = 40) @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9._-]*", message = "may hold letters, digits, '.', '_' and '-'")
        String version,
        @Size(max = 253) @Pattern(regexp = "[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*", message = "must be a host name")
        String host,
        @NotBlank @Size(max = 200) @Pattern(regexp = "/[A-Za-z0-9._~!$&'()*+,;=:@/-]*", message = "must start with '/' and hold only path characters")
        String basePath,
        Boolean stripBasePath,
        @NotEmpty @Size(max = 32) List<@Valid Target> targets,
        @Size(max = 64) @Pattern(regexp = "[A-Za-z0-9-]+", message = "must be a header name")
        String keyHeader,
        @Min(1) @Max(600_000) Integer connectTimeoutMs,
        @Min(1) @Max(3_600_000) Integer readTimeoutMs,
        ApiStatus status,
        io.gatehouse.protocol.config.UpstreamPolicy upstreamPolicy,
        Boolean passThrough,
        Boolean allowEncodedSlashes) {

    /** @param discovery STATIC (default), DNS (re-resolve the host's addresses) or SRV (the host is an SRV name) */
    public record Target(@NotBlank @Size(max = 2000) String url, @Min(1) @Max(100) Integer weight,
                         @Pattern(regexp = "STATIC|DNS|SRV", message = "must be STATIC, DNS or SRV") String discovery) {
        public Target(String url, Integer weight) {
            this(url, weight, null);
        }
    }
}
