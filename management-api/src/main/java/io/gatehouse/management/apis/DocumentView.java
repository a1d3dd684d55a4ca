package io.gatehouse.management.apis;

import java.time.Instant;

/** A stored OpenAPI document without its text. */
public record DocumentView(String apiId, int version, String format, String openapi, String sha256, int sizeBytes,
                           int operations, Instant createdAt) {
    public static DocumentView of(ApiDocumentEntity d) {
        return new DocumentView(d.apiId.toString(), d.version, d.format, d.openapi, d.sha256, d.sizeBytes, d.operations, d.createdAt);
    }
}
