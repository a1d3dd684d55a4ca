package io.gatehouse.management.portal;

import io.gatehouse.management.accounts.AccountStore;
import io.gatehouse.management.accounts.Accounts;
import io.gatehouse.management.accounts.CurrentUser;
import io.gatehouse.management.accounts.Role;
import io.gatehouse.management.console.SessionCookies;
import io.gatehouse.management.http.DomainException;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.Authenticated;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
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
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A developer's account in the portal: register, verify the address, sign in and out, the profile, and deleting the
 * account. Sign-in reuses the console's accounts and session cookie; a self-registered account holds the developer role.
 */
@Path(PortalPaths.ROOT)
@Produces(MediaType.TEXT_HTML)
public class AccountPages {

    @Inject
    Accounts accounts;
    @Inject
    AccountStore store;
    @Inject
    CurrentUser currentUser;
    @Inject
    SessionCookies cookies;
    @Inject
    RoutingContext context;
    @Inject
    DeveloperWorkspace workspace;
    @Inject
    DeveloperAccounts developerAccounts;

    @ConfigProperty(name = "quarkus.oidc.tenant-enabled", defaultValue = "false")
    boolean oidcEnabled;

    @Inject
    @Location("portal/register.html")
    Template register;
    @Inject
    @Location("portal/sign-in.html")
    Template signIn;
    @Inject
    @Location("portal/message.html")
    Template message;
    @Inject
    @Location("portal/account.html")
    Template account;

    @GET
    @Path("/register")
    public TemplateInstance registerPage() {
        return registerForm("", "", null, false);
    }

    @POST
    @Path("/register")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    // JSON only for the 429 a script may want to read (tooMany); every other answer is the page.
    @Produces({MediaType.TEXT_HTML, MediaType.APPLICATION_JSON})
    @Blocking
    public Response registerAccount(@FormParam("email") String email, @FormParam("name") String name,
                                    @FormParam("password") String password, @FormParam("confirm") String confirm) {
        if (oidcEnabled) {
            return Response.status(403).type(MediaType.TEXT_HTML_TYPE).entity(registerForm(email, name, "Developers sign in through the identity provider.", false)).build();
        }
        if (password == null || !password.equals(confirm)) {
            return Response.status(400).type(MediaType.TEXT_HTML_TYPE).entity(registerForm(email, name, "The two passwords differ.", false)).build();
        }
        try {
            accounts.register(email, name, password, requestBase(), currentUser.sourceAddress());
        } catch (Accounts.MailThrottled e) {
            return tooMany(e, registerForm(email, name, capitalised(e.getMessage()) + ".", false));
        } catch (Accounts.AccountException e) {
            return Response.status(400).type(MediaType.TEXT_HTML_TYPE).entity(registerForm(email, name, capitalised(e.getMessage()) + ".", false)).build();
        }
        return Response.ok(registerForm(email, name, null, true)).type(MediaType.TEXT_HTML_TYPE).build();
    }

    /** The link mailed at registration: single-use, expiring. Opening it needs no session (it may open in another browser). */
    @GET
    @Path("/verify/{token}")
    public Uni<Response> verify(@PathParam("token") String token) {
        return store.consumeVerificationToken(token == null ? "" : token).map(user -> Response
                .status(user == null ? 410 : 200)
                .header("Referrer-Policy", "no-referrer")
                .entity(user == null
                        ? message.data("title", "This link does not work any more").data("testid", "verify-failed")
                                .data("text", "Verification links work once and for a limited time. Sign in and ask for a new one from your account page.")
                                .data("link", PortalPaths.SIGN_IN).data("linkText", "Sign in")
                        : message.data("title", "Email address verified").data("testid", "verified")
                                .data("text", "Your address " + user.email() + " is verified: you can now create applications and API keys.")
                                .data("link", PortalPaths.APPS).data("linkText", "Go to your applications"))
                .build());
    }

    @GET
    @Path("/sign-in")
    public Response signInPage() {
        if (currentUser.isAuthenticated()) {
            return Response.seeOther(URI.create(PortalPaths.APPS)).build();
        }
        return Response.ok(signInForm("", null)).build();
    }

