package io.gatehouse.management.openapi;

import io.gatehouse.management.http.ApiError;
import io.gatehouse.protocol.config.ApiOperation;

import java.util.List;

/**
 * What Gatehouse takes from an OpenAPI document: enough to name, mount and route the API. {@code errors} empty means
 * the document may be published; otherwise nothing of it may be saved.
 *
 * @param format      JSON or YAML, as uploaded
 * @param openapi     the document's {@code openapi} field, e.g. 3.1.0
 * @param serverUrls  the {@code servers} URLs, in order: candidates for the upstream target and base path
 * @param operations  every method + path template under {@code paths}, sorted
 * @param errors      each with its location: a JSON pointer and, where it can be found, the line
 * @param warnings    things the parser noticed that do not stop publishing (unexpected attributes)
 * @param tags        the document's tag names and those its operations use, in first-seen order: what the catalog searches
 */
public record OpenApiDocument(String format, String openapi, String title, String version, String description,
                              List<String> serverUrls, List<ApiOperation> operations,
                              List<ApiError.FieldError> errors, List<String> warnings, List<String> tags) {

    public boolean valid() {
        return errors.isEmpty();
    }
}
