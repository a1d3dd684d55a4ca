package io.gatehouse.management.changes;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/** One change to one record, as it was made. The table refuses updates and deletes: history is only appended. */
@Entity
@Table(name = "change_records")
public class ChangeRecordEntity extends PanacheEntityBase {
    @Id
    public UUID id;
    /** Commit order; the database numbers it, so records of one instant still sort as they were made. */
    @Column(insertable = false, updatable = false)
    public Long seq;
    public Instant at;
    public String actor;
    @Column(name = "actor_role")
    public String actorRole;
    @Column(name = "source_address")
    public String sourceAddress;
    @Column(name = "request_id")
    public String requestId;
    @Column(name = "entity_type")
    public String entityType;
    @Column(name = "entity_id")
    public String entityId;
    @Column(name = "api_id")
    public UUID apiId;
    public String action;
    /** The record's fields before the change as JSON; null for a creation. */
    public String before;
    /** The record's fields after the change as JSON; null for a deletion. */
    public String after;
}
