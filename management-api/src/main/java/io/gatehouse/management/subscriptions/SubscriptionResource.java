package io.gatehouse.management.subscriptions;

import io.gatehouse.management.http.Page;
import io.gatehouse.management.http.PageRequest;
import io.gatehouse.management.http.QueryFilters;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.net.URI;
import java.util.List;

@Path("/admin")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Subscriptions")
public class SubscriptionResource {

    public record PlanChange(@NotBlank String planId) {
    }

    /** @param reason shown to the developer */
    public record Reason(@Size(max = 2000) String reason) {
    }

    @Inject
    SubscriptionService subscriptions;

    @GET
    @Path("/subscriptions")
    @Operation(summary = "A page of subscriptions, oldest first; an api-owner sees those to their team's APIs. Filters: apiId, applicationId, planId, status")
    public Uni<Page<SubscriptionView>> list(@QueryParam("apiId") String apiId, @QueryParam("applicationId") String applicationId,
                                            @QueryParam("planId") String planId, @QueryParam("status") String status,
                                            @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        PageRequest page = PageRequest.of(limit, cursor);
        return subscriptions.list(new SubscriptionService.Filter(apiId, applicationId, planId,
                QueryFilters.enumValue("status", SubscriptionStatus.class, status)), page);
    }

    @GET
    @Path("/subscriptions/{id}")
    public Uni<SubscriptionView> get(@PathParam("id") String id) {
        return subscriptions.get(id);
    }

    @POST
    @Path("/subscriptions")
    @Operation(summary = "Subscribe an application to a published API under a plan; it is ACTIVE at once")
    public Uni<Response> create(@Valid @NotNull SubscriptionRequest request) {
        return subscriptions.subscribe(request)
                .map(s -> Response.created(URI.create("/admin/subscriptions/" + s.id())).entity(s).build());
    }

    @PUT
    @Path("/subscriptions/{id}/plan")
    @Operation(summary = "Move a subscription to another plan; every gateway applies it within a second, and the period's usage carries over")
    public Uni<SubscriptionView> changePlan(@PathParam("id") String id, @Valid @NotNull PlanChange change) {
        return subscriptions.changePlan(id, change.planId());
    }

    @POST
    @Path("/subscriptions/{id}/approve")
    @Operation(summary = "Approve a PENDING subscription: it becomes ACTIVE")
    public Uni<SubscriptionView> approve(@PathParam("id") String id) {
        return subscriptions.approve(id);
    }

    @POST
    @Path("/subscriptions/{id}/reject")
    @Operation(summary = "Reject a PENDING subscription, with a reason the developer sees")
    public Uni<SubscriptionView> reject(@PathParam("id") String id, @Valid Reason reason) {
        return subscriptions.reject(id, reason == null ? null : reason.reason());
    }

    @POST
    @Path("/subscriptions/{id}/suspend")
    @Operation(summary = "Suspend an ACTIVE subscription: its keys stop working for the API until it is resumed")
    public Uni<SubscriptionView> suspend(@PathParam("id") String id, @Valid Reason reason) {
        return subscriptions.suspend(id, reason == null ? null : reason.reason());
    }

    @POST
    @Path("/subscriptions/{id}/resume")
    @Operation(summary = "Resume a SUSPENDED subscription")
    public Uni<SubscriptionView> resume(@PathParam("id") String id) {
        return subscriptions.resume(id);
    }

    @DELETE
    @Path("/subscriptions/{id}")
    @Operation(summary = "Close a subscription; the application's keys stop working for that API")
    public Uni<SubscriptionView> cancel(@PathParam("id") String id) {
        return subscriptions.close(id);
    }
}
