package io.gatehouse.management.console;

import io.gatehouse.management.accounts.AccountsConfig;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.NewCookie;

/** The console's session cookie: HttpOnly, SameSite=Lax, Secure whenever the request came over TLS. */
@ApplicationScoped
public class SessionCookies {

    @Inject
    AccountsConfig config;

    public NewCookie issue(String value, RoutingContext context) {
        return build(value, (int) config.sessionLifetime().toSeconds(), context);
    }

    public NewCookie expire(RoutingContext context) {
        return build("", 0, context);
    }

    public String name() {
        return config.sessionCookie();
    }

    private NewCookie build(String value, int maxAge, RoutingContext context) {
        // scheme() honours X-Forwarded-Proto when quarkus.http.proxy.proxy-address-forwarding is on (TLS at a proxy).
        boolean tls = "https".equalsIgnoreCase(context.request().scheme());
        return new NewCookie.Builder(config.sessionCookie())
                .value(value)
                .path("/")
                .maxAge(maxAge)
                .httpOnly(true)
                .secure(tls)
                .sameSite(NewCookie.SameSite.LAX)
                .build();
    }
}
