package io.gatehouse.management.keys;

import io.gatehouse.management.applications.ApplicationResource;
import io.gatehouse.management.http.DomainException;
import io.gatehouse.management.http.Ids;
import io.gatehouse.management.http.Timestamps;
import io.gatehouse.management.sync.ConfigChanges;
import io.gatehouse.protocol.keys.ApiKeys;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
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
import java.util.UUID;

@Path("/admin")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "API keys")
public class KeyResource {

    /** @param expiresAt when the key stops working (optional; in the future and before 2100) */
    public record KeyRequest(Instant expiresAt) {
    }

    /** The one response that carries the key: it cannot be read again. */
    public record IssuedKey(String id, String applicationId, String key, String prefix, Instant createdAt, Instant expiresAt) {
    }

    public record KeyView(String id, String applicationId, String prefix, String state, Instant createdAt, Instant expiresAt,
                          Instant revokedAt) {
        static KeyView of(ApiKeyEntity k) {
            return new KeyView(k.id.toString(), k.applicationId.toString(), k.prefix, k.state(Instant.now()), k.createdAt,
                    k.expiresAt, k.revokedAt);
        }
    }

    @Inject
    ConfigChanges changes;

    @POST
    @Path("/applications/{applicationId}/keys")
    @Operation(summary = "Issue an API key; the response is the only time the key is shown")
    public Uni<Response> issue(@PathParam("applicationId") String applicationId, KeyRequest request) {
        Instant expiresAt = Timestamps.requireInRange("expiresAt", request == null ? null : request.expiresAt());
        if (expiresAt != null && !expiresAt.isAfter(Instant.now())) {
            throw DomainException.invalid("validation_failed", "expiresAt must be in the future");
        }
        String key = ApiKeys.generate();
        return changes.commit(() -> ApplicationResource.find(applicationId).chain(app -> {
            ApiKeyEntity entity = new ApiKeyEntity();
            entity.id = UUID.randomUUID();
            entity.applicationId = app.id;
            entity.keyHash = ApiKeys.hash(key);
            entity.prefix = ApiKeys.displayPrefix(key);
            entity.createdAt = Instant.now();
            entity.expiresAt = expiresAt;
            return entity.<ApiKeyEntity>persist();
        })).map(k -> Response.created(URI.create("/admin/keys/" + k.id))
                .header("Cache-Control", "no-store")
                .entity(new IssuedKey(k.id.toString(), k.applicationId.toString(), key, k.prefix, k.createdAt, k.expiresAt))
                .build());
    }

    @GET
    @Path("/applications/{applicationId}/keys")
    @WithSession
    @Operation(summary = "An application's keys, without the keys themselves")
    public Uni<List<KeyView>> list(@PathParam("applicationId") String applicationId) {
        return ApplicationResource.find(applicationId)
                .chain(app -> ApiKeyEntity.<ApiKeyEntity>list("applicationId = ?1 order by createdAt", app.id))
                .map(all -> all.stream().map(KeyView::of).toList());
    }

    @GET
    @Path("/keys/{id}")
    @WithSession
    public Uni<KeyView> get(@PathParam("id") String id) {
        return find(id).map(KeyView::of);
    }

    @POST
    @Path("/keys/{id}/revoke")
    @Operation(summary = "Revoke a key; every connected gateway refuses it within a second")
    public Uni<KeyView> revoke(@PathParam("id") String id) {
        return changes.commit(() -> find(id).invoke(k -> {
            if (k.revokedAt == null) {
                k.revokedAt = Instant.now();
            }
        })).map(KeyView::of);
    }

    static Uni<ApiKeyEntity> find(String id) {
        return Ids.find("key", id, uuid -> ApiKeyEntity.<ApiKeyEntity>findById(uuid));
    }
}
