package io.gatehouse.management.sync;

import io.gatehouse.management.changes.Actor;
import io.gatehouse.management.changes.ActorLookup;
import io.gatehouse.management.changes.ChangeLog;
import io.gatehouse.management.changes.ChangeRecorder;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.function.Function;

/**
 * The single point every control-plane write passes. It runs the change in a transaction, writes the change records
 * the change noted (who, from where, before and after) in that same transaction, and once it has committed asks for a
 * config publish. Publishing after commit matters: a publish that ran inside the transaction could not see the change.
 */
@ApplicationScoped
public class ConfigChanges {

    @Inject
    ConfigPublisher publisher;
    @Inject
    ActorLookup actors;
    @Inject
    ChangeRecorder recorder;

    /** Runs {@code change}, which notes what it changes in the log it is given. */
    public <T> Uni<T> commit(Function<ChangeLog, Uni<T>> change) {
        // Who and from where is read now, while the request is current; the transaction may run on another context.
        String requestId = actors.requestId();
        Actor actor = actors.current();
        return Panache.withTransaction(() -> {
                    ChangeLog log = new ChangeLog();
                    return change.apply(log).call(result -> recorder.write(actor, requestId, log));
                })
                .invoke(result -> publisher.requestPublish());
    }
}
