package io.gatehouse.management.sync;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.function.Supplier;

/**
 * Runs an admin change in a transaction and, once it has committed, asks for a config publish. Publishing after
 * commit matters: a publish that ran inside the transaction could not see the change.
 */
@ApplicationScoped
public class ConfigChanges {

    @Inject
    ConfigPublisher publisher;

    public <T> Uni<T> commit(Supplier<Uni<T>> change) {
        return Panache.withTransaction(change).invoke(result -> publisher.requestPublish());
    }
}
