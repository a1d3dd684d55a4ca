package io.gatehouse.management.consumers;

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
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/** Consumers: the developers and organisations that call APIs. */
@ApplicationScoped
public class ConsumerService {

    @Inject
    ConfigChanges changes;

    /** What a consumer list can be narrowed to: the start of the username or of the email address (any case). */
    public record Filter(String usernamePrefix, String emailPrefix) {
    }

    /** A page of consumers, oldest first. */
    @WithSession
    public Uni<Page<ConsumerView>> list(Filter filter, PageRequest page) {
        String email = Keyset.prefix(filter.emailPrefix());
        return Keyset.over("ConsumerEntity", (ConsumerEntity c) -> c.createdAt, c -> c.id)
                .where("e.username like :username escape '!'", "username", Keyset.prefix(filter.usernamePrefix()))
                .where("lower(e.email) like :email escape '!'", "email", email == null ? null : email.toLowerCase(java.util.Locale.ROOT))
                .page(page, true, q -> ConsumerEntity.<ConsumerEntity>find(q.hql(), q.params()).range(0, q.rows() - 1).list(),
                        q -> ConsumerEntity.count(q.hql(), q.params()), ConsumerView::of);
    }

    @WithSession
    public Uni<ConsumerView> get(String id) {
        return find(id).map(ConsumerView::of);
    }

    public Uni<ConsumerView> register(@Valid @NotNull ConsumerRequest request) {
        return changes.commit(log -> {
            ConsumerEntity consumer = new ConsumerEntity();
            consumer.id = UUID.randomUUID();
            consumer.username = request.username().trim();
            consumer.email = request.email();
            consumer.createdAt = Instant.now();
            return ConsumerEntity.count("username", consumer.username).chain(n -> {
                if (n > 0) {
                    throw AdminError.DUPLICATE_NAME.with("a consumer named " + consumer.username + " already exists");
                }
                return consumer.<ConsumerEntity>persist();
            }).invoke(log::created);
        }).map(ConsumerView::of);
    }

    /** Deletes a consumer with its applications, subscriptions and keys (the database cascades); its keys stop working. */
    public Uni<Void> delete(String id) {
        return changes.commit(log -> find(id).chain(c -> {
            log.deleted(c);
            return c.delete();
        })).replaceWithVoid();
    }

    public static Uni<ConsumerEntity> find(String id) {
        return Ids.find("consumer", id, uuid -> ConsumerEntity.<ConsumerEntity>findById(uuid));
    }
}
