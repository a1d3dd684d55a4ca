package io.gatehouse.management.plans;

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
import jakarta.ws.rs.PUT;
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

@Path("/admin/plans")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Plans")
public class PlanResource {

    @Inject
    PlanService plans;

    @GET
    @Operation(summary = "A page of plans, oldest first. Filters: apiId (the plans an API offers), namePrefix")
    public Uni<Page<PlanView>> list(@QueryParam("apiId") String apiId, @QueryParam("namePrefix") String namePrefix,
                                    @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        PageRequest page = PageRequest.of(limit, cursor);
        return plans.list(new PlanService.Filter(apiId == null || apiId.isBlank() ? null : apiId.trim(), namePrefix), page);
    }

    @GET
    @Path("/{id}")
    public Uni<PlanView> get(@PathParam("id") String id) {
        return plans.get(id);
    }

    @POST
    @Operation(summary = "Create a plan")
    public Uni<Response> create(@Valid @NotNull PlanRequest request) {
        return plans.create(request).map(plan -> Response.created(URI.create("/admin/plans/" + plan.id())).entity(plan).build());
    }

    @PUT
    @Path("/{id}")
    @Operation(summary = "Change a plan; its subscribers get the new limits")
    public Uni<PlanView> replace(@PathParam("id") String id, @Valid @NotNull PlanRequest request) {
        return plans.replace(id, request);
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Delete a plan that no subscription uses")
    public Uni<Response> delete(@PathParam("id") String id) {
        return plans.delete(id).map(v -> Response.noContent().build());
    }
}
