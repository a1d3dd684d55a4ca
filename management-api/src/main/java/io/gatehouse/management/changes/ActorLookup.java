package io.gatehouse.management.changes;

import io.quarkus.arc.Arc;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

/**
 * Resolves who is making the current request. A real {@link SecurityIdentity} (a signed-in user, an OIDC bearer token,
 * a personal access token) names the actor and its roles; no identity, or an anonymous one, means the request passed
 * the bootstrap admin token filter, so the actor is {@code admin-token} with the admin role.
 *
 * <p>The identity is read from the request's {@link QuarkusHttpUser}, which Quarkus sets before the endpoint runs
 * (proactive authentication, the default): no waiting, so it never blocks and never moves the request to another
 * thread before its transaction opens.
 */
@ApplicationScoped
public class ActorLookup {

    @Inject
    Instance<CurrentVertxRequest> requests;

    /** The actor of the request being handled; {@link Actor#SYSTEM} outside a request. */
    public Actor current() {
        RoutingContext context = context();
        if (context == null) {
            return Actor.SYSTEM;
        }
        String address = address(context);
        SecurityIdentity identity = context.user() instanceof QuarkusHttpUser user ? user.getSecurityIdentity() : null;
        if (identity == null || identity.isAnonymous()) {
            return Actor.adminToken(address);
        }
        return Actor.of(identity.getPrincipal().getName(), identity.getRoles(), address);
    }

    /** The request id of the request being handled (X-Request-Id, assigned when the client sent none); null outside one. */
    public String requestId() {
        RoutingContext context = context();
        return context == null ? null : context.request().getHeader("X-Request-Id");
    }

    private RoutingContext context() {
        if (!requests.isResolvable() || !Arc.container().requestContext().isActive()) {
            return null;
        }
        return requests.get().getCurrent();
    }

    private static String address(RoutingContext context) {
        SocketAddress remote = context.request().remoteAddress();
        return remote == null ? null : remote.hostAddress();
    }
}
