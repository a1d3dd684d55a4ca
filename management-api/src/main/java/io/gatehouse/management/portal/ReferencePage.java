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
                    // Only the latest version's number first: a cached reference needs no document, and loading
                    // several MB of text on every visit would cost more than rendering the page.
                    return references.latestVersion(api.id()).chain(version -> {
                        if (version == null) {
                            return render(api, null, "This API has no OpenAPI document yet.");
                        }
                        ApiReferenceBuilder.Result cached = references.cached(api.id(), version, api.basePath(), api.keyHeader());
                        if (cached != null) {
                            return render(api, cached.reference(), cached.error());
                        }
                        return documents.latest(api.id())
                                .onFailure(DomainException.class).recoverWithNull()
                                .chain(document -> document == null
                                        ? render(api, null, "This API has no OpenAPI document yet.")
                                        : rendered(api, document));
                    });
                });
    }

    /**
     * The API's document for "try it" (Swagger UI on the reference page): JSON, with the gateway's address for this
     * API as its only server. Readable without an account like the reference itself.
     */
    @GET
    @Path("/{id}/openapi.json")
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<jakarta.ws.rs.core.Response> tryItDocument(@PathParam("id") String id) {
        return apis.get(id)
                .onFailure(DomainException.class).transform(e -> new ConsoleException(404, "not_found", "There is no such API."))
                .chain(api -> {
                    if (!api.status().routed()) {
                        return Uni.createFrom().failure(new ConsoleException(404, "not_found", "There is no such API."));
                    }
                    return documents.latest(api.id()).onFailure(DomainException.class).recoverWithNull().chain(document -> {
                        if (document == null) {
                            return Uni.createFrom().failure(new ConsoleException(404, "not_found", "This API has no OpenAPI document yet."));
                        }
                        String content = document.content;
                        String base = references.baseUrl(api.basePath());
                        // Parsing a document of several MB takes a while: off the event loop.
                        return Uni.createFrom().item(() -> TryItDocument.withGateway(content, base))
                                .runSubscriptionOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool())
                                .map(json -> jakarta.ws.rs.core.Response.ok(json, MediaType.APPLICATION_JSON_TYPE)
                                        .header("Cache-Control", "no-cache").build());
                    });
                });
    }

    private Uni<String> rendered(ApiView api, ApiDocumentEntity document) {
        return references.of(document, api.basePath(), api.keyHeader())
                .chain(result -> render(api, result.reference(), result.error()));
    }

    private Uni<String> render(ApiView api, ApiReference reference, String problem) {
        return page.data("api", api).data("ref", reference).data("problem", problem)
                .data("deprecated", api.status() == io.gatehouse.management.apis.ApiStatus.DEPRECATED)
                .data("sunsetDay", api.sunsetAt() == null ? null : api.sunsetAt().atZone(java.time.ZoneOffset.UTC).toLocalDate())
                .data("swaggerUi", TryItDocument.SWAGGER_UI).createUni();
    }
}
