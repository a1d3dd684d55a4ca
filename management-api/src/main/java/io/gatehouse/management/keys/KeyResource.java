package io.gatehouse.management.keys;

import io.gatehouse.management.http.Page;
import io.gatehouse.management.http.PageRequest;
import io.gatehouse.management.http.QueryFilters;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.net.URI;
import java.time.Instant;
import java.util.List;

@Path("/admin")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "API keys")
public class KeyResource {

    /** @param expiresAt when the key stops working (optional; must be in the future) */
    public record KeyRequest(Instant expiresAt) {
    }

    @Inject
    KeyService keys;

    @POST
    @Path("/applications/{applicationId}/keys")
    @Operation(summary = "Issue an API key; the response is the only time the key is shown")
    public Uni<Response> issue(@PathParam("applicationId") String applicationId, KeyRequest request) {
        return keys.issue(applicationId, request == null ? null : request.expiresAt())
                .map(k -> Response.created(URI.create("/admin/keys/" + k.id())).header("Cache-Control", "no-store").entity(k).build());
    }

    @GET
    @Path("/applications/{applicationId}/keys")
    @Operation(summary = "A page of an application's keys (prefixes, never the keys), oldest first. Filter: state")
    public Uni<Page<KeyView>> list(@PathParam("applicationId") String applicationId, @QueryParam("state") String state,
                                   @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        PageRequest page = PageRequest.of(limit, cursor);
        return keys.listOfApplication(applicationId, QueryFilters.enumValue("state", KeyState.class, state), page);
    }

    @GET
    @Path("/keys")
    @Operation(summary = "A page of keys (prefixes, never the keys), oldest first; an api-owner sees keys of applications subscribed to their team's APIs. Filters: applicationId, state; total only with applicationId")
    public Uni<Page<KeyView>> listAll(@QueryParam("applicationId") String applicationId, @QueryParam("state") String state,
                                      @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        PageRequest page = PageRequest.of(limit, cursor);
        return keys.list(new KeyService.Filter(QueryFilters.id("applicationId", applicationId),
                QueryFilters.enumValue("state", KeyState.class, state)), page);
    }

    @GET
    @Path("/keys/{id}")
    public Uni<KeyView> get(@PathParam("id") String id) {
        return keys.get(id);
    }

    @POST
    @Path("/keys/{id}/revoke")
    @Operation(summary = "Revoke a key; every connected gateway refuses it within a second")
    public Uni<KeyView> revoke(@PathParam("id") String id) {
        return keys.revoke(id);
    }
}
