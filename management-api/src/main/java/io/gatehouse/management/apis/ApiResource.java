package io.gatehouse.management.apis;

import io.gatehouse.management.http.DomainException;
import io.gatehouse.management.http.Ids;
import io.gatehouse.management.subscriptions.SubscriptionEntity;
import io.gatehouse.management.subscriptions.SubscriptionStatus;
import io.gatehouse.management.sync.ConfigChanges;
import io.gatehouse.protocol.config.UpstreamTarget;
import io.gatehouse.protocol.config.UpstreamUrl;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
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
import java.util.UUID;

@Path("/admin/apis")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "APIs")
public class ApiResource {
    static final int DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
    static final int DEFAULT_READ_TIMEOUT_MS = 60_000;

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

    public static Uni<ApiEntity> find(String id) {
        UUID uuid = Ids.parse("API", id);
        return ApiEntity.<ApiEntity>findById(uuid).onItem().ifNull().failWith(() -> DomainException.notFound("API", id));
    }

    private static void apply(ApiEntity api, ApiRequest request) {
        api.name = request.name().trim();
        api.version = request.version().trim();
        api.host = request.host() == null || request.host().isBlank() ? null : request.host().toLowerCase(Locale.ROOT);
        api.basePath = normaliseBasePath(request.basePath());
        api.stripBasePath = request.stripBasePath() == null || request.stripBasePath();
        api.targets = request.targets().stream().map(ApiResource::target).toList();
        api.keyHeader = request.keyHeader() == null || request.keyHeader().isBlank() ? "X-API-Key" : request.keyHeader();
        api.connectTimeoutMs = request.connectTimeoutMs() == null ? DEFAULT_CONNECT_TIMEOUT_MS : request.connectTimeoutMs();
        api.readTimeoutMs = request.readTimeoutMs() == null ? DEFAULT_READ_TIMEOUT_MS : request.readTimeoutMs();
        ApiRequest.Policy p = request.upstreamPolicy();
        api.upstreamPolicy = p == null ? null : new io.gatehouse.protocol.config.UpstreamPolicy(p.loadBalancing(), p.retries(),
                p.ejectAfterFailures(), p.ejectionMs(), p.probePath(), p.probeTimeoutMs(), p.maxPendingRequests(),
                p.circuitFailurePercent(), p.circuitMinRequests(), p.circuitWindowMs(), p.circuitOpenMs());
        api.updatedAt = Instant.now();
    }

    private static UpstreamTarget target(ApiRequest.Target target) {
        try {
            UpstreamUrl.parse(target.url().trim());
        } catch (IllegalArgumentException e) {
            throw DomainException.invalid("invalid_upstream_url", e.getMessage());
        }
        return new UpstreamTarget(target.url().trim(), target.weight() == null ? 1 : target.weight());
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
