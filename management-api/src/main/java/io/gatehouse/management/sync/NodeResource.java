package io.gatehouse.management.sync;

import io.gatehouse.management.http.Page;
import io.gatehouse.management.http.PageRequest;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.QueryParam;
import java.util.Comparator;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Instant;
import java.util.List;

@Path("/admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Gateway nodes")
public class NodeResource {

    @Inject
    NodeRegistry registry;
    @Inject
    ConfigPublisher publisher;

    /**
     * @param version  the config version nodes should serve (null before anything was published)
     * @param problems how many entities are left out of the config (see /admin/config/problems)
     * @param horizon  nodes holding a version at or below it are sent a full snapshot rather than the change log
     */
    public record ConfigView(Long version, String hash, Instant publishedAt, long apis, long plans, long keys, long subscriptions,
                             int problems, ConfigPublisher.PublishingHealth publishing, long horizon) {
    }

    @GET
    @Path("/nodes")
    @Operation(summary = "A page of gateway nodes that are or were connected, by node id, with the config version and hash they serve")
    public Page<NodeView> nodes(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        PageRequest page = PageRequest.of(limit, cursor);
        List<NodeView> nodes = registry.list(publisher.head(), publisher.health()).stream()
                .sorted(Comparator.comparing(NodeView::nodeId)).toList();
        return Page.ofSorted(nodes, page, NodeView::nodeId);
    }

    @GET
    @Path("/config")
    @Operation(summary = "The config version gateway nodes should serve now")
    public Uni<ConfigView> config() {
        return publisher.problems().map(problems -> {
            ConfigHead head = publisher.head();
            if (!head.published()) {
                return new ConfigView(null, null, null, 0, 0, 0, 0, problems.size(), publisher.health(), head.horizon());
            }
            return new ConfigView(head.version(), head.hash(), head.publishedAt(), head.apis(), head.plans(), head.keys(),
                    head.subscriptions(), problems.size(), publisher.health(), head.horizon());
        });
    }

    @GET
    @Path("/config/problems")
    @Operation(summary = "A page of the rows the last config build had to leave out (they reach no gateway), with the reason")
    public Uni<Page<ConfigPublisher.ConfigProblem>> problems(@QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        PageRequest page = PageRequest.of(limit, cursor);
        return publisher.problems().map(all -> Page.ofSorted(
                all.stream().sorted(Comparator.comparing(NodeResource::problemKey)).toList(), page, NodeResource::problemKey));
    }

    private static String problemKey(ConfigPublisher.ConfigProblem problem) {
        return problem.section() + "/" + problem.id();
    }
}
