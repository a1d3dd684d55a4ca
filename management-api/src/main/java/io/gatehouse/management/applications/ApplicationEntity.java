package io.gatehouse.management.applications;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/** A consumer's client program: it holds the API keys and the subscriptions. */
@Entity
@Table(name = "applications")
public class ApplicationEntity extends PanacheEntityBase {
    @Id
    public UUID id;
    @Column(name = "consumer_id")
    public UUID consumerId;
    public String name;
    public String description;
    @Column(name = "created_at")
    public Instant createdAt;
}
