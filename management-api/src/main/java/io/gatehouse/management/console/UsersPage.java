package io.gatehouse.management.console;

import io.gatehouse.management.accounts.AccountStore;
import io.gatehouse.management.accounts.Accounts;
import io.gatehouse.management.accounts.Role;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.common.annotation.Blocking;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** Accounts of the people who use Gatehouse: admins invite them with roles and a team. */
@Path(ConsolePaths.USERS)
@Produces(MediaType.TEXT_HTML)
@RolesAllowed(Role.ADMIN_NAME)
@Blocking
public class UsersPage {

    @Inject
    Accounts accounts;

    @Inject
    AccountStore store;

    @Inject
    RoutingContext context;

    @Inject
    @Location("console/users.html")
    Template users;

    @GET
    public TemplateInstance list() {
        return page(null, null);
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response invite(@FormParam("email") String email, @FormParam("role") List<String> roles, @FormParam("team") String team) {
        try {
            var user = accounts.invite(email, Accounts.roles(String.join(",", roles == null ? List.of() : roles)), team,
                    context.request().scheme() + "://" + context.request().authority());
            return Response.status(201).entity(page("Invited " + user.email() + ": a link to choose a password is on its way.", null)).build();
        } catch (Accounts.AccountException e) {
            return Response.status(e.code().equals("email_taken") ? 409 : 400).entity(page(null, e.getMessage())).build();
        }
    }

    private TemplateInstance page(String done, String error) {
        return users.data("users", store.list().await().atMost(Duration.ofSeconds(10)))
                .data("roles", Arrays.stream(Role.values()).map(Role::id).toList())
                .data("done", done).data("error", error);
    }
}
