package io.gatehouse.management.console;

import io.gatehouse.management.accounts.CurrentUser;
import io.gatehouse.management.accounts.Role;
import io.gatehouse.management.apis.ApiDocumentService;
import io.gatehouse.management.apis.ApiRequest;
import io.gatehouse.management.apis.ApiService;
import io.gatehouse.management.apis.ApiStatus;
import io.gatehouse.management.apis.ApiView;
import io.gatehouse.management.apis.ImportRequest;
import io.gatehouse.management.changes.ChangeHistory;
import io.gatehouse.management.http.ApiError;
import io.gatehouse.management.http.DomainException;
import io.gatehouse.management.plans.PlanRequest;
import io.gatehouse.management.plans.PlanService;
import io.gatehouse.management.plans.PlanView;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The APIs of the signed-in person's team: the list, publishing one from its OpenAPI document, and one API's page
 * (status, operations, plans, change history). An api-owner sees only their team's APIs; admins see all.
 */
@Path(ConsolePaths.APIS)
@Produces(MediaType.TEXT_HTML)
@RolesAllowed({Role.ADMIN_NAME, Role.API_OWNER_NAME})
public class ApiPages {
    @Inject
    CurrentUser currentUser;
    @Inject
    ApiService apis;
    @Inject
    ApiDocumentService documents;
    @Inject
    io.gatehouse.management.apis.ApiConsumers subscribers;
    @Inject
    PlanService plans;
    @Inject
    ChangeHistory history;
    @Inject
    Vertx vertx;

    @Inject
    @Location("console/apis.html")
    Template list;
    @Inject
    @Location("console/api-publish.html")
    Template publish;
    @Inject
    @Location("console/api.html")
    Template api;
    @Inject
    @Location("console/api-document.html")
    Template document;

    /** What the publish form was given, to show it again beside its errors. */
    public record PublishForm(String document, String basePath, String targets, String planId, String planName,
                              String planRate, String planQuota, String readTimeout, String loadBalancing, String retries,
                              String passThrough) {
        static final PublishForm EMPTY = new PublishForm("", "", "", "", "", "", "", "", "", "", "");

        PublishForm withDocument(String text) {
            return new PublishForm(text, basePath, targets, planId, planName, planRate, planQuota, readTimeout, loadBalancing, retries,
                    passThrough);
        }
    }

    /** A page of the APIs the person may see (admins all, api-owners their team's), newest first. */
    @GET
    public Uni<String> list(@jakarta.ws.rs.QueryParam("cursor") String cursor) {
        io.gatehouse.management.http.PageRequest page;
        try {
            page = io.gatehouse.management.http.PageRequest.of(null, cursor);
        } catch (DomainException e) {
            throw new ConsoleException(400, e.code(), "This page link is not valid; start from the first page.");
        }
        return apis.listNewestFirst(new ApiService.Filter(null, null, null), page).chain(found -> list.data("apis", found.items())
                .data("team", currentUser.team()).data("next", found.nextCursor()).data("total", found.total()).createUni());
    }

    @GET
    @Path("/new")
    public Uni<String> publishForm() {
        return publishPage(PublishForm.EMPTY, null, List.of());
    }

    @POST
    @Path("/new")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    public Uni<Response> publish(@RestForm("file") FileUpload file, @RestForm String document, @RestForm String basePath,
                                 @RestForm String targets, @RestForm String planId, @RestForm String planName,
                                 @RestForm String planRate, @RestForm String planQuota, @RestForm String readTimeout,
                                 @RestForm String loadBalancing, @RestForm String retries, @RestForm String passThrough) {
        PublishForm pasted = new PublishForm(nz(document), nz(basePath), nz(targets), nz(planId), nz(planName), nz(planRate), nz(planQuota),
                nz(readTimeout), nz(loadBalancing), nz(retries), nz(passThrough));
        Uni<String> text = file != null && file.size() > 0
                ? vertx.fileSystem().readFile(file.uploadedFile().toString()).map(buffer -> buffer.toString(StandardCharsets.UTF_8))
                : Uni.createFrom().item(pasted.document());
        return text.chain(doc -> {
            PublishForm form = pasted.withDocument(doc);
            if (doc.isBlank()) {
                return publishPage(form, "Upload the OpenAPI document or paste it.", List.of()).map(page -> status(400, page));
            }
            return Uni.createFrom().deferred(() -> documents.publish(request(form), currentUser.team()))
                    .map(result -> Response.seeOther(URI.create(ConsolePaths.APIS + "/" + result.api().id())).build())
                    .onFailure(DomainException.class).recoverWithUni(e -> {
                        DomainException d = (DomainException) e;
                        return publishPage(form, d.getMessage(), d.details() == null ? List.of() : d.details()).map(page -> status(d.status(), page));
                    })
                    .onFailure(ConstraintViolationException.class).recoverWithUni(e -> publishPage(form,
                            "Some settings are not valid; nothing was saved.", violations((ConstraintViolationException) e))
                            .map(page -> status(400, page)));
        });
    }

