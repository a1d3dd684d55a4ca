package io.gatehouse.management.apis;

import io.gatehouse.management.accounts.CurrentUser;
import io.gatehouse.management.accounts.Role;
import io.gatehouse.management.http.DomainException;
import io.gatehouse.management.http.Keyset;
import io.quarkus.arc.Arc;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.ext.web.RoutingContext;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import java.util.UUID;

/**
 * The one rule of team ownership, for every door (admin API, console): an API belongs to its owning team, and an
 * api-owner sees and changes only their team's APIs, the subscriptions to them, the plans they offer (or that no
 * API offers yet) and the keys of applications subscribed to them. Anything else answers 404 as if it did not exist,
 * so a team cannot learn what other teams run. Admins (the bootstrap token included) see everything; so do
 * compliance and finance, whose reach is already read-only by the role matrix ({@code AdminAccess}).
 *
 * <p>Services take a {@link Scope} at the start of a use case, while the request is on its own thread, and apply it
 * to what they load ({@link Scope#check}) and to what they list ({@link Scope#apis} and friends).
 */
@ApplicationScoped
public class TeamScope {

    @Inject
    Instance<CurrentUser> currentUser;
    @Inject
    Instance<CurrentVertxRequest> requests;

    /**
     * The scope of the HTTP request being handled; everything outside one (start-up, schedules, the portal's
     * background work). The identity is read from the request, where authentication left it before the endpoint ran,
     * so this never waits (asking for an identity outside an HTTP request would block the event loop).
     */
    public Scope current() {
        if (!requests.isResolvable() || !Arc.container().requestContext().isActive()) {
            return Scope.ALL;
        }
        RoutingContext context = requests.get().getCurrent();
        SecurityIdentity identity = context != null && context.user() instanceof QuarkusHttpUser user ? user.getSecurityIdentity() : null;
        if (identity == null || identity.isAnonymous() || !identity.hasRole(Role.API_OWNER_NAME) || identity.hasRole(Role.ADMIN_NAME)) {
            return Scope.ALL;
        }
        // The team comes from the account or the OIDC token's team claim, as CurrentUser reads it for every door.
        return new Scope(false, currentUser.get().team());
    }

    /**
     * @param all  whether nothing is hidden
     * @param team the team the caller is confined to when not {@code all}; null means an api-owner of no team, who sees no API
     */
    public record Scope(boolean all, String team) {
        public static final Scope ALL = new Scope(true, null);

        /** The owning team an API made by this caller gets: theirs, or none for an admin. */
        public String ownerOfNew() {
            return all ? null : team;
        }

        public boolean sees(ApiEntity api) {
            return all || team != null && team.equals(api.ownerTeam);
        }

        /** Passes the API through, or fails with the same 404 an unknown id gets. */
        public ApiEntity check(ApiEntity api, String id) {
            if (!sees(api)) {
                throw DomainException.notFound("API", id);
            }
            return api;
        }

        /** Loads the API an owned record hangs on and fails with 404 naming the record when the caller may not see the API. */
        public Uni<Void> requireApi(UUID apiId, String what, String id) {
            if (all) {
                return Uni.createFrom().voidItem();
            }
            return ApiEntity.<ApiEntity>findById(apiId).invoke(api -> {
                if (api == null || !sees(api)) {
                    throw DomainException.notFound(what, id);
                }
            }).replaceWithVoid();
        }

        /** Lists of APIs ({@code e} is an ApiEntity). */
        public <E> Keyset<E> apis(Keyset<E> list) {
            return all ? list : list.where("e.ownerTeam = :scopeTeam").param("scopeTeam", teamOrNone());
        }

        /** Lists of records with an {@code apiId} (subscriptions). */
        public <E> Keyset<E> byApi(Keyset<E> list) {
            return all ? list : list.where("e.apiId in (select a.id from ApiEntity a where a.ownerTeam = :scopeTeam)")
                    .param("scopeTeam", teamOrNone());
        }

        /** Lists of plans: those the team's APIs offer, and those no API offers yet (the shared catalogue). */
        public <E> Keyset<E> plans(Keyset<E> list) {
            return all ? list : list.where("(" + PLAN_VISIBLE + ")").param("scopeTeam", teamOrNone());
        }

        /** Lists of records with an {@code applicationId} (keys): applications subscribed to one of the team's APIs. */
        public <E> Keyset<E> byApplication(Keyset<E> list) {
            return all ? list : list.where("e.applicationId in (select s.applicationId from SubscriptionEntity s, ApiEntity a"
                    + " where a.id = s.apiId and a.ownerTeam = :scopeTeam)").param("scopeTeam", teamOrNone());
        }

        /** Whether the caller may see this plan (one query when scoped). */
        public Uni<Boolean> seesPlan(UUID planId) {
            if (all) {
                return Uni.createFrom().item(true);
            }
            return io.gatehouse.management.plans.PlanEntity.count("from PlanEntity e where e.id = :planId and (" + PLAN_VISIBLE + ")",
                    java.util.Map.of("planId", planId, "scopeTeam", teamOrNone())).map(n -> n > 0);
        }

        /** Whether the caller may see this application's keys (one query when scoped). */
        public Uni<Boolean> seesApplication(UUID applicationId) {
            if (all) {
                return Uni.createFrom().item(true);
            }
            return io.gatehouse.management.subscriptions.SubscriptionEntity.count(
                    "from SubscriptionEntity s where s.applicationId = :app and s.apiId in (select a.id from ApiEntity a where a.ownerTeam = :scopeTeam)",
                    java.util.Map.of("app", applicationId, "scopeTeam", teamOrNone())).map(n -> n > 0);
        }

        /** A team no API can have, so an api-owner without a team matches nothing. */
        private String teamOrNone() {
            return team == null ? NO_TEAM : team;
        }

        private static final String NO_TEAM = "no team " + UUID.randomUUID();

        private static final String PLAN_VISIBLE = "not exists (select 1 from ApiPlanEntity o where o.planId = e.id)"
                + " or exists (select 1 from ApiPlanEntity o, ApiEntity a where o.planId = e.id and a.id = o.apiId and a.ownerTeam = :scopeTeam)";
    }
}
