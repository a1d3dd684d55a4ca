package io.gatehouse.management.portal;

import io.gatehouse.management.portal.ApiReference.OperationDoc;
import io.gatehouse.management.portal.ApiReference.SchemaDoc;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/** Real-world shapes of OpenAPI documents, each rendered into the portal's reference without fetching anything. */
class ApiReferenceBuilderTest {
    static final String BASE = "https://gateway.example.com/pets-api";

    static String resource(String name) {
        try (InputStream in = ApiReferenceBuilderTest.class.getResourceAsStream("/reference/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static ApiReference render(String document) {
        ApiReferenceBuilder.Result result = ApiReferenceBuilder.build(document, BASE, "X-API-Key");
        assertThat(result.error()).as("render error").isNull();
        return result.reference();
    }

    static OperationDoc operation(ApiReference reference, String method, String path) {
        return reference.groups().stream().flatMap(g -> g.operations().stream())
                .filter(o -> o.method().equals(method) && o.path().equals(path)).findFirst().orElseThrow();
    }

    static List<SchemaDoc> flatten(SchemaDoc root) {
        List<SchemaDoc> all = new ArrayList<>();
        all.add(root);
        root.children().forEach(c -> all.addAll(flatten(c)));
        return all;
    }

    static SchemaDoc find(SchemaDoc root, Predicate<SchemaDoc> which) {
        return flatten(root).stream().filter(which).findFirst().orElseThrow(() -> new AssertionError("not in " + root));
    }

    @Test
    void aYamlDocumentIsGroupedByTagWithParametersBodiesResponsesAndSecurity() {
        ApiReference ref = render(resource("petstore-3.0.yaml"));

        assertThat(ref.title()).isEqualTo("Petstore");
        assertThat(ref.groups()).extracting(ApiReference.TagGroup::name).containsExactly("pets", "store", "Other operations");
        assertThat(ref.operationCount()).isEqualTo(5);

        OperationDoc list = operation(ref, "GET", "/pets");
        assertThat(list.parameters()).extracting(ApiReference.ParameterDoc::name).containsExactly("limit", "status");
        assertThat(list.parameters().get(1).example()).isEqualTo("available");
        assertThat(list.curl()).isEqualTo("curl '" + BASE + "/pets' \\\n  -H 'X-API-Key: YOUR_API_KEY'");
        assertThat(list.security()).containsExactly("api_key");
        SchemaDoc page = list.responses().get(0).content().get(0).schema();
        assertThat(page.type()).isEqualTo("array of Pet");
        assertThat(list.responses().get(0).content().get(0).example()).contains("\"name\" : \"Rex\"");

        OperationDoc add = operation(ref, "POST", "/pets");
        assertThat(add.bodyRequired()).isTrue();
        SchemaDoc newPet = add.requestBody().get(0).schema();
        assertThat(newPet.type()).isEqualTo("NewPet");
        assertThat(find(newPet, s -> "name".equals(s.name())).required()).isTrue();
        assertThat(find(newPet, s -> "name".equals(s.name())).description()).isEqualTo("The pet's name");
        assertThat(add.requestBody().get(0).example()).contains("Rex");
        assertThat(add.curl()).contains("-X POST").contains("Content-Type: application/json");
        SchemaDoc created = add.responses().get(0).content().get(0).schema();
        assertThat(created.type()).as("a composition named in components reads by its name").isEqualTo("Pet");
        assertThat(created.children()).as("the parts of allOf").extracting(SchemaDoc::type).containsExactly("NewPet", "object");
        assertThat(find(created, s -> "id".equals(s.name())).type()).isEqualTo("integer (int64)");
        assertThat(add.responses()).extracting(ApiReference.ResponseDoc::status).containsExactly("201", "default");

        OperationDoc show = operation(ref, "GET", "/pets/{petId}");
        assertThat(show.deprecated()).isTrue();
        assertThat(show.parameters().get(0).required()).isTrue();
        assertThat(show.parameters().get(0).type()).isEqualTo("integer (int64)");
        assertThat(show.anchor()).isEqualTo("op-showpet");

        SchemaDoc inventory = operation(ref, "GET", "/store/inventory").responses().get(0).content().get(0).schema();
        assertThat(find(inventory, s -> "(any name)".equals(s.name())).type()).isEqualTo("integer (int32)");

        assertThat(ref.securitySchemes()).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo("api_key");
            assertThat(s.detail()).isEqualTo("the X-API-Key header parameter");
        });
        assertThat(ref.description()).as("kept as written; the template escapes it").contains("<script>");
        assertThat(ref.warnings()).isEmpty();
    }

    @Test
    void aJsonDocumentOf31HasWebhooksTypeArraysAndAlternatives() {
        ApiReference ref = render(resource("events-3.1.json"));

        assertThat(ref.openapi()).isEqualTo("3.1.0");
        SchemaDoc event = operation(ref, "GET", "/events/{id}").responses().get(0).content().get(0).schema();
        assertThat(find(event, s -> "note".equals(s.name())).type()).isEqualTo("null or string");
        SchemaDoc payload = find(event, s -> "payload".equals(s.name()));
        SchemaDoc oneOf = find(payload, s -> "one of".equals(s.type()));
        assertThat(oneOf.children()).extracting(SchemaDoc::type).containsExactly("Click", "Purchase");
        assertThat(find(payload, s -> "amount".equals(s.name())).description()).isEqualTo("minor units");
        assertThat(operation(ref, "GET", "/events/{id}").parameters().get(0).type()).isEqualTo("string (uuid)");

        assertThat(ref.webhooks()).singleElement().satisfies(hook -> {
            assertThat(hook.method()).isEqualTo("POST");
            assertThat(hook.path()).isEqualTo("eventCreated");
            assertThat(hook.curl()).as("nobody calls a webhook through the gateway").isNull();
            assertThat(hook.requestBody().get(0).schema().type()).isEqualTo("Event");
        });
        assertThat(ref.securitySchemes()).extracting(ApiReference.SecuritySchemeDoc::detail)
                .containsExactly("HTTP bearer (JWT)", "OAuth 2.0: client credentials");
    }

