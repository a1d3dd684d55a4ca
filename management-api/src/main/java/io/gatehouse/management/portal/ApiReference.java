package io.gatehouse.management.portal;

import java.util.List;

/**
 * An API's reference as the portal shows it, built once per stored document version from its OpenAPI document
 * ({@link ApiReferenceBuilder}). Every string in it comes from the document and is escaped by the templates.
 *
 * @param baseUrl   where developers call the API: the gateway's address and the API's base path
 * @param keyHeader the header the gateway reads the API key from
 * @param groups    operations grouped by their first tag, in the document's tag order (untagged ones last)
 * @param webhooks  OpenAPI 3.1 webhooks: requests the API makes to the developer
 * @param warnings  what could not be shown in full (a reference not followed, a schema cut short)
 */
public record ApiReference(String title, String version, String openapi, String description, String baseUrl, String keyHeader,
                           List<TagGroup> groups, List<OperationDoc> webhooks, List<SecuritySchemeDoc> securitySchemes,
                           List<String> warnings) {

    public int operationCount() {
        return groups.stream().mapToInt(g -> g.operations().size()).sum();
    }

    public record TagGroup(String name, String description, String anchor, List<OperationDoc> operations) {
    }

    /**
     * @param anchor   a fragment id unique in the page
     * @param security the names of the security schemes that apply (empty: none declared)
     * @param curl     a ready-to-copy example call through the gateway with the key header
     */
    public record OperationDoc(String anchor, String method, String path, String summary, String description, String operationId,
                               boolean deprecated, List<ParameterDoc> parameters, boolean bodyRequired, List<ContentDoc> requestBody,
                               List<ResponseDoc> responses, List<String> security, String curl) {
    }

    public record ParameterDoc(String name, String in, boolean required, String description, String type, String example) {
    }

    /** One media type of a body: its schema as a tree and an example, when the document gives one. */
    public record ContentDoc(String mediaType, SchemaDoc schema, String example) {
    }

    public record ResponseDoc(String status, String description, List<ContentDoc> content) {
    }

    /**
     * A schema as a tree of named fields.
     *
     * @param type     the type as developers read it: {@code string (date-time)}, {@code array of Pet}, {@code one of}
     * @param note     why the tree stops here, if it does: a recursive reference, an external one, a depth limit
     * @param children properties, or the alternatives of allOf/oneOf/anyOf, or an array's items
     */
    public record SchemaDoc(String name, String type, String description, boolean required, List<String> enumValues, String note,
                            List<SchemaDoc> children) {
    }

    public record SecuritySchemeDoc(String name, String type, String detail, String description) {
    }
}
