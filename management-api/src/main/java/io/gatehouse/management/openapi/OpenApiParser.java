package io.gatehouse.management.openapi;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.gatehouse.management.http.ApiError;
import io.gatehouse.protocol.config.ApiOperation;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.servers.Server;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an OpenAPI 3.0 or 3.1 document with swagger-parser and checks what routing needs on top of it. It blocks (a
 * large document takes a while): call it off the event loop. References are not resolved: a document must not make
 * the control plane fetch URLs, and routing needs only paths and methods.
 */
public final class OpenApiParser {
    /** "attribute paths.'/x'.get.responses is missing" -> paths.'/x'.get.responses */
    private static final Pattern ATTRIBUTE = Pattern.compile("attribute (\\S+)");
    private static final Pattern LEADING_LOCATION = Pattern.compile("^((?:paths|components|info|servers|tags|security|webhooks)(?:\\.(?:'[^']*'|[^.\\s']+))*)\\.?\\s");
    private static final Pattern TEMPLATE = Pattern.compile("\\{[^{}/]+}");

    private OpenApiParser() {
    }

    public static OpenApiDocument parse(String content) {
        String format = looksLikeJson(content) ? "JSON" : "YAML";
        List<ApiError.FieldError> errors = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        if (content == null || content.isBlank()) {
            errors.add(new ApiError.FieldError("/", "the document is empty"));
            return new OpenApiDocument(format, null, null, null, null, List.of(), List.of(), errors, warnings, List.of());
        }
        ParseOptions options = new ParseOptions();
        options.setResolve(false);
        options.setValidateExternalRefs(false);
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(content, null, options);
        OpenAPI api = result == null ? null : result.getOpenAPI();
        for (String message : result == null || result.getMessages() == null ? List.<String>of() : result.getMessages()) {
            if (message.endsWith("is unexpected")) {
                warnings.add(message);
            } else {
                errors.add(new ApiError.FieldError(pointer(message), message));
            }
        }
        if (api == null) {
            if (errors.isEmpty()) {
                errors.add(new ApiError.FieldError("/", "the document is not an OpenAPI 3.0 or 3.1 document in JSON or YAML"));
            }
            return new OpenApiDocument(format, null, null, null, null, List.of(), List.of(), withLines(content, format, errors), warnings, List.of());
        }
        String openapi = api.getOpenapi();
        if (openapi == null || !(openapi.startsWith("3.0") || openapi.startsWith("3.1"))) {
            errors.add(new ApiError.FieldError("/openapi", "openapi must be 3.0.x or 3.1.x, not " + openapi));
        }
        List<ApiOperation> operations = operations(api, errors);
        List<String> servers = api.getServers() == null ? List.of()
                : api.getServers().stream().map(Server::getUrl).filter(u -> u != null && !u.isBlank()).toList();
        String title = api.getInfo() == null ? null : api.getInfo().getTitle();
        String version = api.getInfo() == null ? null : api.getInfo().getVersion();
        String description = api.getInfo() == null ? null : api.getInfo().getDescription();
        return new OpenApiDocument(format, openapi, title, version, description, servers, operations,
                errors.isEmpty() ? List.of() : withLines(content, format, dedupe(errors)), warnings, tags(api));
    }

    private static List<String> tags(OpenAPI api) {
        java.util.LinkedHashSet<String> tags = new java.util.LinkedHashSet<>();
        if (api.getTags() != null) {
            api.getTags().stream().filter(t -> t != null && t.getName() != null).forEach(t -> tags.add(t.getName()));
        }
        if (api.getPaths() != null) {
            api.getPaths().values().stream().filter(java.util.Objects::nonNull)
                    .flatMap(item -> item.readOperations().stream())
                    .filter(op -> op.getTags() != null).forEach(op -> op.getTags().stream().filter(java.util.Objects::nonNull).forEach(tags::add));
        }
        return List.copyOf(tags);
    }

    private static List<ApiOperation> operations(OpenAPI api, List<ApiError.FieldError> errors) {
        List<ApiOperation> operations = new ArrayList<>();
        if (api.getPaths() == null || api.getPaths().isEmpty()) {
            errors.add(new ApiError.FieldError("/paths", "the document has no paths: there is nothing to route"));
            return operations;
        }
        for (Map.Entry<String, PathItem> entry : api.getPaths().entrySet()) {
            String path = entry.getKey();
            String at = "/paths/" + escape(path);
            if (!path.startsWith("/")) {
                errors.add(new ApiError.FieldError(at, "a path must start with '/'"));
                continue;
            }
            String problem = templateProblem(path);
            if (problem != null) {
                errors.add(new ApiError.FieldError(at, problem));
                continue;
            }
            PathItem item = entry.getValue();
            if (item == null) {
                continue;
            }
            item.readOperationsMap().keySet().forEach(method -> operations.add(new ApiOperation(method.name().toUpperCase(Locale.ROOT), path)));
        }
        if (operations.isEmpty() && errors.isEmpty()) {
            errors.add(new ApiError.FieldError("/paths", "the document's paths have no operations: there is nothing to route"));
        }
        operations.sort(Comparator.comparing(ApiOperation::pathTemplate).thenComparing(ApiOperation::method));
        return operations;
    }

