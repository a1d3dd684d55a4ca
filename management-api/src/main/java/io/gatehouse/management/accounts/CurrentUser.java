package io.gatehouse.management.accounts;

import io.quarkus.security.identity.SecurityIdentity;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.RequestScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;

/**
 * Who is making the current request, whichever way they authenticated (console session, personal access token,
 * OIDC bearer token or session, bootstrap admin token). Page controllers, services and change records read the
 * actor from here; templates reach it as {@code inject:currentUser}.
 */
@RequestScoped
@Named("currentUser")
public class CurrentUser {

    @Inject
    SecurityIdentity identity;

    @Inject
    Instance<RoutingContext> routingContext;

    @Inject
    AccountsConfig config;

    private Person person;

    /** Whether anyone is signed in (or presented a valid token). */
    public boolean isAuthenticated() {
        return !identity.isAnonymous();
    }

    /** The account id; null for the bootstrap admin token and for OIDC bearer tokens of people with no account row. */
    public UUID id() {
        Person p = person();
        return p == null ? null : p.userId();
    }

    /** Email address, or a fixed name for tokens that stand for no person ("bootstrap-admin"). Null when anonymous. */
    public String email() {
        Person p = person();
        return p == null ? null : p.email();
    }

    /** The Gatehouse roles held (unknown role names from a provider are dropped). */
    public Set<String> roles() {
        Set<String> roles = new LinkedHashSet<>();
        for (Role role : Role.values()) {
            if (identity.hasRole(role.id())) {
                roles.add(role.id());
            }
        }
        return roles;
    }

    public boolean hasRole(String role) {
        return !identity.isAnonymous() && identity.hasRole(role);
    }

    /** Whether the user holds any of the roles (templates: {@code inject:currentUser.hasAnyRole('admin,finance')}). */
    public boolean hasAnyRole(String commaSeparated) {
        return Arrays.stream(commaSeparated.split(",")).map(String::trim).anyMatch(this::hasRole);
    }

    public boolean isAdmin() {
        return hasRole(Role.ADMIN_NAME);
    }

    /** The owning team: an api-owner sees and changes only APIs whose {@code owner_team} equals it. */
    public String team() {
        Person p = person();
        return p == null ? null : p.team();
    }

    /** How the request authenticated: one of {@link Person}'s constants, or null when anonymous. */
    public String method() {
        Person p = person();
        return p == null ? null : p.method();
    }

    /** The client's address (honours X-Forwarded-For only when quarkus.http.proxy.proxy-address-forwarding is on). */
    public String sourceAddress() {
        if (!routingContext.isResolvable()) {
            return null;
        }
        SocketAddress address = routingContext.get().request().remoteAddress();
        return address == null ? null : address.hostAddress();
    }

    private Person person() {
        if (person == null && !identity.isAnonymous()) {
            Person attached = identity.getAttribute(GatehouseAuthenticationMechanism.PERSON_ATTRIBUTE);
            person = attached != null ? attached : fromProvider();
        }
        return person;
    }

    /** An identity made by quarkus-oidc: the email and team come from the token's claims. */
    private Person fromProvider() {
        String email = identity.getPrincipal().getName();
        String team = null;
        if (identity.getPrincipal() instanceof JsonWebToken jwt) {
            Object claimedEmail = jwt.getClaim(config.oidc().emailClaim());
            if (claimedEmail != null) {
                email = claimedEmail.toString();
            }
            Object claimedTeam = jwt.getClaim(config.oidc().teamClaim());
            team = claimedTeam == null ? null : claimedTeam.toString().replace("\"", "");
        }
        return new Person(null, email, roles(), team, Person.OIDC);
    }
}
