package io.gatehouse.management.console;

import io.gatehouse.management.accounts.CurrentUser;
import io.gatehouse.management.accounts.Role;
import io.gatehouse.management.apis.ApiRequest;
import io.gatehouse.management.apis.ApiService;
import io.gatehouse.management.apis.ApiView;
import io.gatehouse.management.apis.CanaryStore;
import io.gatehouse.management.apis.CanaryRequest;
import io.gatehouse.management.http.DomainException;
import io.gatehouse.protocol.config.CanaryRule;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.smallrye.mutiny.Uni;
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

import java.net.URI;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * An API's canary release: its rule, stepping its share up (or down), promoting it, rolling it back, and a chart of
 * both variants over the last hour. Every change goes through {@link ApiService}, as the admin API's canary
 * endpoints do, so it reaches the gateways and the change history the same way.
 */
@Path(ConsolePaths.APIS + "/{id}/canary")
@Produces(MediaType.TEXT_HTML)
@RolesAllowed({Role.ADMIN_NAME, Role.API_OWNER_NAME})
public class CanaryPages {
    /** The shares offered as one-press steps; any other value goes through the percent field. */
    static final List<Integer> STEPS = List.of(5, 25, 50, 100);

    @Inject
    CurrentUser currentUser;
    @Inject
    ApiService apis;
    @Inject
    CanaryStore canaryStore;

    @Inject
    @Location("console/api-canary.html")
    Template page;

    /** One variant since the rule was last set (what the admin API's canary endpoint reports). */
    public record SinceSet(String variant, long requests, long errors, String errorPercent, String p99) {
    }

    /** What the start form was given, to show it again beside an error. */
    public record StartForm(String targets, String percent, String header, String headerValue) {
        static final StartForm EMPTY = new StartForm("", "5", "", "");
    }

    @GET
    public Uni<String> show(@PathParam("id") String id) {
        return owned(id).chain(api -> render(api, null, StartForm.EMPTY));
    }

    /** Starts a canary: its upstream targets and the share of consumers sent to it (optionally a header that opts in). */
    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> start(@PathParam("id") String id, @FormParam("targets") String targets, @FormParam("percent") String percent,
                               @FormParam("header") String header, @FormParam("headerValue") String headerValue) {
        StartForm form = new StartForm(nz(targets), nz(percent), nz(header), nz(headerValue));
        return owned(id).chain(api -> {
            if (api.canary() != null) {
                return refused(api, 409, "This API already runs a canary: step it, promote it or roll it back first.", form);
            }
            List<ApiRequest.Target> upstreams = Arrays.stream(form.targets().split("[\\s,]+")).filter(s -> !s.isBlank())
                    .map(url -> new ApiRequest.Target(url, 1)).toList();
            Double share = percent(form.percent());
            if (upstreams.isEmpty() || share == null) {
                return refused(api, 400, "Give the canary's upstream URL and a share between 0 and 100 percent.", form);
            }
            CanaryRequest request = new CanaryRequest(upstreams, share, blankToNull(form.header()), blankToNull(form.headerValue()), null, null);
            return change(api, form, () -> apis.setCanary(api.id(), request));
        });
    }

    /** Steps the running canary to another share; its targets and opt-in header stay as they are. */
    @POST
    @Path("/percent")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> step(@PathParam("id") String id, @FormParam("percent") String percent) {
        return owned(id).chain(api -> {
            CanaryRule rule = api.canary();
            if (rule == null) {
                return refused(api, 409, "This API runs no canary; start one first.", StartForm.EMPTY);
            }
            Double share = percent(percent);
            if (share == null) {
                return refused(api, 400, "The share must be a number between 0 and 100.", StartForm.EMPTY);
            }
            List<ApiRequest.Target> targets = rule.targets().stream()
                    .map(t -> new ApiRequest.Target(t.url(), t.weight(), t.discovery())).toList();
            CanaryRequest request = new CanaryRequest(targets, share, rule.header(), rule.headerValue(), rule.cookie(), rule.cookieValue());
            return change(api, StartForm.EMPTY, () -> apis.setCanary(api.id(), request));
        });
    }

    @POST
    @Path("/promote")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> promote(@PathParam("id") String id) {
        return owned(id).chain(api -> change(api, StartForm.EMPTY, () -> apis.promoteCanary(api.id())));
    }

    @POST
    @Path("/roll-back")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> rollBack(@PathParam("id") String id) {
        return owned(id).chain(api -> change(api, StartForm.EMPTY, () -> apis.rollBackCanary(api.id())));
    }

    /** After a change: back to the canary page (post, redirect, get), or the page again with what was refused. */
    private Uni<Response> change(ApiView api, StartForm form, java.util.function.Supplier<Uni<? extends ApiView>> change) {
        return Uni.createFrom().deferred(change)
                .map(done -> Response.seeOther(URI.create(ConsolePaths.APIS + "/" + api.id() + "/canary")).build())
                .onFailure(DomainException.class).recoverWithUni(e -> refused(api, ((DomainException) e).status(), e.getMessage(), form))
                .onFailure(ConstraintViolationException.class).recoverWithUni(e -> refused(api, 400, "Not valid: "
                        + ((ConstraintViolationException) e).getConstraintViolations().stream()
                        .map(v -> leaf(v.getPropertyPath().toString()) + " " + v.getMessage()).sorted().toList(), form));
    }

    private Uni<Response> refused(ApiView api, int status, String message, StartForm form) {
        // The API as it is now: a refused change leaves it unchanged, but another person may have changed it meanwhile.
        return Uni.createFrom().deferred(() -> apis.get(api.id())).chain(current -> render(current, message, form))
                .map(html -> Response.status(status).entity(html).type(MediaType.TEXT_HTML_TYPE).build());
    }

    private Uni<String> render(ApiView api, String error, StartForm form) {
        Instant now = Instant.now();
        return apis.canary(api.id()).chain(status -> canaryStore.lastHour(api.id(), now).chain(window -> {
            List<SinceSet> sinceSet = status.variants().entrySet().stream().map(e -> new SinceSet(e.getKey(), e.getValue().requests(),
                    e.getValue().errors(), e.getValue().requests() == 0 ? "–" : CanaryChart.format(Math.round(e.getValue().errorRate() * 1000) / 10.0) + "%",
                    e.getValue().p99Ms() == null ? "–" : "≤ " + e.getValue().p99Ms() + " ms")).toList();
            return page.data("api", api).data("rule", api.canary())
                    .data("percent", api.canary() == null ? null : CanaryChart.format(api.canary().percent())).data("sinceSet", sinceSet)
                    .data("rows", CanaryChart.rows(window)).data("total", CanaryChart.total(window)).data("charts", CanaryChart.of(window))
                    .data("steps", STEPS).data("error", error).data("form", form)
                    .createUni();
        }));
    }

    private Uni<ApiView> owned(String id) {
        return TeamApis.visible(apis, currentUser, id);
    }

    /** A share from the form, 0–100 with decimals allowed; null when it is not one. */
    static Double percent(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            double share = Double.parseDouble(value.trim());
            return Double.isFinite(share) && share >= 0 && share <= 100 ? share : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** "setCanary.arg1.targets[0].url" → "targets[0].url". */
    private static String leaf(String path) {
        int arg = path.indexOf(".arg");
        int dot = arg < 0 ? -1 : path.indexOf('.', arg + 1);
        return dot < 0 ? path : path.substring(dot + 1);
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
