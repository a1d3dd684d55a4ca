package io.gatehouse.management.apis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.gatehouse.management.plans.PlanRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Size;

import java.util.List;

/**
 * Publishing an API from its OpenAPI document, with everything the document does not say, in one request. Every
 * setting is optional where the document can supply it.
 *
 * @param document    the OpenAPI 3.0 or 3.1 document: its JSON or YAML text as a string, or the JSON document itself
 * @param name        default: the document's info.title (characters an API name may not hold become '-')
 * @param version     default: the document's info.version
 * @param basePath    default: the path of the document's first server URL, when it has one
 * @param targets     default: the document's first server URL, when it is absolute
 * @param status      PUBLISHED (default) or DRAFT
 * @param passThrough true: route every path upstream; false (default): only the documented operations
 * @param planIds     existing plans the API offers
 * @param plans       new plans to create and offer
 */
public record ImportRequest(
        JsonNode document,
        String name,
        String version,
        String host,
        String basePath,
        Boolean stripBasePath,
        @Size(max = 32) List<ApiRequest.@Valid Target> targets,
        String keyHeader,
        @Min(1) @Max(600_000) Integer connectTimeoutMs,
        @Min(1) @Max(3_600_000) Integer readTimeoutMs,
        ApiStatus status,
        io.gatehouse.protocol.config.UpstreamPolicy upstreamPolicy,
        Boolean passThrough,
        @Size(max = 20) List<String> planIds,
        @Size(max = 20) List<@Valid PlanRequest> plans) {

    /** The same settings with the document given as text (an uploaded file, a pasted form field). */
    public ImportRequest withDocument(String text) {
        return new ImportRequest(text == null ? null : TextNode.valueOf(text), name, version, host, basePath, stripBasePath,
                targets, keyHeader, connectTimeoutMs, readTimeoutMs, status, upstreamPolicy, passThrough, planIds, plans);
    }

    /** The document's text: a string as given, a JSON object written back out. */
    public String documentText() {
        if (document == null || document.isNull()) {
            return null;
        }
        return document.isTextual() ? document.textValue() : document.toString();
    }
}
