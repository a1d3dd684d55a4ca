package io.gatehouse.management.portal;

import io.gatehouse.management.portal.ApiReference.ContentDoc;
import io.gatehouse.management.portal.ApiReference.OperationDoc;
import io.gatehouse.management.portal.ApiReference.ParameterDoc;
import io.gatehouse.management.portal.ApiReference.ResponseDoc;
import io.gatehouse.management.portal.ApiReference.SchemaDoc;
import io.gatehouse.management.portal.ApiReference.SecuritySchemeDoc;
import io.gatehouse.management.portal.ApiReference.TagGroup;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.tags.Tag;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns a stored OpenAPI 3.0 or 3.1 document into the portal's {@link ApiReference}. It blocks: call it off the
 * event loop, once per document version ({@link ApiReferences} caches the result).
 *
 * <p>References are resolved here, not by swagger-parser: only those inside the document ({@code #/components/...})
 * are followed, so a document can never make the control plane fetch a URL or read a file; any other is shown as
 * "not followed". Recursive schemas stop where they would repeat, with a note naming the schema; every schema tree
 * stops at {@link #MAX_DEPTH} levels and each operation at {@link #MAX_NODES} fields, so a document of several MB
 * or with deeply composed schemas renders in bounded time and size.
 */
public final class ApiReferenceBuilder {
    static final int MAX_DEPTH = 7;
    static final int MAX_NODES = 400;
    private static final int MAX_EXAMPLE_CHARS = 4_000;
    private static final String SCHEMAS = "#/components/schemas/";

    private final OpenAPI api;
    private final Components components;
    private final List<String> warnings = new ArrayList<>();
    private final Set<String> anchors = new HashSet<>();
    private int nodes;

    private ApiReferenceBuilder(OpenAPI api) {
        this.api = api;
        this.components = api.getComponents() == null ? new Components() : api.getComponents();
    }

    /** A reference, or why there is none: {@code reference} is null exactly when {@code error} is not. */
    public record Result(ApiReference reference, String error) {
    }

    public static Result build(String document, String baseUrl, String keyHeader) {
        if (document == null || document.isBlank()) {
            return new Result(null, "This API's OpenAPI document is empty.");
        }
        SwaggerParseResult parsed;
        try {
            ParseOptions options = new ParseOptions();
            options.setResolve(false);
            options.setValidateExternalRefs(false);
            parsed = new OpenAPIV3Parser().readContents(document, null, options);
        } catch (RuntimeException e) {
            return new Result(null, "This API's OpenAPI document cannot be read: " + e.getMessage());
        }
        if (parsed == null || parsed.getOpenAPI() == null) {
            List<String> messages = parsed == null || parsed.getMessages() == null ? List.of() : parsed.getMessages();
            return new Result(null, "This API's OpenAPI document cannot be read"
                    + (messages.isEmpty() ? "." : ": " + String.join("; ", messages.subList(0, Math.min(3, messages.size())))));
        }
        try {
            return new Result(new ApiReferenceBuilder(parsed.getOpenAPI()).reference(baseUrl, keyHeader), null);
        } catch (RuntimeException e) {
            // A shape the builder does not expect must not take the page down: say what happened instead.
            return new Result(null, "This API's OpenAPI document could not be rendered: " + e);
        }
    }

    private ApiReference reference(String baseUrl, String keyHeader) {
        Map<String, List<OperationDoc>> byTag = new LinkedHashMap<>();
        Map<String, String> tagDescriptions = new LinkedHashMap<>();
        for (Tag tag : nullToEmpty(api.getTags())) {
            if (tag != null && tag.getName() != null) {
                byTag.put(tag.getName(), new ArrayList<>());
                tagDescriptions.put(tag.getName(), tag.getDescription());
            }
        }
        List<OperationDoc> untagged = new ArrayList<>();
        if (api.getPaths() != null) {
            for (Map.Entry<String, PathItem> path : api.getPaths().entrySet()) {
                for (Map.Entry<PathItem.HttpMethod, Operation> op : operations(path.getValue())) {
                    OperationDoc doc = operation(op.getKey().name(), path.getKey(), path.getValue(), op.getValue(), baseUrl, keyHeader);
                    List<String> tags = op.getValue().getTags();
                    if (tags == null || tags.isEmpty() || tags.get(0) == null) {
                        untagged.add(doc);
                    } else {
                        byTag.computeIfAbsent(tags.get(0), t -> new ArrayList<>()).add(doc);
                    }
                }
            }
        }
        List<TagGroup> groups = new ArrayList<>();
        byTag.forEach((tag, ops) -> {
            if (!ops.isEmpty()) {
                groups.add(new TagGroup(tag, tagDescriptions.get(tag), anchor("tag-" + tag), ops));
            }
        });
        if (!untagged.isEmpty()) {
            groups.add(new TagGroup(groups.isEmpty() ? "Operations" : "Other operations", null, anchor("tag-other"), untagged));
        }
        List<OperationDoc> webhooks = new ArrayList<>();
        if (api.getWebhooks() != null) {
            for (Map.Entry<String, PathItem> hook : api.getWebhooks().entrySet()) {
                for (Map.Entry<PathItem.HttpMethod, Operation> op : operations(hook.getValue())) {
                    webhooks.add(operation(op.getKey().name(), hook.getKey(), hook.getValue(), op.getValue(), null, null));
                }
            }
        }
        var info = api.getInfo();
        return new ApiReference(info == null ? null : info.getTitle(), info == null ? null : info.getVersion(), api.getOpenapi(),
                info == null ? null : info.getDescription(), baseUrl, keyHeader, groups, webhooks, securitySchemes(),
                List.copyOf(new java.util.LinkedHashSet<>(warnings)));
    }

    private List<Map.Entry<PathItem.HttpMethod, Operation>> operations(PathItem item) {
        if (item == null) {
            return List.of();
        }
        if (item.get$ref() != null) {
            warnings.add("path item reference " + item.get$ref() + " not followed");
        }
        Map<PathItem.HttpMethod, Operation> map = item.readOperationsMap();
        return map == null ? List.of() : new ArrayList<>(map.entrySet());
    }

    private OperationDoc operation(String method, String path, PathItem item, Operation op, String baseUrl, String keyHeader) {
        nodes = 0;
        List<ParameterDoc> parameters = new ArrayList<>();
        Map<String, Parameter> merged = new LinkedHashMap<>();
        for (Parameter p : nullToEmpty(item.getParameters())) {
            Parameter resolved = parameter(p);
            if (resolved != null) {
                merged.put(resolved.getIn() + ":" + resolved.getName(), resolved);
            }
        }
        for (Parameter p : nullToEmpty(op.getParameters())) {
            Parameter resolved = parameter(p);
            if (resolved != null) {
                merged.put(resolved.getIn() + ":" + resolved.getName(), resolved); // the operation's own wins
            }
        }
        for (Parameter p : merged.values()) {
            Schema<?> schema = p.getSchema() != null ? p.getSchema() : firstSchema(p.getContent());
            parameters.add(new ParameterDoc(p.getName(), p.getIn(), Boolean.TRUE.equals(p.getRequired()) || "path".equals(p.getIn()),
                    p.getDescription(), schema == null ? null : typeOf(schema), example(p.getExample() != null ? p.getExample()
                    : schema == null ? null : schema.getExample())));
        }
        RequestBody body = requestBody(op.getRequestBody());
        List<ContentDoc> bodyContent = body == null ? List.of() : content(body.getContent());
        List<ResponseDoc> responses = new ArrayList<>();
        if (op.getResponses() != null) {
            for (Map.Entry<String, ApiResponse> r : op.getResponses().entrySet()) {
                ApiResponse response = response(r.getValue());
                responses.add(new ResponseDoc(r.getKey(), response == null ? null : response.getDescription(),
                        response == null ? List.of() : content(response.getContent())));
            }
        }
        List<SecurityRequirement> requirements = op.getSecurity() != null ? op.getSecurity() : nullToEmpty(api.getSecurity());
        List<String> security = new ArrayList<>();
        for (SecurityRequirement requirement : requirements) {
            if (requirement != null) {
                security.addAll(requirement.keySet());
            }
        }
        String summary = op.getSummary() != null ? op.getSummary() : item.getSummary();
        String description = op.getDescription() != null ? op.getDescription() : item.getDescription();
        String anchor = anchor("op-" + (op.getOperationId() != null ? op.getOperationId() : method + "-" + path));
        return new OperationDoc(anchor, method, path, summary, description, op.getOperationId(), Boolean.TRUE.equals(op.getDeprecated()),
                parameters, body != null && Boolean.TRUE.equals(body.getRequired()), bodyContent, responses, List.copyOf(security),
                baseUrl == null ? null : curl(method, baseUrl, path, keyHeader, !bodyContent.isEmpty() ? bodyContent.get(0).mediaType() : null));
    }

    private static String curl(String method, String baseUrl, String path, String keyHeader, String mediaType) {
        StringBuilder out = new StringBuilder("curl");
        if (!"GET".equals(method)) {
            out.append(" -X ").append(method);
        }
        out.append(" '").append(stripTrailingSlash(baseUrl)).append(path).append('\'');
        out.append(" \\\n  -H '").append(keyHeader == null ? "X-API-Key" : keyHeader).append(": YOUR_API_KEY'");
        if (mediaType != null) {
            out.append(" \\\n  -H 'Content-Type: ").append(mediaType).append("' --data @body");
        }
        return out.toString();
    }

    private List<ContentDoc> content(Content content) {
        if (content == null) {
            return List.of();
        }
        List<ContentDoc> out = new ArrayList<>();
        for (Map.Entry<String, MediaType> media : content.entrySet()) {
            MediaType type = media.getValue();
            if (type == null) {
                continue;
            }
            SchemaDoc schema = type.getSchema() == null ? null : schema(null, type.getSchema(), false, 0, new ArrayList<>());
            Object example = type.getExample();
            if (example == null && type.getExamples() != null) {
                example = type.getExamples().values().stream().filter(e -> e != null && e.getValue() != null)
                        .map(io.swagger.v3.oas.models.examples.Example::getValue).findFirst().orElse(null);
            }
            if (example == null && type.getSchema() != null) {
                Schema<?> resolved = resolve(type.getSchema());
                example = resolved == null ? null : resolved.getExample();
            }
            out.add(new ContentDoc(media.getKey(), schema, example(example)));
        }
        return out;
    }

    /** @param path the references followed to get here: one that repeats is where a recursive schema stops */
    private SchemaDoc schema(String name, Schema<?> schema, boolean required, int depth, List<String> path) {
        nodes++;
        String ref = schema.get$ref();
        if (ref != null) {
            if (!ref.startsWith(SCHEMAS)) {
                warnings.add("reference " + ref + " not followed");
                return new SchemaDoc(name, "object", schema.getDescription(), required, List.of(), "external reference " + ref + ", not followed", List.of());
            }
            String target = ref.substring(SCHEMAS.length());
            Schema<?> resolved = components.getSchemas() == null ? null : components.getSchemas().get(target);
            if (resolved == null) {
                warnings.add("reference " + ref + " names no schema of the document");
                return new SchemaDoc(name, target, schema.getDescription(), required, List.of(), "unknown schema " + target, List.of());
            }
            if (path.contains(target)) {
                return new SchemaDoc(name, target, resolved.getDescription(), required, List.of(), "recursive: " + target + ", as above", List.of());
            }
            List<String> deeper = new ArrayList<>(path);
            deeper.add(target);
            SchemaDoc inner = schema(name, resolved, required, depth, deeper);
            // A named object or composition reads best by its name; a named primitive by what it is.
            String type = inner.type() == null || inner.type().equals("object") || inner.type().endsWith(" of") ? target : inner.type();
            return new SchemaDoc(name, type, firstNonNull(schema.getDescription(), inner.description()), required, inner.enumValues(),
                    inner.note(), inner.children());
        }
        List<SchemaDoc> children = new ArrayList<>();
        String note = null;
        String type = typeOf(schema);
        if (depth >= MAX_DEPTH || nodes >= MAX_NODES) {
            boolean hasMore = schema.getProperties() != null || schema.getItems() != null || schema.getAllOf() != null
                    || schema.getOneOf() != null || schema.getAnyOf() != null;
            if (hasMore) {
                note = "shown to " + (depth >= MAX_DEPTH ? MAX_DEPTH + " levels" : MAX_NODES + " fields") + "; see the document for the rest";
            }
            return new SchemaDoc(name, type, schema.getDescription(), required, enumValues(schema), note, List.of());
        }
        composed(children, "all of", schema.getAllOf(), depth, path);
        composed(children, "one of", schema.getOneOf(), depth, path);
        composed(children, "any of", schema.getAnyOf(), depth, path);
        if (type.endsWith(" of") && children.size() == 1 && schema.getProperties() == null && schema.getItems() == null) {
            // Only a composition: the node is the composition, its children the parts.
            children = new ArrayList<>(children.get(0).children());
        }
        if (schema.getItems() != null) {
            children.add(schema("items", schema.getItems(), false, depth + 1, path));
        }
        if (schema.getProperties() != null) {
            List<String> requiredNames = nullToEmpty(schema.getRequired());
            for (Map.Entry<String, Schema> property : schema.getProperties().entrySet()) {
                if (property.getValue() != null) {
                    children.add(schema(property.getKey(), property.getValue(), requiredNames.contains(property.getKey()), depth + 1, path));
                }
            }
        }
        if (schema.getAdditionalProperties() instanceof Schema<?> values) {
            children.add(schema("(any name)", values, false, depth + 1, path));
        }
        return new SchemaDoc(name, type, schema.getDescription(), required, enumValues(schema), note, children);
    }

    private void composed(List<SchemaDoc> children, String kind, List<Schema> parts, int depth, List<String> path) {
        if (parts == null || parts.isEmpty()) {
            return;
        }
        List<SchemaDoc> alternatives = new ArrayList<>();
        for (Schema<?> part : parts) {
            if (part != null) {
                alternatives.add(schema(null, part, false, depth + 1, path));
            }
        }
        children.add(new SchemaDoc(null, kind, null, false, List.of(), null, alternatives));
    }

    private String typeOf(Schema<?> schema) {
        if (schema.get$ref() != null) {
            String ref = schema.get$ref();
            return ref.startsWith(SCHEMAS) ? ref.substring(SCHEMAS.length()) : ref;
        }
        String type = schema.getType();
        if (type == null && schema.getTypes() != null && !schema.getTypes().isEmpty()) {
            type = String.join(" or ", schema.getTypes().stream().sorted().toList());
        }
        if (type == null) {
            if (schema.getAllOf() != null) {
                return "all of";
            }
            if (schema.getOneOf() != null) {
                return "one of";
            }
            if (schema.getAnyOf() != null) {
                return "any of";
            }
            return schema.getProperties() != null ? "object" : "any";
        }
        if (type.contains("array") && schema.getItems() != null) {
            return type.replace("array", "array of " + typeOf(schema.getItems()));
        }
        return schema.getFormat() == null ? type : type + " (" + schema.getFormat() + ")";
    }

    private static List<String> enumValues(Schema<?> schema) {
        if (schema.getEnum() == null) {
            return List.of();
        }
        List<String> values = new ArrayList<>();
        for (Object value : schema.getEnum()) {
            values.add(String.valueOf(value));
        }
        return values;
    }

    private Schema<?> resolve(Schema<?> schema) {
        String ref = schema.get$ref();
        if (ref == null) {
            return schema;
        }
        if (!ref.startsWith(SCHEMAS) || components.getSchemas() == null) {
            return null;
        }
        return components.getSchemas().get(ref.substring(SCHEMAS.length()));
    }

    private Schema<?> firstSchema(Content content) {
        if (content == null) {
            return null;
        }
        return content.values().stream().filter(m -> m != null && m.getSchema() != null).map(MediaType::getSchema).findFirst().orElse(null);
    }

    private Parameter parameter(Parameter parameter) {
        if (parameter == null || parameter.get$ref() == null) {
            return parameter;
        }
        Parameter found = local(parameter.get$ref(), "#/components/parameters/", components.getParameters());
        return found;
    }

    private RequestBody requestBody(RequestBody body) {
        if (body == null || body.get$ref() == null) {
            return body;
        }
        return local(body.get$ref(), "#/components/requestBodies/", components.getRequestBodies());
    }

    private ApiResponse response(ApiResponse response) {
        if (response == null || response.get$ref() == null) {
            return response;
        }
        return local(response.get$ref(), "#/components/responses/", components.getResponses());
    }

    private <T> T local(String ref, String prefix, Map<String, T> section) {
        if (!ref.startsWith(prefix) || section == null || section.get(ref.substring(prefix.length())) == null) {
            warnings.add("reference " + ref + " not followed");
            return null;
        }
        return section.get(ref.substring(prefix.length()));
    }

    private List<SecuritySchemeDoc> securitySchemes() {
        List<SecuritySchemeDoc> out = new ArrayList<>();
        if (components.getSecuritySchemes() == null) {
            return out;
        }
        for (Map.Entry<String, SecurityScheme> entry : components.getSecuritySchemes().entrySet()) {
            SecurityScheme scheme = entry.getValue();
            if (scheme == null) {
                continue;
            }
            String type = scheme.getType() == null ? "unknown" : scheme.getType().toString();
            String detail = switch (type.toLowerCase(Locale.ROOT)) {
                case "apikey" -> "the " + scheme.getName() + " " + (scheme.getIn() == null ? "" : scheme.getIn().toString()) + " parameter";
                case "http" -> "HTTP " + scheme.getScheme() + (scheme.getBearerFormat() == null ? "" : " (" + scheme.getBearerFormat() + ")");
                case "openidconnect" -> "OpenID Connect, " + scheme.getOpenIdConnectUrl();
                case "oauth2" -> "OAuth 2.0" + (scheme.getFlows() == null ? "" : flows(scheme));
                default -> type;
            };
            out.add(new SecuritySchemeDoc(entry.getKey(), type, detail, scheme.getDescription()));
        }
        return out;
    }

    private static String flows(SecurityScheme scheme) {
        var flows = scheme.getFlows();
        List<String> names = new ArrayList<>();
        if (flows.getAuthorizationCode() != null) {
            names.add("authorization code");
        }
        if (flows.getClientCredentials() != null) {
            names.add("client credentials");
        }
        if (flows.getImplicit() != null) {
            names.add("implicit");
        }
        if (flows.getPassword() != null) {
            names.add("password");
        }
        return names.isEmpty() ? "" : ": " + String.join(", ", names);
    }

    private static String example(Object example) {
        if (example == null) {
            return null;
        }
        String text;
        if (example instanceof String s) {
            text = s;
        } else {
            try {
                text = io.swagger.v3.core.util.Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(example);
            } catch (Exception e) {
                text = String.valueOf(example);
            }
        }
        return text.length() <= MAX_EXAMPLE_CHARS ? text : text.substring(0, MAX_EXAMPLE_CHARS) + "\n…";
    }

    /** Fragment ids from document names: letters, digits and dashes, made unique in the page. */
    private String anchor(String raw) {
        StringBuilder out = new StringBuilder();
        for (char c : raw.toLowerCase(Locale.ROOT).toCharArray()) {
            out.append(Character.isLetterOrDigit(c) && c < 128 ? c : '-');
        }
        String base = out.toString().replaceAll("-+", "-");
        String candidate = base;
        for (int i = 2; !anchors.add(candidate); i++) {
            candidate = base + "-" + i;
        }
        return candidate;
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static String firstNonNull(String a, String b) {
        return a != null ? a : b;
    }

    private static <T> List<T> nullToEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
