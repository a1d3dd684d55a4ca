package io.gatehouse.management.console;

import io.gatehouse.management.accounts.CurrentUser;
import io.gatehouse.management.accounts.Role;
import io.gatehouse.management.apis.ApiService;
import io.gatehouse.management.apis.ApiView;
import io.gatehouse.management.http.DomainException;
import io.gatehouse.management.subscriptions.SubscriptionService;
import io.gatehouse.management.subscriptions.SubscriptionStatus;
import io.gatehouse.management.subscriptions.SubscriptionView;
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
import java.util.List;

/** An API's subscriptions: pending requests to approve, or reject with a reason the developer sees; the rest with their state. */
@Path(ConsolePaths.APIS + "/{id}/subscriptions")
@Produces(MediaType.TEXT_HTML)
@RolesAllowed({Role.ADMIN_NAME, Role.API_OWNER_NAME})
public class SubscriptionPages {

    @Inject
    CurrentUser currentUser;
    @Inject
    ApiService apis;
    @Inject
    SubscriptionService subscriptions;

    @Inject
    @Location("console/subscriptions.html")
    Template page;

    @GET
    public Uni<String> list(@PathParam("id") String id) {
        return owned(id).chain(api -> render(api, null));
    }

    @POST
    @Path("/{subscription}/approve")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> approve(@PathParam("id") String id, @PathParam("subscription") String subscription) {
        return owned(id).chain(api -> decide(api, subscription, () -> subscriptions.approve(subscription)));
    }

    @POST
    @Path("/{subscription}/reject")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> reject(@PathParam("id") String id, @PathParam("subscription") String subscription,
                                @FormParam("reason") String reason) {
        String trimmed = reason == null ? "" : reason.trim();
        return owned(id).chain(api -> {
            if (trimmed.isEmpty() || trimmed.length() > 500) {
                return render(api, "Give the developer a reason of 1 to 500 characters.").map(html -> status(400, html));
            }
            return decide(api, subscription, () -> subscriptions.reject(subscription, trimmed));
        });
    }

    /** Approving or rejecting, only for a subscription to this API (an id from elsewhere is "not found"). */
    private Uni<Response> decide(ApiView api, String subscription, java.util.function.Supplier<Uni<SubscriptionView>> decision) {
        return Uni.createFrom().deferred(() -> subscriptions.get(subscription))
                .onFailure(DomainException.class).transform(e -> new ConsoleException(404, "not_found", "There is no such subscription."))
                .chain(found -> {
                    if (!found.apiId().equals(api.id())) {
                        throw new ConsoleException(404, "not_found", "There is no such subscription.");
                    }
                    return Uni.createFrom().deferred(decision::get);
                })
                .map(done -> Response.seeOther(URI.create(ConsolePaths.APIS + "/" + api.id() + "/subscriptions")).build())
                .onFailure(DomainException.class).recoverWithUni(e -> render(api, e.getMessage())
                        .map(html -> status(((DomainException) e).status(), html)));
    }

    private Uni<String> render(ApiView api, String error) {
        return subscriptions.listOfApi(api.id(), null).chain(all -> {
            List<SubscriptionView> pending = all.stream().filter(s -> s.status() == SubscriptionStatus.PENDING).toList();
            List<SubscriptionView> others = all.stream().filter(s -> s.status() != SubscriptionStatus.PENDING).toList();
            return page.data("api", api).data("pending", pending).data("others", others).data("error", error).createUni();
        });
    }

    private Uni<ApiView> owned(String id) {
        return TeamApis.visible(apis, currentUser, id);
    }

    private static Response status(int status, String html) {
        return Response.status(status).entity(html).type(MediaType.TEXT_HTML_TYPE).build();
    }
}
