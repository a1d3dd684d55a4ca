package io.gatehouse.management.consumers;

import io.gatehouse.management.http.Page;
import io.gatehouse.management.http.PageRequest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
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
import java.util.List;

@Path("/admin")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Consumers")
public class ConsumerResource {

    @Inject
    ConsumerService consumers;

    @GET
    @Path("/consumers")
    @Operation(summary = "A page of consumers, oldest first. Filters: usernamePrefix, emailPrefix (any case)")
    public Uni<Page<ConsumerView>> list(@QueryParam("usernamePrefix") String usernamePrefix, @QueryParam("emailPrefix") String emailPrefix,
                                        @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        return consumers.list(new ConsumerService.Filter(usernamePrefix, emailPrefix), PageRequest.of(limit, cursor));
    }

    @GET
    @Path("/consumers/{id}")
    public Uni<ConsumerView> get(@PathParam("id") String id) {
        return consumers.get(id);
    }

    @POST
    @Path("/consumers")
    @Operation(summary = "Register a consumer")
    public Uni<Response> create(@Valid @NotNull ConsumerRequest request) {
        return consumers.register(request).map(c -> Response.created(URI.create("/admin/consumers/" + c.id())).entity(c).build());
    }

    @DELETE
    @Path("/consumers/{id}")
    @Operation(summary = "Delete a consumer with its applications, subscriptions and keys; its keys stop working")
    public Uni<Response> delete(@PathParam("id") String id) {
        return consumers.delete(id).map(v -> Response.noContent().build());
    }
}
