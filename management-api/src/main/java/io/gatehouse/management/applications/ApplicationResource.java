package io.gatehouse.management.applications;

import io.gatehouse.management.consumers.ConsumerResource;
import io.gatehouse.management.http.DomainException;
import io.gatehouse.management.http.Ids;
import io.gatehouse.management.sync.ConfigChanges;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

@Path("/admin")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Applications")
public class ApplicationResource {

    public record ApplicationRequest(@NotBlank @Size(max = 100) String name, @Size(max = 2000) String description) {
    }

    public record ApplicationView(String id, String consumerId, String name, String description, Instant createdAt) {
        static ApplicationView of(ApplicationEntity a) {
            return new ApplicationView(a.id.toString(), a.consumerId.toString(), a.name, a.description, a.createdAt);
        }
    }

    @Inject
    ConfigChanges changes;

    @GET
    @Path("/consumers/{consumerId}/applications")
    @WithSession
    public Uni<List<ApplicationView>> list(@PathParam("consumerId") String consumerId) {
        return ConsumerResource.find(consumerId)
                .chain(c -> ApplicationEntity.<ApplicationEntity>list("consumerId = ?1 order by name", c.id))
                .map(all -> all.stream().map(ApplicationView::of).toList());
    }

    @POST
    @Path("/consumers/{consumerId}/applications")
    @Operation(summary = "Create an application for a consumer")
    public Uni<Response> create(@PathParam("consumerId") String consumerId, @Valid @NotNull ApplicationRequest request) {
        return changes.commit(() -> ConsumerResource.find(consumerId).chain(consumer -> {
            ApplicationEntity app = new ApplicationEntity();
            app.id = UUID.randomUUID();
            app.consumerId = consumer.id;
            app.name = request.name().trim();
            app.description = request.description();
            app.createdAt = Instant.now();
            return ApplicationEntity.count("consumerId = ?1 and name = ?2", consumer.id, app.name).chain(n -> {
                if (n > 0) {
                    throw DomainException.conflict("duplicate_name", "this consumer already has an application named " + app.name);
                }
                return app.<ApplicationEntity>persist();
            });
        })).map(a -> Response.created(URI.create("/admin/applications/" + a.id)).entity(ApplicationView.of(a)).build());
    }

    @GET
    @Path("/applications/{id}")
    @WithSession
    public Uni<ApplicationView> get(@PathParam("id") String id) {
        return find(id).map(ApplicationView::of);
    }

    @DELETE
    @Path("/applications/{id}")
    @Operation(summary = "Delete an application with its subscriptions and keys; its keys stop working")
    public Uni<Response> delete(@PathParam("id") String id) {
        return changes.commit(() -> find(id).chain(a -> a.delete())).map(v -> Response.noContent().build());
    }

    public static Uni<ApplicationEntity> find(String id) {
        return Ids.find("application", id, uuid -> ApplicationEntity.<ApplicationEntity>findById(uuid));
    }
}
