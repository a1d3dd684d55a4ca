package io.gatehouse.management.portal;

import io.gatehouse.management.apis.ApiDocumentEntity;
import io.gatehouse.management.apis.ApiDocumentService;
import io.gatehouse.management.apis.ApiService;
import io.gatehouse.management.apis.ApiView;
import io.gatehouse.management.console.ConsoleException;
import io.gatehouse.management.http.DomainException;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * An API's reference in the developer portal, rendered on the server from its current OpenAPI document. Like the
 * docs of the Gravitee and Stripe portals it is readable without signing in; only routed (published or deprecated)
 * APIs have one. A document that cannot be rendered gets a page that says so, never an error status.
 */
@Path(PortalPaths.APIS)
@Produces(MediaType.TEXT_HTML)
public class ReferencePage {

    @Inject
    ApiService apis;
    @Inject
    ApiDocumentService documents;
    @Inject
    ApiReferences references;
    @Inject
    @Location("portal/reference.html")
    Template page;

    @GET
    @Path("/{id}/reference")
    public Uni<String> reference(@PathParam("id") String id) {
        return apis.get(id)
                .onFailure(DomainException.class).transform(e -> new ConsoleException(404, "not_found", "There is no such API."))
                .chain(api -> {
                    if (!api.status().routed()) {
                        return Uni.createFrom().failure(new ConsoleException(404, "not_found", "There is no such API."));
                    }
                    return documents.latest(api.id())
                            .onFailure(DomainException.class).recoverWithNull()
                            .chain(document -> document == null
                                    ? render(api, null, "This API has no OpenAPI document yet.")
                                    : rendered(api, document));
                });
    }

    private Uni<String> rendered(ApiView api, ApiDocumentEntity document) {
        return references.of(document, api.basePath(), api.keyHeader())
                .chain(result -> render(api, result.reference(), result.error()));
    }

    private Uni<String> render(ApiView api, ApiReference reference, String problem) {
        return page.data("api", api).data("ref", reference).data("problem", problem)
                .data("deprecated", api.status() == io.gatehouse.management.apis.ApiStatus.DEPRECATED).createUni();
    }
}
