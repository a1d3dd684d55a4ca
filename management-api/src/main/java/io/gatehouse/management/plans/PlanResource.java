package io.gatehouse.management.plans;

import io.gatehouse.management.http.DomainException;
import io.gatehouse.management.http.Ids;
import io.gatehouse.management.subscriptions.SubscriptionEntity;
import io.gatehouse.management.sync.ConfigChanges;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
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
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

@Path("/admin/plans")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Plans")
public class PlanResource {

    /**
     * A plan's limits; omit a limit for none.
     *
     * @param ratePerSecond steady requests per second per consumer and API
     * @param burst         extra requests allowed at once above the steady rate (default: none)
     * @param monthlyQuota  requests per calendar month (UTC)
     * @param quotaMode     HARD (default) or SOFT
     * @param failureMode   OPEN (default) or CLOSED: what nodes do when the control plane cannot be reached
     */
    public record PlanRequest(
            @NotBlank @Size(max = 100) @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9 ._-]*", message = "may hold letters, digits, space, '.', '_' and '-'")
            String name,
            @Size(max = 2000) String description,
            @Min(1) @Max(1_000_000) Long ratePerSecond,
            @Min(0) @Max(1_000_000) Long burst,
            @Min(0) Long monthlyQuota,
            QuotaMode quotaMode,
            FailureMode failureMode) {
    }

    public record PlanView(String id, String name, String description, Long ratePerSecond, Long burst, Long monthlyQuota,
                           QuotaMode quotaMode, FailureMode failureMode, Instant createdAt, Instant updatedAt) {
        static PlanView of(PlanEntity p) {
            return new PlanView(p.id.toString(), p.name, p.description, p.ratePerSecond, p.burst, p.monthlyQuota, p.quotaMode,
                    p.failureMode, p.createdAt, p.updatedAt);
        }
    }

    @Inject
    ConfigChanges changes;

    @GET
    @WithSession
    public Uni<List<PlanView>> list() {
        return PlanEntity.<PlanEntity>listAll().map(all -> all.stream()
                .sorted(Comparator.comparing((PlanEntity p) -> p.name)).map(PlanView::of).toList());
    }

    @GET
    @Path("/{id}")
    @WithSession
    public Uni<PlanView> get(@PathParam("id") String id) {
        return find(id).map(PlanView::of);
    }

    @POST
    @Operation(summary = "Create a plan")
    public Uni<Response> create(@Valid @NotNull PlanRequest request) {
        return changes.commit(() -> {
            PlanEntity plan = new PlanEntity();
            plan.id = UUID.randomUUID();
            plan.createdAt = Instant.now();
            apply(plan, request);
            return checkUnique(plan).chain(() -> plan.<PlanEntity>persist());
        }).map(plan -> Response.created(URI.create("/admin/plans/" + plan.id)).entity(PlanView.of(plan)).build());
    }

    @PUT
    @Path("/{id}")
    @Operation(summary = "Change a plan; its subscribers get the new limits")
    public Uni<PlanView> replace(@PathParam("id") String id, @Valid @NotNull PlanRequest request) {
        return changes.commit(() -> find(id).chain(plan -> {
            apply(plan, request);
            return checkUnique(plan).replaceWith(plan);
        })).map(PlanView::of);
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Delete a plan that no subscription uses")
    public Uni<Response> delete(@PathParam("id") String id) {
        return changes.commit(() -> find(id).chain(plan -> SubscriptionEntity.count("planId", plan.id).chain(used -> {
            if (used > 0) {
                throw DomainException.conflict("in_use", "plan " + plan.id + " is used by " + used + " subscriptions");
            }
            return plan.delete();
        }))).map(v -> Response.noContent().build());
    }

    public static Uni<PlanEntity> find(String id) {
        return Ids.find("plan", id, uuid -> PlanEntity.<PlanEntity>findById(uuid));
    }

    private static void apply(PlanEntity plan, PlanRequest request) {
        if (request.burst() != null && request.ratePerSecond() == null) {
            throw DomainException.invalid("validation_failed", "burst needs ratePerSecond");
        }
        plan.name = request.name().trim();
        plan.description = request.description();
        plan.ratePerSecond = request.ratePerSecond();
        plan.burst = request.ratePerSecond() == null ? null : (request.burst() == null ? 0L : request.burst());
        plan.monthlyQuota = request.monthlyQuota();
        plan.quotaMode = request.quotaMode() == null ? QuotaMode.HARD : request.quotaMode();
        plan.failureMode = request.failureMode() == null ? FailureMode.OPEN : request.failureMode();
        plan.updatedAt = Instant.now();
    }

    private static Uni<Void> checkUnique(PlanEntity plan) {
        return PlanEntity.count("name = ?1 and id <> ?2", plan.name, plan.id).invoke(n -> {
            if (n > 0) {
                throw DomainException.conflict("duplicate_name", "a plan named " + plan.name + " already exists");
            }
        }).replaceWithVoid();
    }
}
