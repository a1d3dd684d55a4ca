package io.gatehouse.management.changes;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;

/** One change record as the history shows it; {@code before} and {@code after} are the record's fields. */
public record ChangeView(long seq, Instant at, String actor, String role, String sourceAddress, String requestId,
                         String entityType, String entityId, String action, JsonNode before, JsonNode after) {
}
