package io.gatehouse.management.changes;

import io.gatehouse.protocol.Json;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Writes a transaction's change records in that transaction: a change and its record commit or roll back together. */
@ApplicationScoped
public class ChangeRecorder {

    public Uni<Void> write(Actor actor, String requestId, ChangeLog log) {
        List<ChangeRecordEntity> records = new ArrayList<>();
        Instant at = Instant.now();
        for (ChangeLog.Entry entry : log.entries()) {
            ChangeRecordEntity record = new ChangeRecordEntity();
            record.id = UUID.randomUUID();
            record.at = at;
            record.actor = actor.name();
            record.actorRole = actor.role();
            record.sourceAddress = actor.address();
            record.requestId = requestId;
            record.entityType = entry.entityType();
            record.entityId = entry.entityId();
            record.apiId = entry.apiId();
            record.action = entry.action();
            record.before = entry.before() == null ? null : Json.write(entry.before());
            record.after = entry.after() == null ? null : Json.write(entry.after());
            records.add(record);
        }
        return records.isEmpty() ? Uni.createFrom().voidItem() : ChangeRecordEntity.persist(records);
    }
}