    /** Braces must pair up, one template per segment part, nothing in a template but a name. */
    static String templateProblem(String path) {
        String rest = TEMPLATE.matcher(path).replaceAll("");
        if (rest.indexOf('{') >= 0 || rest.indexOf('}') >= 0) {
            return "a path template must be made of whole {name} parts";
        }
        if (path.contains("?") || path.contains("#")) {
            return "a path may not hold a query or fragment";
        }
        return null;
    }

    /** paths.'/x'.get.responses -> /paths/~1x/get/responses */
    static String pointer(String message) {
        Matcher m = ATTRIBUTE.matcher(message);
        String dotted;
        if (m.find()) {
            dotted = m.group(1);
        } else {
            // "paths.'/x/{id}'. Declared path parameter id needs to be defined...": the location leads the message.
            Matcher lead = LEADING_LOCATION.matcher(message);
            if (!lead.find()) {
                return "/";
            }
            dotted = lead.group(1);
        }
        StringBuilder pointer = new StringBuilder();
        StringBuilder token = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < dotted.length(); i++) {
            char c = dotted.charAt(i);
            if (c == '\'') {
                quoted = !quoted;
            } else if (c == '.' && !quoted) {
                pointer.append('/').append(escape(token.toString()));
                token.setLength(0);
            } else if (c == '(' && !quoted) {
                // swagger-parser writes an operation as "'/x'(get)": the method is one more step.
                pointer.append('/').append(escape(token.toString()));
                token.setLength(0);
            } else if (c != ')' || quoted) {
                token.append(c);
            }
        }
        if (!token.isEmpty()) {
            pointer.append('/').append(escape(token.toString()));
        }
        return pointer.isEmpty() ? "/" : pointer.toString();
    }

    private static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    private static List<ApiError.FieldError> dedupe(List<ApiError.FieldError> errors) {
        return errors.stream().distinct().toList();
    }

    /**
     * Adds the line of each error's location (or of its nearest parent that exists: a missing attribute's line is its
     * parent's) so that a person can find it in a long document. Only run when there are errors.
     */
    private static List<ApiError.FieldError> withLines(String content, String format, List<ApiError.FieldError> errors) {
        Map<String, Integer> lines = lines(content, format);
        List<ApiError.FieldError> located = new ArrayList<>();
        for (ApiError.FieldError error : errors) {
            String pointer = error.field();
            Integer line = null;
            for (String p = pointer; line == null && p != null; p = parent(p)) {
                line = lines.get(p);
            }
            located.add(line == null ? error : new ApiError.FieldError(pointer, error.message() + " (line " + line + ")", line));
        }
        return located;
    }

    private static String parent(String pointer) {
        if (pointer.isEmpty() || "/".equals(pointer)) {
            return null;
        }
        int slash = pointer.lastIndexOf('/');
        return slash <= 0 ? "/" : pointer.substring(0, slash);
    }

    /** The line each JSON pointer of the document starts on; empty when the text cannot be read as JSON or YAML. */
    static Map<String, Integer> lines(String content, String format) {
        Map<String, Integer> lines = new HashMap<>();
        JsonFactory factory = "JSON".equals(format) ? new JsonFactory() : new YAMLFactory();
        try (JsonParser parser = factory.createParser(content)) {
            if (parser.nextToken() != null) {
                lines.put("/", parser.currentTokenLocation().getLineNr());
                walk(parser, "", lines);
            }
        } catch (Exception e) {
            // A document that cannot be read has its error from the parser already; lines are a help, not a need.
        }
        return lines;
    }

    private static void walk(JsonParser parser, String pointer, Map<String, Integer> lines) throws java.io.IOException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.START_OBJECT) {
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String child = pointer + "/" + escape(parser.currentName());
                lines.put(child, parser.currentTokenLocation().getLineNr());
                parser.nextToken();
                walk(parser, child, lines);
            }
        } else if (token == JsonToken.START_ARRAY) {
            int index = 0;
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                String child = pointer + "/" + index++;
                lines.put(child, parser.currentTokenLocation().getLineNr());
                walk(parser, child, lines);
            }
        }
    }

    private static boolean looksLikeJson(String content) {
        if (content == null) {
            return false;
        }
        for (int i = 0; i < content.length(); i++) {
            char c = content.charAt(i);
            if (!Character.isWhitespace(c) && c != '\uFEFF') {
                return c == '{';
            }
        }
        return false;
    }
}
