package io.gatehouse.management.accounts;

import io.gatehouse.management.GatehouseConfig;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.Cookie;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Set;

/**
 * Gatehouse's own credentials, tried before OIDC: the bootstrap admin token, the gateway nodes' token, a personal
 * access token ({@code ghp_...}) and the console session cookie. Anything else is left to the OIDC mechanism
 * (bearer JWTs, the authorization code flow) when a provider is configured; with none, the request stays anonymous
 * and the page or endpoint decides (redirect to sign-in, or 401).
 */
@ApplicationScoped
@Priority(2000)
public class GatehouseAuthenticationMechanism implements HttpAuthenticationMechanism {
    public static final String PERSON_ATTRIBUTE = "gatehouse.person";

    @Inject
    GatehouseConfig config;

    @Inject
    AccountsConfig accounts;

    @Inject
    AccountStore store;

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identityProviderManager) {
        String bearer = bearer(context.request().getHeader("Authorization"));
        if (bearer != null) {
            if (Secrets.constantTimeEquals(bearer, config.admin().token())) {
                return Uni.createFrom().item(identity(new Person(null, "bootstrap-admin", Set.of(Role.ADMIN_NAME), null, Person.BOOTSTRAP_TOKEN)));
            }
            if (bearer.startsWith(AccessTokens.PREFIX)) {
                // A revoked or unknown token leaves the request anonymous: the admin filter answers 401 invalid_token.
                return store.resolveAccessToken(bearer).map(p -> p == null ? null : identity(p));
            }
            return Uni.createFrom().nullItem();
        }
        // The session cookie signs in pages only: the admin API takes tokens, so no browser can be led into calling it.
        Cookie cookie = context.normalizedPath().startsWith("/admin") ? null : context.request().getCookie(accounts.sessionCookie());
        if (cookie != null && !cookie.getValue().isBlank()) {
            return store.resolveSession(cookie.getValue()).map(p -> p == null ? null : identity(p));
        }
        return Uni.createFrom().nullItem();
    }

    static SecurityIdentity identity(Person person) {
        return QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(person.email()))
                .addRoles(person.roles())
                .addAttribute(PERSON_ATTRIBUTE, person)
                .build();
    }

    static String bearer(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = header.substring(7).trim();
        return token.isEmpty() ? null : token;
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        // Pages redirect to sign-in and the admin API answers 401 JSON on their own; no HTTP-level challenge.
        return Uni.createFrom().nullItem();
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of();
    }

    @Override
    public int getPriority() {
        return 2000;
    }
}
