package io.gatehouse.management.plans;

import io.gatehouse.management.changes.ChangeLog;
import io.gatehouse.management.http.AdminError;
import io.gatehouse.management.http.Ids;
import io.gatehouse.management.subscriptions.SubscriptionEntity;
import io.gatehouse.management.sync.ConfigChanges;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Plans: the limits a subscription runs under. */
@ApplicationScoped
public class PlanService {

    @Inject
    ConfigChanges changes;

    @WithSession
    public Uni<List<PlanView>> list() {
        return PlanEntity.<PlanEntity>listAll().map(all -> all.stream()
                .sorted(Comparator.comparing((PlanEntity p) -> p.name)).map(PlanView::of).toList());
    }

    @WithSession
    public Uni<PlanView> get(String id) {
        return find(id).map(PlanView::of);
    }

    public Uni<PlanView> create(@Valid @NotNull PlanRequest request) {
        return changes.commit(log -> create(log, request)).map(PlanView::of);
    }

    /** The creation inside a change another use case is making (publishing an API with its plans). */
    public Uni<PlanEntity> create(ChangeLog log, PlanRequest request) {
        PlanEntity plan = new PlanEntity();
        plan.id = UUID.randomUUID();
        plan.createdAt = Instant.now();
        apply(plan, request);
        return checkUnique(plan).chain(() -> plan.<PlanEntity>persist()).invoke(log::created);
    }

    /** Changes a plan; its subscribers get the new limits. */
    public Uni<PlanView> replace(String id, @Valid @NotNull PlanRequest request) {
        return changes.commit(log -> find(id).chain(plan -> {
            Map<String, Object> before = log.fields(plan);
            apply(plan, request);
            return checkUnique(plan).invoke(() -> log.updated(before, plan)).replaceWith(plan);
        })).map(PlanView::of);
    }

    /** Deletes a plan that no subscription uses. */
    public Uni<Void> delete(String id) {
        return changes.commit(log -> find(id).chain(plan -> SubscriptionEntity.count("planId", plan.id).chain(used -> {
            if (used > 0) {
                throw AdminError.IN_USE.with("plan " + plan.id + " is used by " + used + " subscriptions");
            }
            log.deleted(plan);
            return plan.delete();
        }))).replaceWithVoid();
    }

    public static Uni<PlanEntity> find(String id) {
        return Ids.find("plan", id, uuid -> PlanEntity.<PlanEntity>findById(uuid));
    }

    private static void apply(PlanEntity plan, PlanRequest request) {
        if (request.burst() != null && request.ratePerSecond() == null) {
            throw AdminError.VALIDATION_FAILED.with("burst needs ratePerSecond");
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
                throw AdminError.DUPLICATE_NAME.with("a plan named " + plan.name + " already exists");
            }
        }).replaceWithVoid();
    }
}
