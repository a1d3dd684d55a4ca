package io.gatehouse.management.apis;

import io.gatehouse.management.http.DomainException;
import io.gatehouse.management.http.Ids;
import io.gatehouse.management.subscriptions.SubscriptionEntity;
import io.gatehouse.management.subscriptions.SubscriptionStatus;
import io.gatehouse.management.sync.ConfigChanges;
import io.gatehouse.protocol.config.CanaryRule;
import io.gatehouse.protocol.config.ShadowRule;
import io.gatehouse.protocol.config.UpstreamTarget;
import io.gatehouse.protocol.config.UpstreamUrl;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

@Path("/admin/apis")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "APIs")
public class ApiResource {
    static final int DEFAULT_CONNECT_TIMEOUT_MS = io.gatehouse.protocol.config.ApiDefinition.DEFAULT_CONNECT_TIMEOUT_MS;
    static final int DEFAULT_READ_TIMEOUT_MS = io.gatehouse.protocol.config.ApiDefinition.DEFAULT_READ_TIMEOUT_MS;

    @Inject
    ConfigChanges changes;

    @GET
    @WithSession
    @Operation(summary = "All APIs, drafts included")
    public Uni<List<ApiView>> list() {
        return ApiEntity.<ApiEntity>listAll().map(all -> all.stream()
                .sorted(java.util.Comparator.comparing((ApiEntity a) -> a.name).thenComparing(a -> a.version))
                .map(ApiView::of).toList());
    }

    @GET
    @Path("/{id}")
    @WithSession
    public Uni<ApiView> get(@PathParam("id") String id) {
        return find(id).map(ApiView::of);
    }

    @POST
    @Operation(summary = "Create an API; it reaches the gateways once PUBLISHED")
    public Uni<Response> create(@Valid @NotNull ApiRequest request) {
        return changes.commit(() -> {
            ApiEntity api = new ApiEntity();
            api.id = UUID.randomUUID();
            api.createdAt = Instant.now();
            api.status = request.status() == null ? ApiStatus.DRAFT : request.status();
            apply(api, request);
            return checkUnique(api).chain(() -> api.<ApiEntity>persist());
        }).map(api -> Response.created(URI.create("/admin/apis/" + api.id)).entity(ApiView.of(api)).build());
    }

