package io.gatehouse.management.consumers;

import io.gatehouse.management.http.DomainException;
import io.gatehouse.management.http.Ids;
import io.gatehouse.management.sync.ConfigChanges;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
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
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

@Path("/admin")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Consumers")
public class ConsumerResource {

    public record ConsumerRequest(
            @NotBlank @Size(max = 100) @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9._@-]*", message = "may hold letters, digits, '.', '_', '@' and '-'")
            String username,
            @Email @Size(max = 254) String email) {
    }

    public record ConsumerView(String id, String username, String email, Instant createdAt) {
        static ConsumerView of(ConsumerEntity c) {
            return new ConsumerView(c.id.toString(), c.username, c.email, c.createdAt);
        }
    }

    @Inject
    ConfigChanges changes;

    @GET
    @Path("/consumers")
    @WithSession
    public Uni<List<ConsumerView>> list() {
        return ConsumerEntity.<ConsumerEntity>listAll().map(all -> all.stream()
                .sorted(Comparator.comparing((ConsumerEntity c) -> c.username)).map(ConsumerView::of).toList());
    }

    @GET
    @Path("/consumers/{id}")
    @WithSession
    public Uni<ConsumerView> get(@PathParam("id") String id) {
        return find(id).map(ConsumerView::of);
    }

    @POST
    @Path("/consumers")
    @Operation(summary = "Register a consumer")
    public Uni<Response> create(@Valid @NotNull ConsumerRequest request) {
        return changes.commit(() -> {
            ConsumerEntity consumer = new ConsumerEntity();
            consumer.id = UUID.randomUUID();
            consumer.username = request.username().trim();
            consumer.email = request.email();
            consumer.createdAt = Instant.now();
            return ConsumerEntity.count("username", consumer.username).chain(n -> {
                if (n > 0) {
                    throw DomainException.conflict("duplicate_name", "a consumer named " + consumer.username + " already exists");
                }
                return consumer.<ConsumerEntity>persist();
            });
        }).map(c -> Response.created(URI.create("/admin/consumers/" + c.id)).entity(ConsumerView.of(c)).build());
    }

    @DELETE
    @Path("/consumers/{id}")
    @Operation(summary = "Delete a consumer with its applications, subscriptions and keys; its keys stop working")
    public Uni<Response> delete(@PathParam("id") String id) {
        return changes.commit(() -> find(id).chain(c -> c.delete())).map(v -> Response.noContent().build());
    }

    public static Uni<ConsumerEntity> find(String id) {
        return Ids.find("consumer", id, uuid -> ConsumerEntity.<ConsumerEntity>findById(uuid));
    }
}
