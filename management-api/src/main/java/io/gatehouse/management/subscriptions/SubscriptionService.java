package io.gatehouse.management.subscriptions;

import io.gatehouse.management.http.Timestamps;

import io.gatehouse.management.apis.ApiEntity;
import io.gatehouse.management.apis.ApiPlanEntity;
import io.gatehouse.management.apis.ApiStatus;
import io.gatehouse.management.applications.ApplicationEntity;
import io.gatehouse.management.http.AdminError;
import io.gatehouse.management.http.DomainException;
import io.gatehouse.management.apis.TeamScope;
import io.gatehouse.management.http.Ids;
import io.gatehouse.management.http.Keyset;
import io.gatehouse.management.http.Page;
import io.gatehouse.management.http.PageRequest;
import io.gatehouse.management.plans.PlanEntity;
import io.gatehouse.management.sync.ConfigChanges;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Subscriptions: an application's right to call an API under a plan, and its lifecycle ({@link SubscriptionStatus}). */
@ApplicationScoped
public class SubscriptionService {

    @Inject
    ConfigChanges changes;
    @Inject
    TeamScope teams;

    /** What a subscription list can be narrowed to; null fields are not filtered on. Ids that name nothing match nothing. */
    public record Filter(String apiId, String applicationId, String planId, SubscriptionStatus status) {
    }

    /** A page of subscriptions, oldest first; an api-owner sees those to their team's APIs. */
    @WithSession
    public Uni<Page<SubscriptionView>> list(Filter filter, PageRequest page) {
        Keyset<SubscriptionEntity> list = Keyset.over("SubscriptionEntity", (SubscriptionEntity s) -> s.createdAt, s -> s.id)
                .where("e.apiId = :apiId", "apiId", io.gatehouse.management.http.QueryFilters.id("apiId", filter.apiId()))
                .where("e.applicationId = :applicationId", "applicationId", io.gatehouse.management.http.QueryFilters.id("applicationId", filter.applicationId()))
                .where("e.planId = :planId", "planId", io.gatehouse.management.http.QueryFilters.id("planId", filter.planId()))
                .where("e.status = :status", "status", filter.status());
        return teams.current().byApi(list).page(page, true,
                q -> SubscriptionEntity.<SubscriptionEntity>find(q.hql(), q.params()).range(0, q.rows() - 1).list(),
                q -> SubscriptionEntity.count(q.hql(), q.params()), SubscriptionView::of);
    }

    /** Subscriptions to one API in one state (e.g. PENDING, for an owner to approve), oldest first. */
    @WithSession
    public Uni<List<SubscriptionView>> listOfApi(String apiId, SubscriptionStatus status) {
        UUID api = Ids.parse("API", apiId);
        Uni<List<SubscriptionEntity>> found = status == null
                ? SubscriptionEntity.list("apiId = ?1 order by createdAt", api)
                : SubscriptionEntity.list("apiId = ?1 and status = ?2 order by createdAt", api, status);
        return found.map(all -> all.stream().map(SubscriptionView::of).toList());
    }

    @WithSession
    public Uni<SubscriptionView> get(String id) {
        return visible(teams.current(), id).map(SubscriptionView::of);
    }

    /** Subscribes an application at once (an owner or admin doing it): the subscription starts ACTIVE. */
    public Uni<SubscriptionView> subscribe(@Valid @NotNull SubscriptionRequest request) {
        return open(request, SubscriptionStatus.ACTIVE);
    }

    /** A developer asks to subscribe: the subscription waits PENDING until an owner approves or rejects it. */
    public Uni<SubscriptionView> request(@Valid @NotNull SubscriptionRequest request) {
        return open(request, SubscriptionStatus.PENDING);
    }

    public Uni<SubscriptionView> approve(String id) {
        return move(id, SubscriptionStatus.ACTIVE, "approve", null);
    }

    /** Rejects a pending request; the reason is shown to the developer. */
    public Uni<SubscriptionView> reject(String id, String reason) {
        return move(id, SubscriptionStatus.REJECTED, "reject", reason);
    }

    /** Stops an active subscription's keys working for the API until it is resumed. */
    public Uni<SubscriptionView> suspend(String id, String reason) {
        return move(id, SubscriptionStatus.SUSPENDED, "suspend", reason);
    }

    public Uni<SubscriptionView> resume(String id) {
        return move(id, SubscriptionStatus.ACTIVE, "resume", null);
    }

    /** Ends a subscription for good; the application's keys stop working for that API. Closing a closed one changes nothing. */
    public Uni<SubscriptionView> close(String id) {
        return move(id, SubscriptionStatus.CLOSED, "close", null);
    }

