package io.gatehouse.management.sync;

import io.gatehouse.protocol.config.ConfigSnapshot;
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

    /** @param problems how many rows the last build left out (see /admin/config/problems) */
    public record ConfigView(Long version, String hash, Instant publishedAt, int apis, int plans, int keys, int subscriptions,
                             int problems, ConfigPublisher.PublishingHealth publishing) {
    }

    @GET
    @Path("/nodes")
    @Operation(summary = "Gateway nodes that are or were connected, with the config version and hash they serve")
    public List<NodeView> nodes() {
        return registry.list(publisher.current(), publisher.health());
    }

    @GET
    @Path("/config")
    @Operation(summary = "The config version gateway nodes should serve now")
    public ConfigView config() {
        ConfigSnapshot current = publisher.current();
        if (current == null) {
            return new ConfigView(null, null, null, 0, 0, 0, 0, publisher.problems().size(), publisher.health());
        }
        return new ConfigView(current.version(), current.hash(), current.publishedAt(), current.apis().size(),
                current.plans().size(), current.keys().size(), current.subscriptions().size(), publisher.problems().size(),
                publisher.health());
    }

    @GET
    @Path("/config/problems")
    @Operation(summary = "Rows the last config build had to leave out (they reach no gateway), with the reason")
    public List<ConfigPublisher.ConfigProblem> problems() {
        return publisher.problems();
    }
}