    @Test
    void recursiveSchemasStopWhereTheyRepeatAndOutsideReferencesAreNotFollowed() {
        ApiReference ref = render(resource("recursive-and-external.yaml"));

        SchemaDoc node = operation(ref, "POST", "/trees").requestBody().get(0).schema();
        SchemaDoc children = find(node, s -> "children".equals(s.name()));
        assertThat(children.type()).isEqualTo("array of Node");
        assertThat(children.children().get(0).note()).isEqualTo("recursive: Node, as above");
        SchemaDoc favourite = find(node, s -> "favourite".equals(s.name()));
        assertThat(favourite.note()).as("mutual recursion through Person").isEqualTo("recursive: Node, as above");

        SchemaDoc forest = operation(ref, "POST", "/trees").responses().get(0).content().get(0).schema();
        assertThat(find(forest, s -> "missing".equals(s.name())).note()).isEqualTo("unknown schema DoesNotExist");

        OperationDoc remote = operation(ref, "GET", "/remote");
        assertThat(remote.parameters()).as("a parameter defined elsewhere is not fetched").isEmpty();
        assertThat(remote.responses().get(0).content().get(0).schema().note())
                .isEqualTo("external reference ./common.yaml#/components/schemas/Remote, not followed");
        assertThat(ref.warnings()).contains("reference https://example.invalid/params.yaml#/Limit not followed",
                "reference https://example.invalid/responses.yaml#/NotFound not followed",
                "reference #/components/schemas/DoesNotExist names no schema of the document");
    }

    @Test
    void aDeepOrHugeSchemaIsCutShortWithANote() {
        StringBuilder doc = new StringBuilder("{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"deep\",\"version\":\"1\"},\"paths\":{\"/d\":{\"get\":"
                + "{\"responses\":{\"200\":{\"description\":\"ok\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/L0\"}}}}}}}},"
                + "\"components\":{\"schemas\":{");
        for (int i = 0; i < 20; i++) {
            doc.append(i == 0 ? "" : ",").append("\"L").append(i).append("\":{\"type\":\"object\",\"properties\":{\"next\":{\"$ref\":\"#/components/schemas/L")
                    .append(i + 1).append("\"}}}");
        }
        doc.append(",\"L20\":{\"type\":\"string\"}}}}");
        SchemaDoc root = operation(render(doc.toString()), "GET", "/d").responses().get(0).content().get(0).schema();
        int depth = 0;
        SchemaDoc at = root;
        while (!at.children().isEmpty()) {
            at = at.children().get(0);
            depth++;
        }
        assertThat(depth).isEqualTo(ApiReferenceBuilder.MAX_DEPTH);
        assertThat(at.note()).contains("shown to " + ApiReferenceBuilder.MAX_DEPTH + " levels");
    }

    @Test
    void aSeveralMegabyteDocumentRenders() {
        StringBuilder json = new StringBuilder("{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"large\",\"version\":\"1\"},\"paths\":{");
        for (int i = 0; i < 300; i++) {
            json.append(i == 0 ? "" : ",").append("\"/things").append(i).append("/{id}\":{\"get\":{\"tags\":[\"t").append(i % 7)
                    .append("\"],\"parameters\":[{\"name\":\"id\",\"in\":\"path\",\"required\":true,\"schema\":{\"type\":\"string\"}}],")
                    .append("\"responses\":{\"200\":{\"description\":\"ok\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Thing")
                    .append(i).append("\"}}}}}}}");
        }
        json.append("},\"components\":{\"schemas\":{");
        String padding = "word ".repeat(400);
        for (int i = 0; json.length() < 5 * 1024 * 1024; i++) {
            json.append(i == 0 ? "" : ",").append("\"Thing").append(i).append("\":{\"type\":\"object\",\"description\":\"").append(padding)
                    .append("\",\"properties\":{\"id\":{\"type\":\"string\"},\"parts\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/Thing")
                    .append(i + 1).append("\"}}}}");
        }
        json.append("}}}");
        long started = System.nanoTime();
        ApiReference ref = render(json.toString());
        long ms = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("a %.1f MB document rendered into its reference in %d ms%n", json.length() / 1048576.0, ms);
        assertThat(ref.operationCount()).isEqualTo(300);
        assertThat(ref.groups()).hasSize(7);
        SchemaDoc first = operation(ref, "GET", "/things0/{id}").responses().get(0).content().get(0).schema();
        assertThat(flatten(first).size()).isLessThanOrEqualTo(ApiReferenceBuilder.MAX_NODES + 1);
    }

    @Test
    void aDocumentThatCannotBeReadGetsAClearMessage() {
        ApiReferenceBuilder.Result malformed = ApiReferenceBuilder.build(resource("malformed.yaml"), BASE, "X-API-Key");
        assertThat(malformed.reference()).isNull();
        assertThat(malformed.error()).startsWith("This API's OpenAPI document cannot be read");

        assertThat(ApiReferenceBuilder.build("", BASE, "X-API-Key").error()).isEqualTo("This API's OpenAPI document is empty.");
        assertThat(ApiReferenceBuilder.build("just some text", BASE, "X-API-Key").error()).startsWith("This API's OpenAPI document cannot be read");
    }
}
