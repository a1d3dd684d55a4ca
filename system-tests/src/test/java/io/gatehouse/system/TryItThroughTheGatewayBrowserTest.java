package io.gatehouse.system;

import io.gatehouse.gateway.GatewayNode;
import io.gatehouse.local.AdminClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.gatehouse.system.Http.await;
import static io.gatehouse.system.Http.status;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A new developer's story in headless Chromium against the packaged control plane and a real gateway node: registers
 * in the portal, follows the verification link (from the control plane's log, where the outbox writes it), signs in,
 * finds the API in the catalog, makes an application, subscribes to a plan with a rate limit and a quota, creates a
 * key and copies it from the page; the key works at the gateway; "try it" on the reference page (Swagger UI, whose
 * origin is the control plane's while the calls go to the gateway's, so the browser sends a CORS preflight the node
 * answers) gets the upstream's answer with the limit headers readable; revoking the key makes the gateway refuse it
 * within a second, and "try it" then shows the gateway's 401 rather than a CORS error.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TryItThroughTheGatewayBrowserTest {
    static final String DOCUMENT = """
            openapi: 3.0.3
            info:
              title: Parcels %s
              version: '1.0'
            paths:
              /parcels/{id}:
                get:
                  summary: One parcel
                  parameters:
                    - {name: id, in: path, required: true, schema: {type: string}}
                  responses:
                    '200': {description: the parcel}
            """;

    @TempDir
    static Path dir;
    Platform platform;
    GatewayNode gateway;
    Browser browser;

    @BeforeAll
    void start() throws Exception {
        int gatewayPort = Platform.freePort();
        platform = new Platform(dir, Map.of("GATEHOUSE_PORTAL_GATEWAY_URL", "http://127.0.0.1:" + gatewayPort));
        gateway = platform.startGateway("node-try-it", Map.of("GATEHOUSE_PROXY_PORT", String.valueOf(gatewayPort),
                "GATEHOUSE_PORTAL_URL", platform.controlPlaneUrl()));
        browser = new Browser(platform.controlPlaneUrl());
    }

    @AfterAll
    void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        platform.close();
    }

    private void executeTryIt() {
        browser.waitFor(By.cssSelector("#swagger-ui .btn.execute")).click();
    }

    private String tryItStatus() {
        return browser.waitFor(By.cssSelector("#swagger-ui .live-responses-table .response .response-col_status")).getText();
    }

    @Test
    void aNewDeveloperGetsAKeyInTheBrowserCallsThroughTheGatewayTriesItAndRevokesIt() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String basePath = "/parcels-" + suffix;
        AdminClient.Reply published = platform.admin.post("/admin/apis/import", Map.of("document", DOCUMENT.formatted(suffix),
                "basePath", basePath, "targets", List.of(Map.of("url", platform.upstream.url() + "/inventory")), "status", "PUBLISHED",
                "plans", List.of(Map.of("name", "metered-" + suffix, "ratePerSecond", 20, "burst", 5, "monthlyQuota", 1_000))));
        assertThat(published.status()).as(published.body().toString()).isEqualTo(201);
        String apiId = published.body().path("api").path("id").asText();
        String planId = published.body().path("plans").path(0).path("id").asText();
        String email = "parcels-" + suffix + "@portal.test";
        String password = "a developer's long password " + suffix;

        // Registers, follows the mailed link, signs in.
        assertThat(browser.registerInPortal("Ada", email, password)).contains(email);
        browser.verifyEmail(Platform.verificationLink(email));
        browser.signInToPortal(email, password);

        // Finds the API in the catalog, makes an application, subscribes to the plan, creates a key and copies it.
        browser.open("/portal/apis?q=" + suffix);
        assertThat(browser.waitFor(By.cssSelector("main")).getText()).contains("Parcels " + suffix);
        browser.open("/portal/apps");
        browser.waitFor(By.id("app-name")).sendKeys("tracker");
        browser.driver().findElement(By.id("create-app")).click();
        new org.openqa.selenium.support.ui.Select(browser.waitFor(By.id("offer"))).selectByValue(apiId + ":" + planId);
        browser.driver().findElement(By.id("subscribe")).click();
        assertThat(browser.waitFor(By.cssSelector("[data-testid=subscription-state]")).getText()).isEqualTo("active");
        String appPage = browser.driver().getCurrentUrl();
        browser.waitFor(By.id("key-name")).sendKeys("browser");
        browser.driver().findElement(By.id("create-key")).click();
        String key = browser.waitFor(By.cssSelector("[data-testid=new-key]")).getAttribute("value");
        browser.driver().findElement(By.id("copy-key")).click();
        new WebDriverWait(browser.driver(), Duration.ofSeconds(5)).until(d -> !d.findElement(By.cssSelector("[data-copied-for=new-key]")).getText().isBlank());
        Duration served = await(Duration.ofSeconds(10), "the new key to work at the gateway", () -> status(gateway, basePath + "/parcels/P-1", key) == 200);
        System.out.printf("key made in the browser served by the gateway %d ms later%n", served.toMillis());

        // Try it: the reference page's Swagger UI calls the gateway (another origin) with the key.
        browser.open("/portal/apis/" + apiId + "/reference");
        browser.waitFor(By.id("try-it-key")).sendKeys(key);
        browser.driver().findElement(By.id("load-try-it")).click();
        browser.waitFor(By.cssSelector("#swagger-ui .opblock-summary")).click();
        browser.waitFor(By.cssSelector("#swagger-ui tr[data-param-name='id'] input")).sendKeys("P-7");
        long sent = System.nanoTime();
        executeTryIt();
        String answered = tryItStatus();
        browser.screenshot("try-it-through-gateway");
        System.out.printf("try it answered in the browser %d ms after Execute%n", Duration.ofNanos(System.nanoTime() - sent).toMillis());
        // A CORS failure shows as "Failed to fetch" with no status: the page read the gateway's answer itself.
        assertThat(answered).as(browser.driver().findElement(By.cssSelector("#swagger-ui .live-responses-table")).getText()).startsWith("200");
        String body = browser.driver().findElement(By.cssSelector("#swagger-ui .live-responses-table .response .response-col_description")).getText();
        assertThat(body).as("the upstream's answer").contains("inventory");
        assertThat(body.toLowerCase()).as("the plan's limits, exposed to the page").contains("ratelimit-remaining", "x-quota-remaining");

        // Revokes the key: the gateway refuses it within a second, and try it shows that refusal, not a CORS error.
        browser.driver().get(appPage);
        long revokedAt = System.nanoTime();
        browser.waitFor(By.id("revoke-0")).click();
        assertThat(browser.waitFor(By.cssSelector("[data-testid=key-state]")).getText()).isEqualTo("revoked");
        Duration refused = await(Duration.ofSeconds(5), "the revoked key to be refused", () -> status(gateway, basePath + "/parcels/P-1", key) == 401);
        System.out.printf("revoked key refused %d ms after the revoke (%d ms of polling)%n",
                Duration.ofNanos(System.nanoTime() - revokedAt).toMillis(), refused.toMillis());
        assertThat(refused).as("a revoked key stops working within a second").isLessThan(Duration.ofSeconds(1));
        browser.open("/portal/apis/" + apiId + "/reference");
        browser.waitFor(By.id("try-it-key")).sendKeys(key);
        browser.driver().findElement(By.id("load-try-it")).click();
        browser.waitFor(By.cssSelector("#swagger-ui .opblock-summary")).click();
        browser.waitFor(By.cssSelector("#swagger-ui tr[data-param-name='id'] input")).sendKeys("P-7");
        executeTryIt();
        assertThat(tryItStatus()).as("the gateway's refusal, readable by the page").startsWith("401");
    }
}
