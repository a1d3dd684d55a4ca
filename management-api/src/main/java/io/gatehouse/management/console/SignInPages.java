package io.gatehouse.management.console;

import io.gatehouse.management.accounts.Accounts;
import io.gatehouse.management.accounts.CurrentUser;
import io.gatehouse.management.accounts.Role;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.Authenticated;
import io.smallrye.common.annotation.Blocking;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.net.URI;
import java.util.Set;
import java.util.stream.Collectors;

/** Sign-in (built-in accounts or the OIDC provider), sign-out and password reset. */
@Path(ConsolePaths.ROOT)
@Produces(MediaType.TEXT_HTML)
@Blocking
public class SignInPages {

    @Inject
    Accounts accounts;

    @Inject
    CurrentUser currentUser;

    @Inject
    SessionCookies cookies;

    @Inject
    RoutingContext context;

    @ConfigProperty(name = "quarkus.oidc.tenant-enabled", defaultValue = "false")
    boolean oidcEnabled;

    @Inject
    @Location("console/sign-in.html")
    Template signIn;

    @Inject
    @Location("console/password-reset-request.html")
    Template resetRequest;

    @Inject
    @Location("console/password-reset.html")
    Template reset;

    @GET
    @Path("/sign-in")
    public Response signInPage() {
        if (currentUser.isAuthenticated()) {
            return seeOther(ConsolePaths.HOME);
        }
        return Response.ok(signInForm("", null)).build();
    }

    @POST
    @Path("/sign-in")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response signIn(@FormParam("email") String email, @FormParam("password") String password) {
        String previous = sessionCookie();
        if (oidcEnabled) {
            return Response.status(403).entity(signInForm(email, "Sign in through your identity provider.")).build();
        }
        Accounts.SignIn result = accounts.signIn(email, password, currentUser.sourceAddress());
        if (result instanceof Accounts.SignIn.Success success) {
            // A new session id at every sign-in; the one the browser had before (if any) stops working.
            accounts.signOut(previous);
            return Response.seeOther(URI.create(ConsolePaths.HOME)).cookie(cookies.issue(success.sessionCookie(), context)).build();
        }
        if (result instanceof Accounts.SignIn.Throttled throttled) {
            long minutes = Math.max(1, (throttled.retryAfter().toSeconds() + 59) / 60);
            return Response.status(429).header("Retry-After", Math.max(1, throttled.retryAfter().toSeconds()))
                    .entity(signInForm(email, "Too many failed sign-ins. Try again in " + minutes + " minute" + (minutes == 1 ? "" : "s") + "."))
                    .build();
        }
        return Response.status(401).entity(signInForm(email, "The email or password is not right.")).build();
    }

    @POST
    @Path("/sign-out")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response signOut() {
        accounts.signOut(sessionCookie());
        Response.ResponseBuilder response = Response.seeOther(URI.create(ConsolePaths.SIGN_IN)).cookie(cookies.expire(context));
        if (oidcEnabled) {
            response.cookie(expired("q_session"));
        }
        return response.build();
    }

    /**
     * Protected by the OIDC authorization code flow (quarkus.http.auth.permission.console-sso): reaching this method
     * means the provider signed the person in. Their roles come from the configured token claim; a console session
     * of our own is started so sign-out and revocation work the same for both kinds of account.
     */
    @GET
    @Path("/sso")
    @Authenticated
    public Response singleSignOn() {
        if (!oidcEnabled) {
            return seeOther(ConsolePaths.SIGN_IN);
        }
        Set<String> roles = currentUser.roles().stream().filter(r -> Role.of(r).isPresent()).collect(Collectors.toSet());
        String session = accounts.signInFederated(currentUser.email(), roles, currentUser.team(), currentUser.sourceAddress());
        return Response.seeOther(URI.create(ConsolePaths.HOME))
                .cookie(cookies.issue(session, context), expired("q_session"))
                .build();
    }

    @GET
    @Path("/password-reset")
    public TemplateInstance resetRequestPage() {
        return resetRequest.data("sent", false).data("email", "").data("oidc", oidcEnabled);
    }

    @POST
    @Path("/password-reset")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public TemplateInstance requestReset(@FormParam("email") String email) {
        if (!oidcEnabled) {
            String base = context.request().scheme() + "://" + context.request().authority();
            accounts.requestPasswordReset(email, base);
        }
        return resetRequest.data("sent", true).data("email", email == null ? "" : email).data("oidc", oidcEnabled);
    }

    @GET
    @Path("/password-reset/{token}")
    public Response resetPage(@PathParam("token") String token) {
        boolean usable = accounts.resetTokenUsable(token);
        return Response.status(usable ? 200 : 410)
                .entity(reset.data("token", token).data("usable", usable).data("error", null).data("done", false))
                .header("Referrer-Policy", "no-referrer")
                .build();
    }

    @POST
    @Path("/password-reset/{token}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response resetPassword(@PathParam("token") String token, @FormParam("password") String password,
                                  @FormParam("confirm") String confirm) {
        if (password == null || !password.equals(confirm)) {
            return Response.status(400).entity(reset.data("token", token).data("usable", true)
                    .data("error", "The two passwords differ.").data("done", false)).build();
        }
        try {
            boolean done = accounts.resetPassword(token, password);
            return Response.status(done ? 200 : 410)
                    .entity(reset.data("token", token).data("usable", done).data("error", null).data("done", done)).build();
        } catch (Accounts.AccountException e) {
            return Response.status(400).entity(reset.data("token", token).data("usable", true)
                    .data("error", "The password is too weak: " + e.getMessage() + ".").data("done", false)).build();
        }
    }

    private String sessionCookie() {
        var cookie = context.request().getCookie(cookies.name());
        return cookie == null ? null : cookie.getValue();
    }

    private TemplateInstance signInForm(String email, String error) {
        return signIn.data("email", email == null ? "" : email).data("error", error).data("oidc", oidcEnabled);
    }

    private static Response seeOther(String path) {
        return Response.seeOther(URI.create(path)).build();
    }

    private static NewCookie expired(String name) {
        return new NewCookie.Builder(name).value("").path("/").maxAge(0).httpOnly(true).build();
    }
}
