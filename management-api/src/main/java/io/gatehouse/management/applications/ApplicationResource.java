package io.gatehouse.management.applications;

import io.gatehouse.management.http.Page;
import io.gatehouse.management.http.PageRequest;
import io.gatehouse.management.http.QueryFilters;
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
@Tag(name = "Applications")
public class ApplicationResource {

    @Inject
    ApplicationService applications;

    @GET
    @Path("/consumers/{consumerId}/applications")
    @Operation(summary = "A page of a consumer's applications, oldest first. Filter: namePrefix")
    public Uni<Page<ApplicationView>> list(@PathParam("consumerId") String consumerId, @QueryParam("namePrefix") String namePrefix,
                                           @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        PageRequest page = PageRequest.of(limit, cursor);
        return applications.listOfConsumer(consumerId, namePrefix, page);
    }

    @GET
    @Path("/applications")
    @Operation(summary = "A page of applications, oldest first. Filters: consumerId, namePrefix")
    public Uni<Page<ApplicationView>> listAll(@QueryParam("consumerId") String consumerId, @QueryParam("namePrefix") String namePrefix,
                                              @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        PageRequest page = PageRequest.of(limit, cursor);
        return applications.list(new ApplicationService.Filter(QueryFilters.id("consumerId", consumerId), namePrefix), page);
    }

    @POST
    @Path("/consumers/{consumerId}/applications")
    @Operation(summary = "Create an application for a consumer")
    public Uni<Response> create(@PathParam("consumerId") String consumerId, @Valid @NotNull ApplicationRequest request) {
        return applications.create(consumerId, request)
                .map(a -> Response.created(URI.create("/admin/applications/" + a.id())).entity(a).build());
    }

    @GET
    @Path("/applications/{id}")
    public Uni<ApplicationView> get(@PathParam("id") String id) {
        return applications.get(id);
    }

    @DELETE
    @Path("/applications/{id}")
    @Operation(summary = "Delete an application with its subscriptions and keys; its keys stop working")
    public Uni<Response> delete(@PathParam("id") String id) {
        return applications.delete(id).map(v -> Response.noContent().build());
    }
}
