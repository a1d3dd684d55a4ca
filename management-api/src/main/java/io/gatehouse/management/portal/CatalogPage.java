package io.gatehouse.management.portal;

import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/** The portal's catalog: what a developer can call, readable without an account like the reference pages. */
@Path(PortalPaths.APIS)
public class CatalogPage {
    /** Longer searches are cut: nobody types more, and the LIKE pattern stays small. */
    private static final int MAX_QUERY = 100;

    @Inject
    Catalog catalog;
    @Inject
    @Location("portal/catalog.html")
    Template page;

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Uni<String> list(@QueryParam("q") String q) {
        return catalog.search(cut(q)).chain(result -> page.data("page", result).createUni());
    }

    /** The same search for scripts. */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Catalog.Page> json(@QueryParam("q") String q) {
        return catalog.search(cut(q));
    }

    private static String cut(String q) {
        return q == null ? "" : q.length() > MAX_QUERY ? q.substring(0, MAX_QUERY) : q;
    }
}
