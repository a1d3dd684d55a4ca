package io.gatehouse.management.nodes;

import io.gatehouse.management.http.Ids;
import io.gatehouse.management.sync.NodeRegistry;
import io.gatehouse.management.http.Page;
import io.gatehouse.management.http.PageRequest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
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

@Path("/admin/nodes/credentials")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Gateway nodes")
public class NodeCredentialResource {

    /** @param nodeId the id the node will have; a node presenting this credential can be no other */
    public record CredentialRequest(String nodeId) {
    }

    @Inject
    NodeCredentials credentials;
    @Inject
    NodeRegistry registry;

    @POST
    @Operation(summary = "Issue a gateway node credential; the response is the only time the token is shown")
    public Uni<Response> issue(CredentialRequest request) {
        return credentials.issue(request == null ? null : request.nodeId())
                .map(issued -> Response.created(URI.create("/admin/nodes/credentials/" + issued.id()))
                        .header("Cache-Control", "no-store").entity(issued).build());
    }

    @GET
    @Operation(summary = "A page of node credentials, oldest first, without the tokens. Filter: nodeId")
    public Uni<Page<NodeCredentials.View>> list(@QueryParam("nodeId") String nodeId, @QueryParam("limit") String limit,
                                                @QueryParam("cursor") String cursor) {
        PageRequest page = PageRequest.of(limit, cursor);
        return credentials.list(nodeId == null || nodeId.isBlank() ? null : nodeId.trim(), page);
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Revoke a node credential; a node connected with it is disconnected at once and cannot reconnect")
    public Uni<NodeCredentials.View> revoke(@PathParam("id") String id) {
        return credentials.revoke(Ids.parse("node credential", id))
                .invoke(view -> registry.disconnectCredential(view.id()));
    }
}
