package io.gatehouse.management.plans;

import io.gatehouse.management.changes.ChangeLog;
import io.gatehouse.management.http.AdminError;
import io.gatehouse.management.apis.ApiPlanEntity;
import io.gatehouse.management.apis.ApiService;
import io.gatehouse.management.apis.TeamScope;
import io.gatehouse.management.http.DomainException;
import io.gatehouse.management.http.Ids;
import io.gatehouse.management.http.Keyset;
import io.gatehouse.management.http.Page;
import io.gatehouse.management.http.PageRequest;
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
    @Inject
    TeamScope teams;

    /** What a plan list can be narrowed to: the plans one API offers, a name prefix. */
    public record Filter(String apiId, String namePrefix) {
    }

    /** A page of plans, oldest first; an api-owner sees the plans their team's APIs offer and those no API offers. */
    @WithSession
    public Uni<Page<PlanView>> list(Filter filter, PageRequest page) {
        TeamScope.Scope scope = teams.current();
        Uni<java.util.UUID> api = filter.apiId() == null ? Uni.createFrom().nullItem()
                : ApiService.visible(scope, filter.apiId()).map(a -> a.id)
                        .onFailure(DomainException.class).transform(e -> DomainException.unknownReference("API", filter.apiId()));
        return api.chain(apiId -> (scope.plans(Keyset.over("PlanEntity", (PlanEntity p) -> p.createdAt, p -> p.id)
                        .where("e.id in (select o.planId from ApiPlanEntity o where o.apiId = :apiId)", "apiId", apiId)
                        .where("e.name like :name escape '!'", "name", Keyset.prefix(filter.namePrefix())))
                .page(page, true, q -> PlanEntity.<PlanEntity>find(q.hql(), q.params()).range(0, q.rows() - 1).list(),
                        q -> PlanEntity.count(q.hql(), q.params()), PlanView::of)))
                .chain(this::withPricing);
    }

    /** Every plan by name, whoever asks: the console's publish form offers them. */
    @WithSession
    public Uni<List<PlanView>> list() {
        return PlanEntity.<PlanEntity>listAll().chain(all -> PlanPricing.versions(all.stream().map(p -> p.id).toList())
                .map(byPlan -> all.stream().sorted(Comparator.comparing((PlanEntity p) -> p.name))
                        .map(p -> PlanView.of(p, byPlan.getOrDefault(p.id, List.of()))).toList()));
    }

    @WithSession
    public Uni<PlanView> get(String id) {
        return visible(teams.current(), id).chain(PlanService::priced);
    }

    public Uni<PlanView> create(@Valid @NotNull PlanRequest request) {
        return changes.commit(log -> create(log, request).chain(PlanService::priced));
    }

    /** A plan with its price versions. */
    static Uni<PlanView> priced(PlanEntity plan) {
        return PlanPricing.versions(plan.id).map(versions -> PlanView.of(plan, versions));
    }

    /** A page of plans with their prices, read in one query. */
    private Uni<Page<PlanView>> withPricing(Page<PlanView> page) {
        List<UUID> ids = page.items().stream().map(p -> UUID.fromString(p.id())).toList();
        return PlanPricing.versions(ids).map(byPlan -> page.map(p -> byPlan.containsKey(UUID.fromString(p.id()))
                ? new PlanView(p.id(), p.name(), p.description(), p.ratePerSecond(), p.burst(), p.monthlyQuota(), p.quotaMode(),
                p.failureMode(), p.requiresApproval(), p.createdAt(), p.updatedAt(), pick(byPlan.get(UUID.fromString(p.id())), true), pick(byPlan.get(UUID.fromString(p.id())), false))
                : p));
    }

    private static PriceView pick(List<PlanPriceEntity> versions, boolean current) {
        PlanEntity shell = new PlanEntity();
        shell.id = versions.get(0).planId;
        PlanView view = PlanView.of(shell, versions);
        return current ? view.pricing() : view.nextPricing();
    }

    /** Creates a plan the API offers, in one change; another team's API is not found. */
    public Uni<PlanView> createFor(String apiId, @Valid @NotNull PlanRequest request) {
        TeamScope.Scope scope = teams.current();
        return changes.commit(log -> ApiService.visible(scope, apiId).chain(api -> create(log, request).call(plan -> {
            ApiPlanEntity offer = new ApiPlanEntity();
            offer.apiId = api.id;
            offer.planId = plan.id;
            return offer.persist().invoke(log::created);
        }))).map(PlanView::of);
    }

    /** The creation inside a change another use case is making (publishing an API with its plans). */
    public Uni<PlanEntity> create(ChangeLog log, PlanRequest request) {
        PlanEntity plan = new PlanEntity();
        plan.id = UUID.randomUUID();
        plan.createdAt = Instant.now();
        apply(plan, request);
        return checkUnique(plan).chain(() -> plan.<PlanEntity>persist()).invoke(log::created)
                .call(created -> request.pricing() == null ? Uni.createFrom().voidItem()
                        : PlanPricing.set(log, created, request.pricing(), plan.updatedAt));
    }

    /** Changes a plan; its subscribers get the new limits. */
    public Uni<PlanView> replace(String id, @Valid @NotNull PlanRequest request) {
        TeamScope.Scope scope = teams.current();
        return changes.commit(log -> changeable(scope, id).chain(plan -> {
            Map<String, Object> before = log.fields(plan);
            apply(plan, request);
            return checkUnique(plan).invoke(() -> log.updated(before, plan))
                    .chain(() -> request.pricing() == null ? Uni.createFrom().voidItem()
                            : PlanPricing.set(log, plan, request.pricing(), plan.updatedAt).replaceWithVoid())
                    .chain(() -> priced(plan));
        }));
    }

    /**
     * Sets a plan's price alone (the finance view's form): a new price version, applying from each subscription's next
     * period, recorded in the plan's change history.
     */
    public Uni<PlanView> setPricing(String id, @Valid @NotNull PricingRequest pricing) {
        return changes.commit(log -> find(id).call(plan -> PlanPricing.set(log, plan, pricing, Instant.now())).chain(PlanService::priced));
    }

    /** Deletes a plan that no subscription uses. */
    public Uni<Void> delete(String id) {
        TeamScope.Scope scope = teams.current();
        return changes.commit(log -> changeable(scope, id).chain(plan -> SubscriptionEntity.count("planId", plan.id).chain(used -> {
            if (used > 0) {
                throw AdminError.IN_USE.with("plan " + plan.id + " is used by " + used + " subscriptions");
            }
            log.deleted(plan);
            return plan.delete();
        }))).replaceWithVoid();
    }

    /** A plan the caller may see, or 404 as if it did not exist. */
    static Uni<PlanEntity> visible(TeamScope.Scope scope, String id) {
        return find(id).call(plan -> scope.seesPlan(plan.id).invoke(sees -> {
            if (!sees) {
                throw DomainException.notFound("plan", id);
            }
        }));
    }

    /**
     * A plan the caller may change: one they see that no other team's API offers. Changing a plan changes the limits
     * of every subscription under it, so a plan shared with another team's API is the admins' to change.
     */
    static Uni<PlanEntity> changeable(TeamScope.Scope scope, String id) {
        if (scope.all()) {
            return find(id);
        }
        return visible(scope, id).call(plan -> ApiPlanEntity.count("from ApiPlanEntity o where o.planId = ?1 and o.apiId in"
                + " (select a.id from ApiEntity a where a.ownerTeam is null or a.ownerTeam <> ?2)", plan.id, scope.team()).invoke(others -> {
            if (others > 0) {
                throw AdminError.FORBIDDEN.with("plan " + plan.id + " is also offered by APIs of other teams; an admin changes it");
            }
        }));
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
        if (request.requiresApproval() != null) {
            // Left out, it stays as it was (off for a new plan): forms that do not show it do not switch it off.
            plan.requiresApproval = request.requiresApproval();
        }
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
