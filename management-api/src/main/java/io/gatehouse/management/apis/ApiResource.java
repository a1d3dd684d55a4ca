package io.gatehouse.management.apis;

import io.gatehouse.management.changes.ChangeHistory;
import io.gatehouse.management.changes.ChangeView;
import io.gatehouse.management.http.Page;
import io.gatehouse.management.http.PageRequest;
import io.gatehouse.management.http.QueryFilters;
import io.gatehouse.management.plans.PlanRequest;
import io.gatehouse.management.plans.PlanService;
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
import java.time.Instant;
import java.util.List;

@Path("/admin/apis")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "APIs")
public class ApiResource {

    @Inject
    ApiService apis;
    @Inject
    ChangeHistory history;
    @Inject
    PlanService plans;

    @GET
    @Operation(summary = "A page of APIs, drafts included, oldest first; an api-owner sees their team's. Filters: status, team, namePrefix")
    public Uni<Page<ApiView>> list(@QueryParam("status") String status, @QueryParam("team") String team,
                                   @QueryParam("namePrefix") String namePrefix,
                                   @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        PageRequest page = PageRequest.of(limit, cursor);
        return apis.list(new ApiService.Filter(QueryFilters.enumValue("status", ApiStatus.class, status),
                team == null || team.isBlank() ? null : team.trim(), namePrefix), page);
    }

    @POST
    @Path("/{id}/plans")
    @Operation(summary = "Create a plan that this API offers")
    public Uni<Response> createPlan(@PathParam("id") String id, @Valid @NotNull PlanRequest request) {
        return plans.createFor(id, request).map(plan -> Response.created(URI.create("/admin/plans/" + plan.id())).entity(plan).build());
    }

    @GET
    @Path("/{id}")
    public Uni<ApiView> get(@PathParam("id") String id) {
        return apis.get(id);
    }

    @POST
    @Operation(summary = "Create an API; it reaches the gateways once PUBLISHED")
    public Uni<Response> create(@Valid @NotNull ApiRequest request) {
        return apis.create(request).map(api -> Response.created(URI.create("/admin/apis/" + api.id())).entity(api).build());
    }

    @PUT
    @Path("/{id}")
    @Operation(summary = "Replace an API; a status change must follow DRAFT -> PUBLISHED <-> DEPRECATED")
    public Uni<ApiView> replace(@PathParam("id") String id, @Valid @NotNull ApiRequest request) {
        return apis.replace(id, request);
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Delete an API that no application subscribes to")
    public Uni<Response> delete(@PathParam("id") String id) {
        return apis.delete(id).map(v -> Response.noContent().build());
    }

    /** @param sunsetAt when the deprecated API stops being served; null withdraws the date */
    public record SunsetRequest(Instant sunsetAt) {
    }

    @PUT
    @Path("/{id}/sunset")
    @Operation(summary = "Announce when a DEPRECATED API stops being served (shown in the portal's catalog); null withdraws it")
    public Uni<ApiView> sunset(@PathParam("id") String id, SunsetRequest request) {
        return apis.setSunset(id, request == null ? null : request.sunsetAt());
    }

    @PUT
    @Path("/{id}/cors")
    @Operation(summary = "Set which web pages (origins) may call the API from a browser; the developer portal's origin is always allowed")
    public Uni<ApiView> setCors(@PathParam("id") String id, @NotNull io.gatehouse.protocol.config.CorsRule rule) {
        return apis.setCors(id, rule);
    }

    @DELETE
    @Path("/{id}/cors")
    @Operation(summary = "Back to the default: only the developer portal's pages may call the API from a browser")
    public Uni<ApiView> removeCors(@PathParam("id") String id) {
        return apis.setCors(id, null);
    }

    @GET
    @Path("/{id}/changes")
    @Operation(summary = "The API's change history, newest first: who changed it, its plans, subscriptions and documents, from where, before and after")
    public Uni<List<ChangeView>> changes(@PathParam("id") String id) {
        // The history is capped (ChangeHistory); the API is looked up first so another team's history is not found.
        return apis.get(id).chain(api -> history.ofApi(id));
    }

    @GET
    @Path("/{id}/canary")
    @Operation(summary = "The canary rule, and requests, errors and latency per variant since it was set")
    public Uni<CanaryStatus> canary(@PathParam("id") String id) {
        return apis.canary(id);
    }

    @PUT
    @Path("/{id}/canary")
    @Operation(summary = "Start or change a canary release (e.g. step up its percentage); consumers stay on their side while it holds")
    public Uni<ApiView> setCanary(@PathParam("id") String id, @Valid @NotNull CanaryRequest request) {
        return apis.setCanary(id, request);
    }

    @POST
    @Path("/{id}/canary/promote")
    @Operation(summary = "Promote the canary: its targets become the API's targets, and the rule ends")
    public Uni<ApiView> promote(@PathParam("id") String id) {
        return apis.promoteCanary(id);
    }

    @DELETE
    @Path("/{id}/canary")
    @Operation(summary = "Roll back the canary: all traffic returns to the API's own targets")
    public Uni<ApiView> rollBack(@PathParam("id") String id) {
        return apis.rollBackCanary(id);
    }

    @PUT
    @Path("/{id}/shadow")
    @Operation(summary = "Mirror a share of the API's requests to a shadow upstream; its answers never reach clients")
    public Uni<ApiView> setShadow(@PathParam("id") String id, @Valid @NotNull ShadowRequest request) {
        return apis.setShadow(id, request);
    }

    @DELETE
    @Path("/{id}/shadow")
    @Operation(summary = "Stop mirroring")
    public Uni<ApiView> removeShadow(@PathParam("id") String id) {
        return apis.removeShadow(id);
    }
}
