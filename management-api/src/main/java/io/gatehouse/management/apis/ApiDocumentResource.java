package io.gatehouse.management.apis;

import io.gatehouse.management.http.AdminError;
import io.gatehouse.management.http.Page;
import io.gatehouse.management.http.PageRequest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.net.URI;
import java.util.List;

/**
 * Publishing from OpenAPI documents over HTTP. The document comes as a JSON body ({@code document} plus settings), as
 * a multipart upload ({@code file}, and {@code settings} as JSON), or as the raw JSON/YAML document with settings in the
 * query. These are the only admin endpoints that take large bodies.
 */
@Path("/admin/apis")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "APIs")
public class ApiDocumentResource {
    static final String YAML = "application/yaml";

    @Inject
    ApiDocumentService documents;

    @POST
    @Path("/import")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Publish an API from its OpenAPI 3.0/3.1 document (JSON or YAML), with base path, targets, plans and policies; an invalid document saves nothing and its errors say where")
    public Uni<Response> publish(@Valid @NotNull ImportRequest request) {
        return documents.publish(request).map(ApiDocumentResource::created);
    }

    @POST
    @Path("/import")
    @Consumes({YAML, "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain", "application/vnd.oai.openapi",
            "application/vnd.oai.openapi+json"})
    @Operation(summary = "The same, the body being the document itself and the settings in the query")
    public Uni<Response> publishRaw(String document, @QueryParam("name") String name, @QueryParam("basePath") String basePath,
                                    @QueryParam("target") List<String> targets, @QueryParam("planId") List<String> planIds,
                                    @QueryParam("status") ApiStatus status, @QueryParam("passThrough") Boolean passThrough) {
        ImportRequest request = new ImportRequest(null, name, null, null, basePath, null,
                targets == null || targets.isEmpty() ? null : targets.stream().map(t -> new ApiRequest.Target(t, 1)).toList(),
                null, null, null, status, null, passThrough, planIds == null || planIds.isEmpty() ? null : planIds, null);
        return documents.publish(request.withDocument(document)).map(ApiDocumentResource::created);
    }

    @PUT
    @Path("/{id}/document")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Replace an API's document with a new version; its documented operations become the routing table")
    public Uni<ImportResult> replace(@PathParam("id") String id, @NotNull ImportRequest request) {
        return documents.replaceDocument(id, request.documentText());
    }

    @PUT
    @Path("/{id}/document")
    @Consumes({YAML, "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain", "application/vnd.oai.openapi",
            "application/vnd.oai.openapi+json"})
    public Uni<ImportResult> replaceRaw(@PathParam("id") String id, String document) {
        return documents.replaceDocument(id, document);
    }

    @GET
    @Path("/{id}/document")
    @Produces({MediaType.APPLICATION_JSON, YAML})
    @Operation(summary = "The API's current OpenAPI document as it was uploaded")
    public Uni<Response> document(@PathParam("id") String id) {
        return documents.latest(id).map(d -> Response.ok(d.content)
                .type("JSON".equals(d.format) ? MediaType.APPLICATION_JSON : YAML)
                .header("ETag", "\"" + d.sha256 + "\"")
                .header("X-Document-Version", d.version)
                .build());
    }

    @GET
    @Path("/{id}/documents")
    @Operation(summary = "A page of the versions of the API's document, newest first, without their text")
    public Uni<Page<DocumentView>> versions(@PathParam("id") String id, @QueryParam("limit") String limit,
                                            @QueryParam("cursor") String cursor) {
        return documents.versions(id, PageRequest.of(limit, cursor));
    }

    private static Response created(ImportResult result) {
        return Response.created(URI.create("/admin/apis/" + result.api().id())).entity(result).build();
    }
}
