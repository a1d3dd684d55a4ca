package io.gatehouse.management.subscriptions;

import io.gatehouse.management.apis.ApiEntity;
import io.gatehouse.management.apis.ApiStatus;
import io.gatehouse.management.applications.ApplicationEntity;
import io.gatehouse.management.http.DomainException;
import io.gatehouse.management.http.Ids;
import io.gatehouse.management.http.Timestamps;
import io.gatehouse.management.plans.PlanEntity;
import io.gatehouse.management.sync.ConfigChanges;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
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
import java.time.Instant;
import java.util.List;
import java.util.UUID;

@Path("/admin")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Subscriptions")
public class SubscriptionResource {

    /** @param billingAnchor optional: monthly quota periods start on this day and time; default calendar months (UTC); 2000 to 2099 */
    public record SubscriptionRequest(@NotBlank String applicationId, @NotBlank String apiId, @NotBlank String planId,
                                      Instant billingAnchor) {
    }

    public record PlanChange(@NotBlank String planId) {
    }

    public record SubscriptionView(String id, String applicationId, String apiId, String planId, SubscriptionStatus status,
                                   Instant billingAnchor, Instant createdAt, Instant cancelledAt) {
        static SubscriptionView of(SubscriptionEntity s) {
            return new SubscriptionView(s.id.toString(), s.applicationId.toString(), s.apiId.toString(), s.planId.toString(),
                    s.status, s.billingAnchor, s.createdAt, s.cancelledAt);
        }
    }

    @Inject
    ConfigChanges changes;

    @GET
    @Path("/subscriptions")
    @WithSession
    @Operation(summary = "Subscriptions, optionally of one application")
    public Uni<List<SubscriptionView>> list(@QueryParam("applicationId") String applicationId) {
        Uni<List<SubscriptionEntity>> found = applicationId == null
                ? SubscriptionEntity.list("order by createdAt")
                : SubscriptionEntity.list("applicationId = ?1 order by createdAt", Ids.parse("application", applicationId));
        return found.map(all -> all.stream().map(SubscriptionView::of).toList());
    }

    @GET
    @Path("/subscriptions/{id}")
    @WithSession
    public Uni<SubscriptionView> get(@PathParam("id") String id) {
        return find(id).map(SubscriptionView::of);
    }

    @POST
    @Path("/subscriptions")
    @Operation(summary = "Subscribe an application to a published API under a plan")
    public Uni<Response> create(@Valid @NotNull SubscriptionRequest request) {
        Timestamps.requireInRange("billingAnchor", request.billingAnchor());
        UUID applicationId = Ids.reference("application", request.applicationId());
        UUID apiId = Ids.reference("API", request.apiId());
        UUID planId = Ids.reference("plan", request.planId());
        return changes.commit(() -> ApplicationEntity.<ApplicationEntity>findById(applicationId)
                .onItem().ifNull().failWith(() -> DomainException.unknownReference("application", request.applicationId()))
                .chain(app -> ApiEntity.<ApiEntity>findById(apiId))
                .onItem().ifNull().failWith(() -> DomainException.unknownReference("API", request.apiId()))
                .invoke(api -> {
                    if (api.status != ApiStatus.PUBLISHED) {
                        throw DomainException.conflict("api_not_published", "API " + api.id + " is " + api.status + " and takes no new subscriptions");
                    }
                })
                .chain(api -> PlanEntity.<PlanEntity>findById(planId))
                .onItem().ifNull().failWith(() -> DomainException.unknownReference("plan", request.planId()))
                .chain(plan -> SubscriptionEntity.count("applicationId = ?1 and apiId = ?2 and status = ?3",
                        applicationId, apiId, SubscriptionStatus.ACTIVE))
                .chain(existing -> {
                    if (existing > 0) {
                        throw DomainException.conflict("already_subscribed", "this application already has an active subscription to this API");
                    }
                    SubscriptionEntity subscription = new SubscriptionEntity();
                    subscription.id = UUID.randomUUID();
                    subscription.applicationId = applicationId;
                    subscription.apiId = apiId;
                    subscription.planId = planId;
                    subscription.status = SubscriptionStatus.ACTIVE;
                    subscription.billingAnchor = request.billingAnchor();
                    subscription.createdAt = Instant.now();
                    return subscription.<SubscriptionEntity>persist();
                }))
                .map(s -> Response.created(URI.create("/admin/subscriptions/" + s.id)).entity(SubscriptionView.of(s)).build());
    }

    @PUT
    @Path("/subscriptions/{id}/plan")
    @Operation(summary = "Move a subscription to another plan; every gateway applies it within a second, and the period's usage carries over")
    public Uni<SubscriptionView> changePlan(@PathParam("id") String id, @Valid @NotNull PlanChange change) {
        UUID planId = Ids.reference("plan", change.planId());
        return changes.commit(() -> find(id).chain(s -> {
            if (s.status != SubscriptionStatus.ACTIVE) {
                throw DomainException.conflict("not_active", "subscription " + s.id + " is " + s.status);
            }
            return PlanEntity.<PlanEntity>findById(planId)
                    .onItem().ifNull().failWith(() -> DomainException.unknownReference("plan", change.planId()))
                    .map(plan -> {
                        s.planId = plan.id;
                        return s;
                    });
        })).map(SubscriptionView::of);
    }

    @DELETE
    @Path("/subscriptions/{id}")
    @Operation(summary = "Cancel a subscription; the application's keys stop working for that API")
    public Uni<SubscriptionView> cancel(@PathParam("id") String id) {
        return changes.commit(() -> find(id).invoke(s -> {
            if (s.status == SubscriptionStatus.ACTIVE) {
                s.status = SubscriptionStatus.CANCELLED;
                s.cancelledAt = Instant.now();
            }
        })).map(SubscriptionView::of);
    }

    public static Uni<SubscriptionEntity> find(String id) {
        return Ids.find("subscription", id, uuid -> SubscriptionEntity.<SubscriptionEntity>findById(uuid));
    }
}
