package io.gatehouse.management.portal;

import io.gatehouse.management.accounts.Role;
import io.gatehouse.management.http.AdminError;
import io.gatehouse.management.http.DomainException;
import io.gatehouse.management.keys.IssuedKey;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.smallrye.mutiny.Uni;
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
import jakarta.ws.rs.core.Response;

import java.net.URI;
import java.time.Duration;
import java.util.function.Function;

/**
 * The signed-in developer's applications, subscriptions and keys. Every page and form loads the developer first and
 * everything else through them ({@link DeveloperWorkspace}): another developer's ids answer 404. A refused form shows
 * the page again with the reason; a new key is shown in the answer to the form that made it, and never again.
 */
@Path(PortalPaths.APPS)
@Produces(MediaType.TEXT_HTML)
@RolesAllowed(Role.DEVELOPER_NAME)
public class WorkspacePages {

    @Inject
    DeveloperWorkspace workspace;
    @Inject
    ApplicationUsage usage;

    @Inject
    @Location("portal/apps.html")
    Template appsPage;
    @Inject
    @Location("portal/app.html")
    Template appPage;
    @Inject
    @Location("portal/usage.html")
    Template usagePage;

    @GET
    public Uni<String> list() {
        return workspace.developer().chain(d -> apps(d, null));
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> create(@FormParam("name") String name, @FormParam("description") String description) {
        return workspace.developer().chain(d -> Uni.createFrom().deferred(() -> workspace.createApplication(d, name, description))
                .map(app -> seeOther(PortalPaths.APPS + "/" + app.id()))
                .onFailure(DomainException.class).recoverWithUni(e -> apps(d, e.getMessage())
                        .map(html -> page(((DomainException) e).status(), html))));
    }

    @GET
    @Path("/{id}")
    public Uni<String> application(@PathParam("id") String id) {
        return workspace.developer().chain(d -> render(d, id, null, null, null));
    }

    @POST
    @Path("/{id}/rename")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> rename(@PathParam("id") String id, @FormParam("name") String name, @FormParam("description") String description) {
        return act(id, d -> workspace.renameApplication(d, id, name, description));
    }

    @POST
    @Path("/{id}/delete")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> delete(@PathParam("id") String id) {
        return workspace.developer().chain(d -> workspace.deleteApplication(d, id)).map(done -> seeOther(PortalPaths.APPS));
    }

    /** {@code offer} is "apiId:planId", one option of the subscribe form. */
    @POST
    @Path("/{id}/subscriptions")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> subscribe(@PathParam("id") String id, @FormParam("offer") String offer) {
        return act(id, d -> {
            String[] parts = offer == null ? new String[0] : offer.split(":", 2);
            if (parts.length != 2) {
                throw AdminError.VALIDATION_FAILED.with("choose an API and a plan");
            }
            return workspace.subscribe(d, id, parts[0], parts[1]);
        });
    }

    @POST
    @Path("/{id}/subscriptions/{subscription}/close")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> unsubscribe(@PathParam("id") String id, @PathParam("subscription") String subscription) {
        return act(id, d -> workspace.unsubscribe(d, id, subscription));
    }

    @POST
    @Path("/{id}/keys")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> createKey(@PathParam("id") String id, @FormParam("name") String name) {
        return workspace.developer().chain(d -> Uni.createFrom().deferred(() -> workspace.issueKey(d, id, name))
                .chain(issued -> render(d, id, null, issued, "created").map(html -> noStore(page(200, html))))
                .onFailure(DomainException.class).recoverWithUni(e -> refused(d, id, (DomainException) e)));
    }

    /** {@code grace} in {@code graceUnit} (seconds, minutes, hours or days): how long the old key keeps working, 0 up to the configured bound. */
    @POST
    @Path("/{id}/keys/{key}/rotate")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> rotateKey(@PathParam("id") String id, @PathParam("key") String key, @FormParam("grace") String grace,
                                   @FormParam("graceUnit") String graceUnit) {
        return workspace.developer().chain(d -> Uni.createFrom().deferred(() -> workspace.rotateKey(d, id, key, grace(grace, graceUnit)))
                .chain(rotation -> render(d, id, null, rotation.replacement(), "rotated").map(html -> noStore(page(200, html))))
                .onFailure(DomainException.class).recoverWithUni(e -> refused(d, id, (DomainException) e)));
    }

    @POST
    @Path("/{id}/keys/{key}/revoke")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> revokeKey(@PathParam("id") String id, @PathParam("key") String key) {
        return act(id, d -> workspace.revokeKey(d, id, key));
    }

    @GET
    @Path("/{id}/usage")
    public Uni<String> usagePage(@PathParam("id") String id) {
        return workspace.developer().chain(d -> workspace.owned(d, id)).chain(app -> usage.of(app))
                .chain(report -> usagePage.data("report", report).createUni());
    }

    /** The same figures for scripts. */
    @GET
    @Path("/{id}/usage")
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<ApplicationUsage.Report> usageJson(@PathParam("id") String id) {
        return workspace.developer().chain(d -> workspace.owned(d, id)).chain(app -> usage.of(app));
    }

    /** Runs a change on one of the developer's applications and goes back to its page, or shows why it was refused. */
    private Uni<Response> act(String id, Function<DeveloperWorkspace.Developer, Uni<?>> change) {
        return workspace.developer().chain(d -> Uni.createFrom().deferred(() -> change.apply(d))
                .map(done -> seeOther(PortalPaths.APPS + "/" + id))
                .onFailure(DomainException.class).recoverWithUni(e -> refused(d, id, (DomainException) e)));
    }

    /** A refusal is shown on the application's page; "not found" stays a 404 page, whoever's id it was. */
    private Uni<Response> refused(DeveloperWorkspace.Developer d, String id, DomainException e) {
        if (e.status() == 404) {
            return Uni.createFrom().failure(e);
        }
        return render(d, id, e.getMessage(), null, null).map(html -> page(e.status(), html));
    }

    private Uni<String> render(DeveloperWorkspace.Developer d, String id, String error, IssuedKey issued, String issuedHow) {
        return workspace.application(d, id).chain(detail -> appPage.data("detail", detail).data("developer", d).data("error", error)
                .data("issued", issued).data("issuedHow", issuedHow)
                .data("maxGrace", DeveloperWorkspace.describe(workspace.maxRotationGrace())).createUni());
    }

    private Uni<String> apps(DeveloperWorkspace.Developer d, String error) {
        return workspace.applications(d).chain(list -> appsPage.data("developer", d).data("error", error).data("apps", list).createUni());
    }

    static Duration grace(String amount, String unit) {
        long value;
        try {
            value = Long.parseLong(amount == null ? "" : amount.strip());
        } catch (NumberFormatException e) {
            throw AdminError.VALIDATION_FAILED.with("give the grace period as a whole number");
        }
        if (value < 0 || value > 1_000_000) {
            throw AdminError.VALIDATION_FAILED.with("give the grace period as a whole number from 0");
        }
        return switch (unit == null || unit.isBlank() ? "minutes" : unit) {
            case "seconds" -> Duration.ofSeconds(value);
            case "minutes" -> Duration.ofMinutes(value);
            case "hours" -> Duration.ofHours(value);
            case "days" -> Duration.ofDays(value);
            default -> throw AdminError.VALIDATION_FAILED.with("the grace period's unit is seconds, minutes, hours or days");
        };
    }

    private static Response seeOther(String path) {
        return Response.seeOther(URI.create(path)).build();
    }

    private static Response page(int status, String html) {
        return Response.status(status).entity(html).type(MediaType.TEXT_HTML_TYPE).build();
    }

    private static Response noStore(Response response) {
        response.getHeaders().putSingle("Cache-Control", "no-store");
        return response;
    }
}
