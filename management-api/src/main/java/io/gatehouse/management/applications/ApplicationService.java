package io.gatehouse.management.applications;

import io.gatehouse.management.consumers.ConsumerService;
import io.gatehouse.management.http.AdminError;
import io.gatehouse.management.http.Ids;
import io.gatehouse.management.http.Keyset;
import io.gatehouse.management.http.Page;
import io.gatehouse.management.http.PageRequest;
import io.gatehouse.management.sync.ConfigChanges;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Applications: a consumer's client programs, which hold keys and subscriptions. */
@ApplicationScoped
public class ApplicationService {

    @Inject
    ConfigChanges changes;

    /** What an application list can be narrowed to: one consumer's, a name prefix. */
    public record Filter(UUID consumerId, String namePrefix) {
    }

    /** A page of applications, oldest first. */
    @WithSession
    public Uni<Page<ApplicationView>> list(Filter filter, PageRequest page) {
        return Keyset.over("ApplicationEntity", (ApplicationEntity a) -> a.createdAt, a -> a.id)
                .where("e.consumerId = :consumerId", "consumerId", filter.consumerId())
                .where("e.name like :name escape '!'", "name", Keyset.prefix(filter.namePrefix()))
                .page(page, true, q -> ApplicationEntity.<ApplicationEntity>find(q.hql(), q.params()).range(0, q.rows() - 1).list(),
                        q -> ApplicationEntity.count(q.hql(), q.params()), ApplicationView::of);
    }

    /** A page of one consumer's applications (404 for an unknown consumer). */
    @WithSession
    public Uni<Page<ApplicationView>> listOfConsumer(String consumerId, String namePrefix, PageRequest page) {
        return ConsumerService.find(consumerId).chain(c -> list(new Filter(c.id, namePrefix), page));
    }

    @WithSession
    public Uni<ApplicationView> get(String id) {
        return find(id).map(ApplicationView::of);
    }

    public Uni<ApplicationView> create(String consumerId, @Valid @NotNull ApplicationRequest request) {
        return changes.commit(log -> ConsumerService.find(consumerId).chain(consumer -> {
            ApplicationEntity app = new ApplicationEntity();
            app.id = UUID.randomUUID();
            app.consumerId = consumer.id;
            app.name = request.name().trim();
            app.description = request.description();
            app.createdAt = Instant.now();
            return ApplicationEntity.count("consumerId = ?1 and name = ?2", consumer.id, app.name).chain(n -> {
                if (n > 0) {
                    throw AdminError.DUPLICATE_NAME.with("this consumer already has an application named " + app.name);
                }
                return app.<ApplicationEntity>persist();
            }).invoke(log::created);
        })).map(ApplicationView::of);
    }

    /** Renames an application (and replaces its description); names stay unique per consumer. */
    public Uni<ApplicationView> rename(String id, @Valid @NotNull ApplicationRequest request) {
        return changes.commit(log -> find(id).chain(app -> {
            String name = request.name().trim();
            return ApplicationEntity.count("consumerId = ?1 and name = ?2 and id <> ?3", app.consumerId, name, app.id).map(n -> {
                if (n > 0) {
                    throw AdminError.DUPLICATE_NAME.with("this consumer already has an application named " + name);
                }
                java.util.Map<String, Object> before = log.fields(app);
                app.name = name;
                app.description = request.description();
                log.changed("rename", before, app);
                return app;
            });
        })).map(ApplicationView::of);
    }

    /** Deletes an application with its subscriptions and keys (the database cascades); its keys stop working. */
    public Uni<Void> delete(String id) {
        return changes.commit(log -> find(id).chain(a -> {
            log.deleted(a);
            return a.delete();
        })).replaceWithVoid();
    }

    public static Uni<ApplicationEntity> find(String id) {
        return Ids.find("application", id, uuid -> ApplicationEntity.<ApplicationEntity>findById(uuid));
    }
}
