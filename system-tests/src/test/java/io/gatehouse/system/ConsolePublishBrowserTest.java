package io.gatehouse.system;

import io.gatehouse.gateway.GatewayNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.gatehouse.system.Http.await;
import static io.gatehouse.system.Http.call;
import static io.gatehouse.system.Http.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An api-owner publishes an API in the console, in a real browser (Debian's Chromium, headless), against the
 * packaged control plane; a real gateway node serves it within seconds: the documented operation reaches the
 * upstream with its body unchanged, an undocumented path is 404 and a wrong method 405.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsolePublishBrowserTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final String OWNER = "owner@shop.test";
    private static final String PASSWORD = "a long console password " + UUID.randomUUID();

    @TempDir
    static Path dir;
    Platform platform;
    RecordingUpstream upstream;
    Browser browser;

    @BeforeAll
    void start() throws Exception {
        Path accounts = dir.resolve("accounts");
        Files.writeString(accounts, "# email\troles\tteam\tpassword\n" + OWNER + "\tapi-owner\tshop\t" + PASSWORD + "\n");
        platform = new Platform(dir, Map.of("GATEHOUSE_ACCOUNTS_SEED_FILE", accounts.toAbsolutePath().toString()));
        upstream = new RecordingUpstream();
        browser = new Browser(platform.controlPlaneUrl());
    }

    @AfterAll
    void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        platform.close();
    }

    static final String DOCUMENT = """
            openapi: 3.0.3
            info:
              title: Orders %s
              version: '1.0'
            paths:
              /orders:
                post:
                  requestBody:
                    content:
                      application/json:
                        schema: {type: object}
                  responses:
                    '201': {description: placed}
              /orders/{id}:
                get:
                  parameters:
                    - {name: id, in: path, required: true, schema: {type: string}}
                  responses:
                    '200': {description: one order}
            """;

    @Test
    void anOwnerPublishesInTheConsoleAndAGatewayServesTheDocumentedOperationsWithinSeconds() throws Exception {
        GatewayNode gateway = platform.startGateway("node-console");
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String basePath = "/orders-" + suffix;
        String document = DOCUMENT.formatted(suffix);

        browser.signInToConsole(OWNER, PASSWORD);

        // A document whose GET operation has no responses: the error and where it is, and nothing saved.
        browser.open("/console/apis/new");
        Path invalid = dir.resolve("orders-invalid.yaml");
        Files.writeString(invalid, document.replace("""
                      responses:
                        '200': {description: one order}
                """, ""));
        browser.waitFor(By.id("document-file")).sendKeys(invalid.toAbsolutePath().toString());
        fillPublishForm(basePath, suffix);
        browser.driver().findElement(By.id("publish-submit")).click();
        assertThat(browser.waitFor(By.cssSelector("[data-testid=publish-errors]")).getText()).contains("Nothing was saved");
        List<String> errors = browser.driver().findElements(By.cssSelector("[data-testid=document-error]")).stream().map(WebElement::getText).toList();
        assertThat(errors).as(errors.toString()).anyMatch(e -> e.contains("/paths/~1orders~1{id}/get/responses") && e.matches("(?s).*\\(line \\d+\\).*"));
        browser.screenshot(getClass().getSimpleName() + "-publish-invalid-document");
        assertThat(platform.admin.get("/admin/apis").body().findValuesAsText("basePath")).doesNotContain(basePath);

        browser.open("/console/apis/new");
        ((JavascriptExecutor) browser.driver()).executeScript("arguments[0].value = arguments[1];", browser.waitFor(By.id("document-text")), document);
        fillPublishForm(basePath, suffix);
        browser.screenshot(getClass().getSimpleName() + "-publish-form");
        browser.driver().findElement(By.id("publish-submit")).click();
        assertThat(browser.waitFor(By.cssSelector("[data-testid=api-status]")).getText()).isEqualTo("DRAFT");
        String apiId = URI.create(browser.driver().getCurrentUrl()).getPath().replace("/console/apis/", "");
        String planId = browser.driver().findElement(By.cssSelector("form[action^='/console/apis/" + apiId + "/plans/']"))
                .getAttribute("action").replaceAll(".*/plans/", "");

        long publishedAt = System.nanoTime();
        browser.driver().findElement(By.id("to-PUBLISHED")).click();
        new WebDriverWait(browser.driver(), Duration.ofSeconds(20)).until(ExpectedConditions.textToBe(By.cssSelector("[data-testid=api-status]"), "PUBLISHED"));
        browser.screenshot(getClass().getSimpleName() + "-api-published");

        // A developer's key on the plan the owner set up in the console.
        String consumerId = platform.admin.create("/admin/consumers", Map.of("username", "shop-" + suffix)).path("id").asText();
        String appId = platform.admin.create("/admin/consumers/" + consumerId + "/applications", Map.of("name", "till")).path("id").asText();
        platform.admin.create("/admin/subscriptions", Map.of("applicationId", appId, "apiId", apiId, "planId", planId));
        String key = platform.admin.create("/admin/applications/" + appId + "/keys", Map.of()).path("key").asText();

        byte[] order = order();
        Duration served = await(Duration.ofSeconds(15), "the documented POST to reach the upstream through the gateway",
                () -> post(gateway, basePath + "/orders", order, key).statusCode() == 201);
        System.out.printf("console publish → documented operation served through the gateway: %d ms after pressing Publish "
                + "(%d ms of polling after the key was issued)%n", Duration.ofNanos(System.nanoTime() - publishedAt).toMillis(), served.toMillis());

        HttpResponse<String> placed = post(gateway, basePath + "/orders", order, key);
        assertThat(placed.statusCode()).isEqualTo(201);
        assertThat(placed.headers().firstValue("RateLimit-Limit")).as("the plan's rate limit applies").isPresent();
        RecordingUpstream.Received received = upstream.last();
        assertThat(received.method()).isEqualTo("POST");
        assertThat(received.path()).isEqualTo("/shop/orders");
        assertThat(received.contentType()).isEqualTo("application/json; charset=utf-8");
        assertThat(received.body()).as("the body reaches the upstream byte for byte").isEqualTo(order);

        Http.Response undocumented = call(gateway, "GET", basePath + "/admin/export", null, "X-API-Key", key);
        assertThat(undocumented.statusCode()).isEqualTo(404);
        assertThat(json(undocumented).path("code").asText()).isEqualTo("no_route");
        Http.Response wrongMethod = call(gateway, "DELETE", basePath + "/orders", null, "X-API-Key", key);
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(json(wrongMethod).path("code").asText()).isEqualTo("method_not_allowed");
        assertThat(wrongMethod.headers().firstValue("Allow")).contains("POST");
        System.out.printf("all checks done %d ms after pressing Publish%n", Duration.ofNanos(System.nanoTime() - publishedAt).toMillis());
    }

    private void fillPublishForm(String basePath, String suffix) {
        browser.type("base-path", basePath);
        browser.type("targets", upstream.url() + "/shop");
        browser.type("plan-name", "counter-" + suffix);
        browser.type("plan-rate", "20");
        browser.type("plan-quota", "100000");
    }

    /** About 12 KB of JSON with multi-byte characters and CRLF line ends: nothing on the way may re-encode it. */
    private static byte[] order() {
        StringBuilder body = new StringBuilder("{\"customer\": \"Zoë Ångström\",\r\n  \"note\": \"Grüße — ✓ ✈ 注文\",\r\n  \"lines\": [");
        for (int i = 0; i < 200; i++) {
            body.append(i == 0 ? "" : ",").append("\r\n    {\"sku\": \"SKU-").append(i).append("\", \"qty\": ").append(i % 7 + 1).append('}');
        }
        return body.append("\r\n  ]}\r\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static HttpResponse<String> post(GatewayNode gateway, String path, byte[] body, String key) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.settings().proxyPort() + path))
                .timeout(Duration.ofSeconds(10)).header("X-API-Key", key).header("Content-Type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
