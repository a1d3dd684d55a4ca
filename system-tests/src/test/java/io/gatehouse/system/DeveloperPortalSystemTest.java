package io.gatehouse.system;

import io.gatehouse.gateway.GatewayNode;
import io.gatehouse.local.AdminClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static io.gatehouse.system.Http.await;
import static io.gatehouse.system.Http.status;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A developer gets a key on their own, against the packaged control plane and a real gateway node: registers in the
 * portal, follows the verification link (from the control plane's log, where the outbox writes it without SMTP),
 * subscribes an application, calls the API with the key, rotates it with a short grace period (both keys work during
 * it, only the new one after), revokes the new key; and a plan that needs approval stays 403 until the owner approves.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeveloperPortalSystemTest {
    private static final Pattern CSRF = Pattern.compile("name=\"csrf-token\" value=\"([^\"]+)\"");
    private static final Pattern NEW_KEY = Pattern.compile("id=\"new-key\" type=\"text\" readonly value=\"([^\"]+)\"");
    private static final String PASSWORD = "a developer's long password";
    static final String DOCUMENT = """
            openapi: 3.0.3
            info:
              title: Stock %s
              version: '1.0'
            paths:
              /items/{sku}:
                get:
                  parameters:
                    - {name: sku, in: path, required: true, schema: {type: string}}
                  responses:
                    '200': {description: one item}
            """;

    @TempDir
    static Path dir;
    Platform platform;
    GatewayNode gateway;

    @BeforeAll
    void start() throws Exception {
        platform = new Platform(dir);
        gateway = platform.startGateway("node-portal");
    }

    @AfterAll
    void stop() throws Exception {
        platform.close();
    }

    /** A browser-like client of the portal: keeps cookies, sends each form with the CSRF token of the last page, follows no redirect. */
    final class Portal {
        final HttpClient client = HttpClient.newBuilder().cookieHandler(new CookieManager()).followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5)).build();
        String csrf;

        HttpResponse<String> get(String path) {
            HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(platform.controlPlaneUrl() + path)).GET());
            Matcher m = CSRF.matcher(response.body());
            if (m.find()) {
                csrf = m.group(1);
            }
            return response;
        }

        HttpResponse<String> post(String path, Map<String, String> form) {
            Map<String, String> fields = new LinkedHashMap<>(form);
            fields.put("csrf-token", csrf);
            String body = fields.entrySet().stream()
                    .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                    .collect(Collectors.joining("&"));
            return send(HttpRequest.newBuilder(URI.create(platform.controlPlaneUrl() + path))
                    .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body)));
        }

        private HttpResponse<String> send(HttpRequest.Builder request) {
            try {
                return client.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new AssertionError(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private Portal registeredDeveloper(String email) {
        Portal portal = new Portal();
        portal.get("/portal/register");
        assertThat(portal.post("/portal/register", Map.of("email", email, "name", "Dev", "password", PASSWORD, "confirm", PASSWORD)).statusCode())
                .isEqualTo(200);
        assertThat(portal.get(Platform.verificationLink(email)).statusCode()).isEqualTo(200);
        portal.get("/portal/sign-in");
        HttpResponse<String> signedIn = portal.post("/portal/sign-in", Map.of("email", email, "password", PASSWORD));
        assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(303);
        return portal;
    }

    private String createApp(Portal portal, String name) {
        portal.get("/portal/apps");
        HttpResponse<String> created = portal.post("/portal/apps", Map.of("name", name));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(303);
        return created.headers().firstValue("Location").orElseThrow().replaceAll(".*/portal/apps/", "");
    }

    private static String key(HttpResponse<String> page) {
        Matcher m = NEW_KEY.matcher(page.body());
        assertThat(m.find()).as(page.body()).isTrue();
        return m.group(1);
    }

    /** The key rows of the application page, newest first: their ids, read from the rotate and revoke forms. */
    private static List<String> keyIds(Portal portal, String appId) {
        Matcher m = Pattern.compile("/portal/apps/" + appId + "/keys/([0-9a-f-]{36})/revoke").matcher(portal.get("/portal/apps/" + appId).body());
        List<String> ids = new java.util.ArrayList<>();
        while (m.find()) {
            ids.add(m.group(1));
        }
        return ids;
    }

    @Test
    void developerRegistersSubscribesCallsTheApiRotatesWithAGracePeriodAndRevokes() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String basePath = "/stock-" + suffix;
        AdminClient.Reply published = platform.admin.post("/admin/apis/import", Map.of("document", DOCUMENT.formatted(suffix),
                "basePath", basePath, "targets", List.of(Map.of("url", platform.upstream.url() + "/inventory")),
                "status", "PUBLISHED",
                "plans", List.of(Map.of("name", "open-" + suffix, "ratePerSecond", 50, "burst", 10, "monthlyQuota", 10_000),
                        Map.of("name", "vetted-" + suffix, "ratePerSecond", 5, "monthlyQuota", 1_000, "requiresApproval", true))));
        assertThat(published.status()).as(published.body().toString()).isEqualTo(201);
        String apiId = published.body().path("api").path("id").asText();
        String open = published.body().path("plans").path(0).path("id").asText();
        String vetted = published.body().path("plans").path(1).path("id").asText();
        assertThat(published.body().path("plans").path(1).path("requiresApproval").asBoolean()).isTrue();

        Portal portal = registeredDeveloper("dev-" + suffix + "@portal.test");
        String appId = createApp(portal, "shop");
        portal.get("/portal/apps/" + appId);
        assertThat(portal.post("/portal/apps/" + appId + "/subscriptions", Map.of("offer", apiId + ":" + open)).statusCode()).isEqualTo(303);
        String key = key(portal.post("/portal/apps/" + appId + "/keys", Map.of("name", "server")));

        Duration served = await(Duration.ofSeconds(10), "the portal's key to work at the gateway", () -> status(gateway, basePath + "/items/A-1", key) == 200);
        System.out.printf("portal key served by the gateway %d ms after it was created%n", served.toMillis());

        // Rotation with a grace period of 3 seconds: both keys work during it, only the new one after.
        String oldId = keyIds(portal, appId).get(0);
        long rotatedAt = System.nanoTime();
        String replacement = key(portal.post("/portal/apps/" + appId + "/keys/" + oldId + "/rotate", Map.of("grace", "3", "graceUnit", "seconds")));
        await(Duration.ofSeconds(5), "the new key to work", () -> status(gateway, basePath + "/items/A-1", replacement) == 200);
        assertThat(status(gateway, basePath + "/items/A-1", key)).as("the old key during the grace period").isEqualTo(200);
        await(Duration.ofSeconds(10), "the old key to be refused after its grace period", () -> status(gateway, basePath + "/items/A-1", key) == 401);
        long refusedAfter = Duration.ofNanos(System.nanoTime() - rotatedAt).toMillis();
        System.out.printf("old key refused %d ms after rotating with a 3 s grace period%n", refusedAfter);
        assertThat(refusedAfter).as("not before the grace period ended").isGreaterThanOrEqualTo(2_900);
        assertThat(status(gateway, basePath + "/items/A-1", replacement)).isEqualTo(200);

        String newId = keyIds(portal, appId).get(0);
        long revokedAt = System.nanoTime();
        assertThat(portal.post("/portal/apps/" + appId + "/keys/" + newId + "/revoke", Map.of()).statusCode()).isEqualTo(303);
        Duration refused = await(Duration.ofSeconds(5), "the revoked key to be refused", () -> status(gateway, basePath + "/items/A-1", replacement) == 401);
        System.out.printf("revoked key refused %d ms after the revoke (%d ms of polling)%n",
                Duration.ofNanos(System.nanoTime() - revokedAt).toMillis(), refused.toMillis());
        assertThat(refused).as("a revoked key stops working within a second").isLessThan(Duration.ofSeconds(1));

        // A plan that needs approval: 403 until the owner approves.
        String second = createApp(portal, "reports");
        portal.get("/portal/apps/" + second);
        portal.post("/portal/apps/" + second + "/subscriptions", Map.of("offer", apiId + ":" + vetted));
        String pendingKey = key(portal.post("/portal/apps/" + second + "/keys", Map.of("name", "reports")));
        await(Duration.ofSeconds(10), "the key to be known to the gateway", () -> status(gateway, basePath + "/items/A-1", pendingKey) == 403);
        String subscription = platform.admin.get("/admin/subscriptions?applicationId=" + second).body().path("items").path(0).path("id").asText();
        assertThat(platform.admin.get("/admin/subscriptions/" + subscription).body().path("status").asText()).isEqualTo("PENDING");
        assertThat(status(gateway, basePath + "/items/A-1", pendingKey)).as("still pending").isEqualTo(403);
        assertThat(platform.admin.post("/admin/subscriptions/" + subscription + "/approve", Map.of()).status()).isEqualTo(200);
        Duration approved = await(Duration.ofSeconds(5), "the approved subscription to work", () -> status(gateway, basePath + "/items/A-1", pendingKey) == 200);
        System.out.printf("approved subscription served %d ms after the approval%n", approved.toMillis());
    }
}