    @PUT
    @Path("/{id}")
    @Operation(summary = "Replace an API; a status change must follow DRAFT -> PUBLISHED <-> DEPRECATED")
    public Uni<ApiView> replace(@PathParam("id") String id, @Valid @NotNull ApiRequest request) {
        return changes.commit(() -> find(id).chain(api -> {
            ApiStatus target = request.status() == null ? api.status : request.status();
            if (!api.status.canBecome(target)) {
                throw DomainException.conflict("invalid_transition",
                        "an API that is " + api.status + " cannot become " + target + "; it can become " + api.status.next());
            }
            api.status = target;
            apply(api, request);
            return checkUnique(api).replaceWith(api);
        })).map(ApiView::of);
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Delete an API that no application subscribes to")
    public Uni<Response> delete(@PathParam("id") String id) {
        return changes.commit(() -> find(id).chain(api -> SubscriptionEntity.count("apiId = ?1 and status = ?2", api.id, SubscriptionStatus.ACTIVE)
                .chain(active -> {
                    if (active > 0) {
                        throw DomainException.conflict("in_use", "API " + api.id + " has " + active + " active subscriptions; cancel them first");
                    }
                    // Cancelled subscriptions are history of an API that is going away.
                    return SubscriptionEntity.delete("apiId", api.id).chain(() -> api.delete());
                }))).map(v -> Response.noContent().build());
    }

    /**
     * A canary release: part of the traffic to other targets.
     *
     * @param percent share of consumers sent to the canary, 0–100
     * @param header  optional: requests whose header equals {@code headerValue} go to the canary whatever their consumer
     * @param cookie  optional: the same with a cookie
     */
    public record CanaryRequest(@NotEmpty @Size(max = 32) List<ApiRequest.@Valid Target> targets,
                                @NotNull @DecimalMin("0") @DecimalMax("100") Double percent,
                                @Pattern(regexp = "[A-Za-z0-9-]+", message = "must be a header name") String header,
                                @Size(max = 200) String headerValue,
                                @Pattern(regexp = "[A-Za-z0-9!#$%&'*+.^_`|~-]+", message = "must be a cookie name") String cookie,
                                @Size(max = 200) String cookieValue) {
    }

    /** Traffic mirrored to a shadow upstream. */
    public record ShadowRequest(@NotBlank String url, @NotNull @DecimalMin("0") @DecimalMax("100") Double percent,
                                @Min(1) @Max(10_000) Integer maxConcurrent) {
    }

    /** The canary rule and how each variant is doing since it was set. */
    public record CanaryStatus(CanaryRule rule, Map<String, CanaryMetrics.VariantView> variants) {
    }

    @Inject
    CanaryMetrics canaryMetrics;

    @GET
    @Path("/{id}/canary")
    @WithSession
    @Operation(summary = "The canary rule, and requests, errors and latency per variant since it was set")
    public Uni<CanaryStatus> canary(@PathParam("id") String id) {
        return find(id).map(api -> new CanaryStatus(api.canary, canaryMetrics.view(api.id.toString())));
    }

    @PUT
    @Path("/{id}/canary")
    @Operation(summary = "Start or change a canary release (e.g. step up its percentage); consumers stay on their side while it holds")
    public Uni<ApiView> setCanary(@PathParam("id") String id, @Valid @NotNull CanaryRequest request) {
        if ((request.header() == null) != (request.headerValue() == null) || (request.cookie() == null) != (request.cookieValue() == null)) {
            throw DomainException.invalid("validation_failed", "a header rule needs header and headerValue, a cookie rule cookie and cookieValue");
        }
        List<UpstreamTarget> targets = request.targets().stream().map(ApiResource::target).toList();
        return changes.commit(() -> find(id).invoke(api -> {
            boolean newRelease = api.canary == null || !api.canary.targets().equals(targets);
            api.canary = new CanaryRule(targets, request.percent(), request.header(), request.headerValue(), request.cookie(),
                    request.cookieValue());
            api.updatedAt = Instant.now();
            if (newRelease) {
                canaryMetrics.reset(api.id.toString());
            }
        })).map(ApiView::of);
    }

    @POST
    @Path("/{id}/canary/promote")
    @Operation(summary = "Promote the canary: its targets become the API's targets, and the rule ends")
    public Uni<ApiView> promote(@PathParam("id") String id) {
        return changes.commit(() -> find(id).invoke(api -> {
            if (api.canary == null) {
                throw DomainException.conflict("no_canary", "API " + api.id + " has no canary to promote");
            }
            api.targets = api.canary.targets();
            endCanary(api);
        })).map(ApiView::of);
    }

    @DELETE
    @Path("/{id}/canary")
    @Operation(summary = "Roll back the canary: all traffic returns to the API's own targets")
    public Uni<ApiView> rollBack(@PathParam("id") String id) {
        return changes.commit(() -> find(id).invoke(api -> {
            if (api.canary == null) {
                throw DomainException.conflict("no_canary", "API " + api.id + " has no canary to roll back");
            }
            endCanary(api);
        })).map(ApiView::of);
    }

    private void endCanary(ApiEntity api) {
        api.canary = null;
        api.updatedAt = Instant.now();
        canaryMetrics.reset(api.id.toString());
    }

    @PUT
    @Path("/{id}/shadow")
    @Operation(summary = "Mirror a share of the API's requests to a shadow upstream; its answers never reach clients")
    public Uni<ApiView> setShadow(@PathParam("id") String id, @Valid @NotNull ShadowRequest request) {
        String url = target(new ApiRequest.Target(request.url(), 1)).url();
        return changes.commit(() -> find(id).invoke(api -> {
            api.shadow = new ShadowRule(url, request.percent(), request.maxConcurrent());
            api.updatedAt = Instant.now();
        })).map(ApiView::of);
    }

    @DELETE
    @Path("/{id}/shadow")
    @Operation(summary = "Stop mirroring")
    public Uni<ApiView> removeShadow(@PathParam("id") String id) {
        return changes.commit(() -> find(id).invoke(api -> {
            api.shadow = null;
            api.updatedAt = Instant.now();
        })).map(ApiView::of);
    }

    public static Uni<ApiEntity> find(String id) {
        return Ids.find("API", id, uuid -> ApiEntity.<ApiEntity>findById(uuid));
    }

    private static void apply(ApiEntity api, ApiRequest request) {
        io.gatehouse.protocol.config.UpstreamPolicy policy = request.upstreamPolicy();
        if (policy != null && !policy.problems().isEmpty()) {
            // The gateway checks the same rules when it compiles a snapshot: what passes here, it accepts.
            throw DomainException.invalidFields("upstreamPolicy", policy.problems());
        }
        api.name = request.name().trim();
        api.version = request.version().trim();
        api.host = request.host() == null || request.host().isBlank() ? null : request.host().toLowerCase(Locale.ROOT);
        api.basePath = normaliseBasePath(request.basePath());
        api.stripBasePath = request.stripBasePath() == null || request.stripBasePath();
        api.targets = request.targets().stream().map(ApiResource::target).toList();
        api.keyHeader = request.keyHeader() == null || request.keyHeader().isBlank() ? io.gatehouse.protocol.config.ApiDefinition.DEFAULT_KEY_HEADER : request.keyHeader();
        api.connectTimeoutMs = request.connectTimeoutMs() == null ? DEFAULT_CONNECT_TIMEOUT_MS : request.connectTimeoutMs();
        api.readTimeoutMs = request.readTimeoutMs() == null ? DEFAULT_READ_TIMEOUT_MS : request.readTimeoutMs();
        api.upstreamPolicy = request.upstreamPolicy();
        api.updatedAt = Instant.now();
    }

    private static UpstreamTarget target(ApiRequest.Target target) {
        try {
            UpstreamUrl.parse(target.url().trim());
        } catch (IllegalArgumentException e) {
            throw DomainException.invalid("invalid_upstream_url", e.getMessage());
        }
        return new UpstreamTarget(target.url().trim(), target.weight() == null ? 1 : target.weight(),
                target.discovery() == null || "STATIC".equals(target.discovery()) ? null : target.discovery());
    }

    static String normaliseBasePath(String basePath) {
        String path = basePath.trim();
        for (String segment : path.split("/")) {
            if (segment.equals(".") || segment.equals("..")) {
                throw DomainException.invalid("invalid_base_path", "a base path may not contain '.' or '..' segments");
            }
        }
        while (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return path;
    }

    /** Explicit checks give clear messages; the database's unique indexes still guard against races. */
    private static Uni<Void> checkUnique(ApiEntity api) {
        return ApiEntity.count("name = ?1 and version = ?2 and id <> ?3", api.name, api.version, api.id)
                .chain(sameName -> {
                    if (sameName > 0) {
                        throw DomainException.conflict("duplicate_name", "an API named " + api.name + " version " + api.version + " already exists");
                    }
                    return api.host == null
                            ? ApiEntity.count("host is null and basePath = ?1 and id <> ?2", api.basePath, api.id)
                            : ApiEntity.count("host = ?1 and basePath = ?2 and id <> ?3", api.host, api.basePath, api.id);
                })
                .invoke(samePath -> {
                    if (samePath > 0) {
                        throw DomainException.conflict("duplicate_route", "another API is already mounted on "
                                + (api.host == null ? "" : api.host) + api.basePath);
                    }
                })
                .replaceWithVoid();
    }
}