    private static ImportRequest request(PublishForm form) {
        List<ApiRequest.Target> upstreams = Arrays.stream(form.targets().split("[\\s,]+")).filter(s -> !s.isBlank())
                .map(url -> new ApiRequest.Target(url, 1)).toList();
        List<String> planIds = form.planId().isBlank() ? List.of() : List.of(form.planId());
        List<PlanRequest> newPlans = form.planName().isBlank() ? List.of()
                : List.of(new PlanRequest(form.planName().trim(), null, number(form.planRate(), "rate per second"), null,
                number(form.planQuota(), "monthly quota"), null, null));
        Long readTimeout = number(form.readTimeout(), "read timeout");
        Long retries = number(form.retries(), "retries");
        io.gatehouse.protocol.config.UpstreamPolicy policy = form.loadBalancing().isBlank() && retries == null ? null
                : io.gatehouse.protocol.config.UpstreamPolicy.of(balancing(form.loadBalancing()), retries == null ? null : retries.intValue(),
                null, null, null, null);
        return new ImportRequest(null, null, null, null, blankToNull(form.basePath()), null,
                upstreams.isEmpty() ? null : upstreams, null, null, readTimeout == null ? null : (int) Math.min(readTimeout, Integer.MAX_VALUE), ApiStatus.DRAFT,
                policy, "on".equals(form.passThrough()) ? Boolean.TRUE : null, planIds, newPlans)
                .withDocument(form.document());
    }

    /** The balancing choice of the form's select: one of the enum's names, or the default when left empty. */
    private static String balancing(String value) {
        if (value.isBlank()) {
            return null;
        }
        for (io.gatehouse.protocol.config.LoadBalancing known : io.gatehouse.protocol.config.LoadBalancing.values()) {
            if (known.name().equals(value)) {
                return value;
            }
        }
        throw new DomainException(io.gatehouse.management.http.AdminError.VALIDATION_FAILED, "load balancing must be one of "
                + java.util.Arrays.toString(io.gatehouse.protocol.config.LoadBalancing.values()),
                List.of(new ApiError.FieldError("loadBalancing", "unknown choice")));
    }

    @GET
    @Path("/{id}")
    public Uni<String> show(@PathParam("id") String id) {
        return owned(id).chain(view -> apiPage(view, null));
    }

    /** The API's current OpenAPI document: its title and description as written, and its text. */
    @GET
    @Path("/{id}/document")
    public Uni<String> document(@PathParam("id") String id) {
        return owned(id).chain(view -> documents.latest(view.id())
                .onFailure(DomainException.class).transform(e -> new ConsoleException(404, "not_found", "This API has no OpenAPI document."))
                .chain(stored -> documents.check(stored.content).chain(parsed -> document.data("api", view)
                        .data("stored", io.gatehouse.management.apis.DocumentView.of(stored)).data("parsed", parsed)
                        .data("text", stored.content).createUni())));
    }

    @POST
    @Path("/{id}/status")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> changeStatus(@PathParam("id") String id, @FormParam("status") String status) {
        return owned(id).chain(view -> {
            ApiStatus target;
            try {
                target = ApiStatus.valueOf(nz(status));
            } catch (IllegalArgumentException e) {
                return apiPage(view, "Choose PUBLISHED or DEPRECATED.").map(page -> status(400, page));
            }
            return backToApi(view, apis.changeStatus(view.id(), target));
        });
    }

    /** Retiring removes the API from the gateways and the catalogue; refused while subscriptions are open. */
    @POST
    @Path("/{id}/retire")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> retire(@PathParam("id") String id) {
        return owned(id).chain(view -> apis.delete(view.id())
                .map(done -> Response.seeOther(URI.create(ConsolePaths.APIS)).build())
                .onFailure(DomainException.class).recoverWithUni(e -> apiPage(view, e.getMessage())
                        .map(page -> status(((DomainException) e).status(), page))));
    }