    @POST
    @Path("/sign-in")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Blocking
    public Response signIn(@FormParam("email") String email, @FormParam("password") String password) {
        if (oidcEnabled) {
            return Response.status(403).entity(signInForm(email, "Sign in through the identity provider.")).build();
        }
        String previous = sessionCookie();
        Accounts.SignIn result = accounts.signIn(email, password, currentUser.sourceAddress());
        if (result instanceof Accounts.SignIn.Success success) {
            accounts.signOut(previous);
            return Response.seeOther(URI.create(PortalPaths.APPS)).cookie(cookies.issue(success.sessionCookie(), context)).build();
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
    @Blocking
    public Response signOut() {
        accounts.signOut(sessionCookie());
        Response.ResponseBuilder response = Response.seeOther(URI.create(PortalPaths.APIS)).cookie(cookies.expire(context));
        if (oidcEnabled) {
            response.cookie(new NewCookie.Builder("q_session").value("").path("/").maxAge(0).httpOnly(true).build());
        }
        return response.build();
    }

    /**
     * The portal's hand-off from the OIDC provider (authorization code flow, like the console's): the first sign-in
     * creates the account, as a developer whatever else the provider's claims grant; the address counts as verified.
     */
    @GET
    @Path("/sso")
    @Authenticated
    @Blocking
    public Response singleSignOn() {
        if (!oidcEnabled) {
            return Response.seeOther(URI.create(PortalPaths.SIGN_IN)).build();
        }
        Set<String> roles = new LinkedHashSet<>();
        currentUser.roles().stream().filter(r -> Role.of(r).isPresent()).forEach(roles::add);
        roles.add(Role.DEVELOPER_NAME);
        String session = accounts.signInFederated(currentUser.email(), roles, currentUser.team(), currentUser.sourceAddress());
        return Response.seeOther(URI.create(PortalPaths.APPS))
                .cookie(cookies.issue(session, context), new NewCookie.Builder("q_session").value("").path("/").maxAge(0).httpOnly(true).build())
                .build();
    }

    @GET
    @Path("/account")
    @RolesAllowed(Role.DEVELOPER_NAME)
    public Uni<String> accountPage() {
        return workspace.developer().chain(d -> accountView(d, null, null).createUni());
    }

    @POST
    @Path("/account")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.DEVELOPER_NAME)
    public Uni<Response> saveProfile(@FormParam("name") String name) {
        return workspace.developer().chain(d -> Uni.createFrom().deferred(() -> developerAccounts.rename(d.userId(), name))
                .map(done -> Response.seeOther(URI.create(PortalPaths.ACCOUNT)).build())
                .onFailure(DomainException.class).recoverWithUni(e -> accountView(d, e.getMessage(), null).createUni()
                        .map(html -> Response.status(400).entity(html).type(MediaType.TEXT_HTML_TYPE).build())));
    }

    @POST
    @Path("/account/verification")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces({MediaType.TEXT_HTML, MediaType.APPLICATION_JSON})
    @RolesAllowed(Role.DEVELOPER_NAME)
    @Blocking
    public Response resendVerification() {
        try {
            accounts.resendVerification(currentUser.id(), requestBase(), currentUser.sourceAddress());
        } catch (Accounts.MailThrottled e) {
            return tooMany(e, message.data("title", "Too many links asked for").data("testid", "verification-throttled")
                    .data("text", capitalised(e.getMessage()) + ". The last link mailed still works until it expires.")
                    .data("link", PortalPaths.ACCOUNT).data("linkText", "Back to your account"));
        }
        return Response.ok(message.data("title", "Link sent").data("testid", "verification-sent")
                .data("text", "A new verification link is on its way to " + currentUser.email() + ".")
                .data("link", PortalPaths.ACCOUNT).data("linkText", "Back to your account").render()).type(MediaType.TEXT_HTML_TYPE).build();
    }

    /**
     * 429 with Retry-After: the page saying how long to wait, or for a script (Accept: application/json) the error
     * as JSON with its stable code.
     */
    private Response tooMany(Accounts.MailThrottled e, TemplateInstance page) {
        Response.ResponseBuilder response = Response.status(429).header("Retry-After", e.retryAfterSeconds());
        String accept = context.request().getHeader("Accept");
        if (accept != null && accept.contains(MediaType.APPLICATION_JSON) && !accept.contains(MediaType.TEXT_HTML)) {
            return response.type(MediaType.APPLICATION_JSON_TYPE).entity(io.gatehouse.protocol.Json.write(java.util.Map.of(
                    "code", e.code(), "message", capitalised(e.getMessage()) + ".", "retryAfterSeconds", e.retryAfterSeconds()))).build();
        }
        return response.type(MediaType.TEXT_HTML_TYPE).entity(page.render()).build();
    }

    /** Deleting is confirmed by typing the account's address, so a stray click or a forged form cannot do it. */
    @POST
    @Path("/account/delete")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.DEVELOPER_NAME)
    public Uni<Response> deleteAccount(@FormParam("confirm") String confirm) {
        return workspace.developer().chain(d -> {
            if (confirm == null || !confirm.strip().equalsIgnoreCase(d.email())) {
                return accountView(d, null, "Type your email address exactly to confirm.").createUni()
                        .map(html -> Response.status(400).entity(html).type(MediaType.TEXT_HTML_TYPE).build());
            }
            return developerAccounts.delete(d).map(done -> Response.ok(message.data("title", "Account deleted").data("testid", "account-deleted")
                            .data("text", "Your account and your personal data are erased, and your keys are revoked. Usage figures are kept without your name for billing and audit.")
                            .data("link", PortalPaths.APIS).data("linkText", "Back to the catalog").render())
                    .type(MediaType.TEXT_HTML_TYPE).cookie(cookies.expire(context)).build());
        });
    }

    private TemplateInstance accountView(DeveloperWorkspace.Developer d, String profileError, String deleteError) {
        return account.data("developer", d).data("profileError", profileError).data("deleteError", deleteError);
    }

    private TemplateInstance registerForm(String email, String name, String error, boolean sent) {
        return register.data("email", email == null ? "" : email).data("name", name == null ? "" : name).data("error", error)
                .data("sent", sent).data("oidc", oidcEnabled);
    }

    private TemplateInstance signInForm(String email, String error) {
        return signIn.data("email", email == null ? "" : email).data("error", error).data("oidc", oidcEnabled);
    }

    private String requestBase() {
        return context.request().scheme() + "://" + context.request().authority();
    }

    private String sessionCookie() {
        var cookie = context.request().getCookie(cookies.name());
        return cookie == null ? null : cookie.getValue();
    }

    private static String capitalised(String text) {
        return text == null || text.isEmpty() ? "" : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