    /** Moves a subscription to another plan; every gateway applies it within a second, and the period's usage carries over. */
    public Uni<SubscriptionView> changePlan(String id, String planId) {
        UUID plan = Ids.reference("plan", planId);
        TeamScope.Scope scope = teams.current();
        return changes.commit(log -> visible(scope, id).chain(s -> {
            if (s.status != SubscriptionStatus.ACTIVE) {
                throw AdminError.NOT_ACTIVE.with("subscription " + s.id + " is " + s.status);
            }
            Map<String, Object> before = log.fields(s);
            return PlanEntity.<PlanEntity>findById(plan)
                    .onItem().ifNull().failWith(() -> DomainException.unknownReference("plan", planId))
                    .call(p -> requireOffered(s.apiId, p.id))
                    .map(p -> {
                        s.planId = p.id;
                        log.changed("change_plan", before, s);
                        return s;
                    });
        })).map(SubscriptionView::of);
    }

    /** A subscription to an API the caller may see, or 404 as if it did not exist. */
    static Uni<SubscriptionEntity> visible(TeamScope.Scope scope, String id) {
        return find(id).call(s -> scope.requireApi(s.apiId, "subscription", id));
    }

    public static Uni<SubscriptionEntity> find(String id) {
        return Ids.find("subscription", id, uuid -> SubscriptionEntity.<SubscriptionEntity>findById(uuid));
    }

    private Uni<SubscriptionView> open(SubscriptionRequest request, SubscriptionStatus initial) {
        Timestamps.requireInRange("billingAnchor", request.billingAnchor());
        UUID applicationId = Ids.reference("application", request.applicationId());
        UUID apiId = Ids.reference("API", request.apiId());
        UUID planId = Ids.reference("plan", request.planId());
        TeamScope.Scope scope = teams.current();
        return changes.commit(log -> ApplicationEntity.<ApplicationEntity>findById(applicationId)
                .onItem().ifNull().failWith(() -> DomainException.unknownReference("application", request.applicationId()))
                .chain(app -> ApiEntity.<ApiEntity>findById(apiId))
                // Another team's API is as unknown as one that does not exist.
                .map(api -> api == null || !scope.sees(api) ? null : api)
                .onItem().ifNull().failWith(() -> DomainException.unknownReference("API", request.apiId()))
                .invoke(api -> {
                    if (api.status != ApiStatus.PUBLISHED) {
                        throw AdminError.API_NOT_PUBLISHED.with("API " + api.id + " is " + api.status + " and takes no new subscriptions");
                    }
                })
                .chain(api -> PlanEntity.<PlanEntity>findById(planId))
                .onItem().ifNull().failWith(() -> DomainException.unknownReference("plan", request.planId()))
                .call(plan -> requireOffered(apiId, plan.id))
                .chain(plan -> SubscriptionEntity.count("applicationId = ?1 and apiId = ?2 and status in ?3",
                        applicationId, apiId, SubscriptionStatus.LIVE))
                .chain(existing -> {
                    if (existing > 0) {
                        throw AdminError.ALREADY_SUBSCRIBED.with("this application already has an open subscription to this API");
                    }
                    SubscriptionEntity subscription = new SubscriptionEntity();
                    subscription.id = UUID.randomUUID();
                    subscription.applicationId = applicationId;
                    subscription.apiId = apiId;
                    subscription.planId = planId;
                    subscription.status = initial;
                    subscription.billingAnchor = request.billingAnchor();
                    subscription.createdAt = Instant.now();
                    return subscription.<SubscriptionEntity>persist().invoke(log::created);
                }))
                .map(SubscriptionView::of);
    }

    private Uni<SubscriptionView> move(String id, SubscriptionStatus target, String action, String reason) {
        TeamScope.Scope scope = teams.current();
        return changes.commit(log -> visible(scope, id).invoke(s -> {
            if (s.status == target && target == SubscriptionStatus.CLOSED) {
                return;
            }
            if (!s.status.canBecome(target)) {
                throw AdminError.INVALID_TRANSITION.with("a subscription that is " + s.status + " cannot become " + target
                        + "; it can become " + s.status.next());
            }
            Map<String, Object> before = log.fields(s);
            s.status = target;
            if (reason != null) {
                s.reason = reason;
            }
            if (target == SubscriptionStatus.CLOSED) {
                s.cancelledAt = Instant.now();
            }
            log.changed(action, before, s);
        })).map(SubscriptionView::of);
    }

    /** An API that lists the plans it offers takes subscriptions under those plans only. */
    private static Uni<Void> requireOffered(UUID apiId, UUID planId) {
        return ApiPlanEntity.count("apiId", apiId).chain(offered -> offered == 0
                ? Uni.createFrom().voidItem()
                : ApiPlanEntity.count("apiId = ?1 and planId = ?2", apiId, planId).invoke(n -> {
                    if (n == 0) {
                        throw AdminError.PLAN_NOT_OFFERED.with("API " + apiId + " does not offer plan " + planId);
                    }
                }).replaceWithVoid());
    }
}