    @POST
    @Path("/{id}/plans/{planId}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> changePlan(@PathParam("id") String id, @PathParam("planId") String planId,
                                    @FormParam("ratePerSecond") String rate, @FormParam("monthlyQuota") String quota) {
        return owned(id).chain(view -> documents.offeredPlans(view.id()).chain(offered -> {
            PlanView plan = offered.stream().filter(p -> p.id().equals(planId)).findFirst()
                    .orElseThrow(() -> new ConsoleException(404, "not_found", "This API offers no such plan."));
            return backToApi(view, Uni.createFrom().deferred(() -> plans.replace(plan.id(), new PlanRequest(plan.name(),
                    plan.description(), number(rate, "rate per second"), plan.burst(), number(quota, "monthly quota"),
                    plan.quotaMode(), plan.failureMode()))));
        }));
    }

    /**
     * The origins whose pages may call the API from a browser, one per line; none goes back to the default (only the
     * developer portal's pages). Bad origins come back on the page with the gateway's own reasons.
     */
    @POST
    @Path("/{id}/cors")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> changeCors(@PathParam("id") String id, @FormParam("allowedOrigins") String origins) {
        List<String> listed = java.util.Arrays.stream(nz(origins).split("[\\s,]+")).map(String::trim)
                .filter(o -> !o.isEmpty()).distinct().toList();
        return owned(id).chain(view -> backToApi(view, Uni.createFrom().deferred(() -> apis.setCors(view.id(), listed.isEmpty() ? null
                : new io.gatehouse.protocol.config.CorsRule(listed, view.cors() == null ? null : view.cors().allowedHeaders(),
                view.cors() == null ? null : view.cors().maxAgeSeconds())))));
    }

    /** After a change: back to the API's page, or the page again with what was refused. */
    private Uni<Response> backToApi(ApiView view, Uni<?> change) {
        return change.map(done -> Response.seeOther(URI.create(ConsolePaths.APIS + "/" + view.id())).build())
                .onFailure(DomainException.class).recoverWithUni(e -> apiPage(view, e.getMessage())
                        .map(page -> status(((DomainException) e).status(), page)))
                .onFailure(ConstraintViolationException.class).recoverWithUni(e -> apiPage(view, "Not valid: "
                        + violations((ConstraintViolationException) e).stream().map(f -> f.field() + " " + f.message()).toList())
                        .map(page -> status(400, page)));
    }

    private Uni<String> publishPage(PublishForm form, String error, List<ApiError.FieldError> details) {
        return plans.list().chain(all -> publish.data("form", form).data("error", error).data("details", details)
                .data("plans", all).createUni());
    }

    private Uni<String> apiPage(ApiView view, String error) {
        return documents.offeredPlans(view.id()).chain(offered -> history.ofApi(view.id()).chain(changes ->
                subscribers.of(view.id()).chain(users -> api.data("api", view).data("error", error).data("plans", offered)
                        .data("changes", changes).data("subscribers", users).data("subscriberLimit", io.gatehouse.management.apis.ApiConsumers.LIMIT)
                        .createUni())));
    }

    private Uni<ApiView> owned(String id) {
        return TeamApis.visible(apis, currentUser, id);
    }

    private static Response status(int status, String page) {
        return Response.status(status).entity(page).type(MediaType.TEXT_HTML_TYPE).build();
    }

    private static List<ApiError.FieldError> violations(ConstraintViolationException e) {
        return e.getConstraintViolations().stream()
                .map(v -> new ApiError.FieldError(field(v.getPropertyPath().toString()), v.getMessage())).toList();
    }

    private static Long number(String value, String what) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new DomainException(io.gatehouse.management.http.AdminError.VALIDATION_FAILED, what + " must be a whole number",
                    List.of(new ApiError.FieldError(what, "must be a whole number")));
        }
    }

    /** "publish.arg0.plans[0].ratePerSecond" → "plans[0].ratePerSecond". */
    private static String field(String path) {
        int arg = path.indexOf(".arg");
        if (arg < 0) {
            return path;
        }
        int dot = path.indexOf('.', arg + 1);
        return dot < 0 ? path : path.substring(dot + 1);
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
