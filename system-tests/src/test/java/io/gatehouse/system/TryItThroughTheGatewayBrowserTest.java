package io.gatehouse.system;

import io.gatehouse.gateway.GatewayNode;
import io.gatehouse.local.AdminClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.gatehouse.system.Http.await;
import static io.gatehouse.system.Http.status;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * "Try it" for real: a developer on an API's reference page in the portal (served by the packaged control plane) pastes
 * their key into Swagger UI, in headless Chromium, and executes an operation. The page's origin is the control
 * plane's, the call goes to a gateway node on another port, so the browser sends a CORS preflight first: the node
 * answers it (the portal's origin is allowed on every API) and the call itself comes back 200 from the upstream,
 * readable by the page, under a plan with a rate limit and a quota.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TryItThroughTheGatewayBrowserTest {
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
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
    WebDriver browser;
    Path profile;

    @BeforeAll
    void start() throws Exception {
        int gatewayPort = Platform.freePort();
        platform = new Platform(dir, Map.of("GATEHOUSE_PORTAL_GATEWAY_URL", "http://127.0.0.1:" + gatewayPort));
        gateway = platform.startGateway("node-try-it", Map.of("GATEHOUSE_PROXY_PORT", String.valueOf(gatewayPort),
                "GATEHOUSE_PORTAL_URL", platform.controlPlaneUrl()));
        browser = chromium();
    }

    @AfterAll
    void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        platform.close();
    }

    private WebDriver chromium() throws IOException {
        File chromium = new File(System.getProperty("gatehouse.test.chromium", "/usr/bin/chromium"));
        File driver = new File(System.getProperty("gatehouse.test.chromedriver", "/usr/bin/chromedriver"));
        if (!chromium.canExecute() || !driver.canExecute()) {
            throw new IllegalStateException("browser tests need " + chromium + " and " + driver
                    + ": apt-get install -y chromium chromium-driver (.ci/run does this)");
        }
        profile = Files.createTempDirectory("gatehouse-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1280,900", "--user-data-dir=" + profile.toAbsolutePath());
        WebDriver chrome = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(driver).usingAnyFreePort().build(), options);
        chrome.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
        return chrome;
    }

    private WebElement waitFor(By by) {
        return new WebDriverWait(browser, Duration.ofSeconds(30)).until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    @Test
    void developerTriesTheApiFromTheReferencePageThroughTheGatewayWithTheirKey() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String basePath = "/parcels-" + suffix;
        AdminClient.Reply published = platform.admin.post("/admin/apis/import", Map.of("document", DOCUMENT.formatted(suffix),
                "basePath", basePath, "targets", List.of(Map.of("url", platform.upstream.url() + "/inventory")), "status", "PUBLISHED",
                "plans", List.of(Map.of("name", "metered-" + suffix, "ratePerSecond", 20, "burst", 5, "monthlyQuota", 1_000))));
        assertThat(published.status()).as(published.body().toString()).isEqualTo(201);
        String apiId = published.body().path("api").path("id").asText();
        String planId = published.body().path("plans").path(0).path("id").asText();
        String consumerId = platform.admin.create("/admin/consumers", Map.of("username", "dev-" + suffix)).path("id").asText();
        String appId = platform.admin.create("/admin/consumers/" + consumerId + "/applications", Map.of("name", "tracker")).path("id").asText();
        platform.admin.create("/admin/subscriptions", Map.of("applicationId", appId, "apiId", apiId, "planId", planId));
        String key = platform.admin.create("/admin/applications/" + appId + "/keys", Map.of()).path("key").asText();
        await(Duration.ofSeconds(10), "the key to work at the gateway", () -> status(gateway, basePath + "/parcels/P-1", key) == 200);

        browser.get(platform.controlPlaneUrl() + "/portal/apis/" + apiId + "/reference");
        waitFor(By.id("try-it-key")).sendKeys(key);
        browser.findElement(By.id("load-try-it")).click();
        waitFor(By.cssSelector("#swagger-ui .opblock-summary")).click();
        waitFor(By.cssSelector("#swagger-ui tr[data-param-name='id'] input")).sendKeys("P-7");
        long sent = System.nanoTime();
        waitFor(By.cssSelector("#swagger-ui .btn.execute")).click();
        WebElement status = waitFor(By.cssSelector("#swagger-ui .live-responses-table .response .response-col_status"));
        screenshot("try-it-through-gateway");
        System.out.printf("try it answered in the browser %d ms after Execute%n", Duration.ofNanos(System.nanoTime() - sent).toMillis());
        // A CORS failure shows as "Failed to fetch" with no status: the page read the gateway's answer itself.
        assertThat(status.getText()).as(browser.findElement(By.cssSelector("#swagger-ui .live-responses-table")).getText()).startsWith("200");
        String headers = browser.findElement(By.cssSelector("#swagger-ui .live-responses-table .response-col_description")).getText();
        assertThat(headers.toLowerCase()).as("the plan's limits, exposed to the page").contains("ratelimit-remaining", "x-quota-remaining");

        // With a wrong key the page still reads the gateway's refusal, not a CORS error.
        WebElement keyField = browser.findElement(By.id("try-it-key"));
        keyField.clear();
        keyField.sendKeys(key.substring(0, key.length() - 2) + "xx");
        browser.findElement(By.cssSelector("#swagger-ui .btn.execute")).click();
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> d.findElement(
                By.cssSelector("#swagger-ui .live-responses-table .response .response-col_status")).getText().startsWith("401"));
    }

    private void screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
