package io.gatehouse.management.console;

import io.gatehouse.management.accounts.Role;
import io.gatehouse.management.sync.ConfigPublisher;
import io.gatehouse.management.sync.NodeRegistry;
import io.gatehouse.management.sync.ConfigHead;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** Gateway nodes: which config version and hash each serves, its software version and when it was last heard from. */
@Path(ConsolePaths.NODES)
@Produces(MediaType.TEXT_HTML)
@RolesAllowed({Role.ADMIN_NAME, Role.API_OWNER_NAME, Role.COMPLIANCE_NAME})
public class NodesPage {

    @Inject
    NodeRegistry registry;
    @Inject
    ConfigPublisher publisher;

    @Inject
    @Location("console/nodes.html")
    Template nodes;

    @GET
    public TemplateInstance list() {
        ConfigHead head = publisher.head();
        ConfigHead current = head.published() ? head : null;
        return nodes.data("nodes", registry.list(current, publisher.health()))
                .data("publishing", publisher.health())
                .data("currentVersion", current == null ? null : current.version())
                .data("currentHash", current == null ? null : current.hash());
    }
}
