package io.gatehouse.management.apis;

import io.gatehouse.management.changes.NotRecorded;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/** One version of the OpenAPI document an API was published from, as uploaded. */
@Entity
@Table(name = "api_documents")
@IdClass(ApiDocumentEntity.Key.class)
public class ApiDocumentEntity extends PanacheEntityBase {
    @Id
    @Column(name = "api_id")
    public UUID apiId;
    @Id
    public int version;
    /** The text as uploaded; the change record keeps its hash, not a second copy. */
    @NotRecorded
    public String content;
    public String format;
    public String openapi;
    public String sha256;
    @Column(name = "size_bytes")
    public int sizeBytes;
    public int operations;
    /** The document's info.description, kept for the portal's catalog search. */
    public String description;
    /** The document's tag names, one per line, kept for the portal's catalog search. */
    public String tags;
    @Column(name = "created_at")
    public Instant createdAt;

    public static class Key implements Serializable {
        public UUID apiId;
        public int version;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(apiId, k.apiId) && version == k.version;
        }

        @Override
        public int hashCode() {
            return Objects.hash(apiId, version);
        }
    }
}
