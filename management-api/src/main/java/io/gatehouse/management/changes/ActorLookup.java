package io.gatehouse.management.changes;

import io.quarkus.arc.Arc;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.smallrye.mutiny.Uni;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

/**
 * Resolves who is making the current request. A real {@link SecurityIdentity} (a signed-in user, an OIDC bearer token,
 * a personal access token) names the actor and its roles; an anonymous identity means the request passed the
 * bootstrap admin token filter, so the actor is {@code admin-token} with the admin role.
 */
@ApplicationScoped
public class ActorLookup {

    @Inject
    Instance<CurrentIdentityAssociation> identities;
    @Inject
    Instance<CurrentVertxRequest> requests;

    /** The actor of the request being handled; {@link Actor#SYSTEM} outside a request. Never blocks. */
    public Uni<Actor> current() {
        if (!Arc.container().requestContext().isActive()) {
            return Uni.createFrom().item(Actor.SYSTEM);
        }
        String address = address();
        if (!identities.isResolvable()) {
            return Uni.createFrom().item(Actor.adminToken(address));
        }
        // The deferred identity: asking for the resolved one could block the event loop while a mechanism runs.
        return identities.get().getDeferredIdentity()
                .onFailure().recoverWithNull()
                .map(identity -> identity == null || identity.isAnonymous()
                        ? Actor.adminToken(address)
                        : Actor.of(identity.getPrincipal().getName(), identity.getRoles(), address));
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

    private String address() {
        RoutingContext context = context();
        if (context == null) {
            return null;
        }
        SocketAddress remote = context.request().remoteAddress();
        return remote == null ? null : remote.hostAddress();
    }
}
