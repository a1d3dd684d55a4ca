package io.gatehouse.management.console;

import io.gatehouse.management.accounts.CurrentUser;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.Authenticated;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** The console's start page: what each of the signed-in person's roles lets them do. */
@Path(ConsolePaths.ROOT)
@Produces(MediaType.TEXT_HTML)
public class HomePage {

    @Inject
    CurrentUser currentUser;

    @Inject
    @Location("console/home.html")
    Template home;

    @GET
    @Authenticated
    public TemplateInstance home() {
        return home.data("roles", currentUser.roles());
    }
}
