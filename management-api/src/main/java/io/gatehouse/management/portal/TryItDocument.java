package io.gatehouse.management.portal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.yaml.snakeyaml.LoaderOptions;

import java.io.IOException;
import java.util.Iterator;

/**
 * The stored OpenAPI document as "try it" needs it: JSON, with the gateway as its only server, so every call the
 * page sends goes through the gateway (and its keys, limits and audit) and never straight to an upstream the document names.
 */
final class TryItDocument {
    /** Swagger UI's webjar, served from the jar's META-INF/resources; the same version as in portal-ui/pom.xml. */
    static final String SWAGGER_UI = "/webjars/swagger-ui/5.34.1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML;

    static {
        LoaderOptions options = new LoaderOptions();
        // Documents of several MB are accepted at publication (GATEHOUSE_DOCUMENT_MAX_BYTES); SnakeYAML's default stops at 3 MB.
        options.setCodePointLimit(64 * 1024 * 1024);
        YAML = new ObjectMapper(YAMLFactory.builder().loaderOptions(options).build());
    }

    private TryItDocument() {
    }

    /** @throws IllegalArgumentException when the document is not an object (it was accepted once, so this is rare) */
    static String withGateway(String content, String gatewayBaseUrl) {
        JsonNode tree;
        try {
            tree = (content.stripLeading().startsWith("{") ? JSON : YAML).readTree(content);
        } catch (IOException e) {
            throw new IllegalArgumentException("the stored document cannot be read: " + e.getMessage(), e);
        }
        if (!(tree instanceof ObjectNode root)) {
            throw new IllegalArgumentException("the stored document is not an object");
        }
        root.putArray("servers").addObject().put("url", gatewayBaseUrl).put("description", "Gatehouse gateway");
        JsonNode paths = root.get("paths");
        if (paths instanceof ObjectNode) {
            for (Iterator<JsonNode> it = paths.elements(); it.hasNext(); ) {
                if (it.next() instanceof ObjectNode item) {
                    item.remove("servers");
                    item.elements().forEachRemaining(op -> {
                        if (op instanceof ObjectNode operation) {
                            operation.remove("servers");
                        }
                    });
                }
            }
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
