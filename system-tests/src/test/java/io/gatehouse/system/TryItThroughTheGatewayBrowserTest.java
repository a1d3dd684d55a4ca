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

    /** The verification link the outbox logged for this address (the control plane's log, as an operator reads it). */
    private static String loggedLink(String email) {
        java.util.regex.Pattern link = java.util.regex.Pattern.compile("mail to " + java.util.regex.Pattern.quote(email)
                + " kept in the outbox[\\s\\S]*?(/portal/verify/[A-Za-z0-9_-]+)");
        String[] found = new String[1];
        await(Duration.ofSeconds(10), "the verification mail in the control plane's log", () -> {
            try {
                java.util.regex.Matcher m = link.matcher(Files.readString(Path.of("target", "control-plane.log")));
                if (m.find()) {
                    found[0] = m.group(1);
                    return true;
                }
                return false;
            } catch (IOException e) {
                return false;
            }
        });
        return found[0];
    }

    private void executeTryIt() {
        waitFor(By.cssSelector("#swagger-ui .btn.execute")).click();
    }

    private String tryItStatus() {
        return waitFor(By.cssSelector("#swagger-ui .live-responses-table .response .response-col_status")).getText();
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
        browser.get(platform.controlPlaneUrl() + "/portal/register");
        waitFor(By.id("name")).sendKeys("Ada");
        browser.findElement(By.id("email")).sendKeys(email);
        browser.findElement(By.id("password")).sendKeys(password);
        browser.findElement(By.id("confirm")).sendKeys(password);
        browser.findElement(By.id("register")).click();
        assertThat(waitFor(By.cssSelector("[data-testid=registration-sent]")).getText()).contains(email);
        browser.get(platform.controlPlaneUrl() + loggedLink(email));
        waitFor(By.cssSelector("[data-testid=verified]"));
        browser.get(platform.controlPlaneUrl() + "/portal/sign-in");
        waitFor(By.id("email")).sendKeys(email);
        browser.findElement(By.id("password")).sendKeys(password);
        browser.findElement(By.id("sign-in")).click();
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> d.getCurrentUrl().endsWith("/portal/apps"));

        // Finds the API in the catalog, makes an application, subscribes to the plan, creates a key and copies it.
        browser.get(platform.controlPlaneUrl() + "/portal/apis?q=" + suffix);
        assertThat(waitFor(By.cssSelector("main")).getText()).contains("Parcels " + suffix);
        browser.get(platform.controlPlaneUrl() + "/portal/apps");
        waitFor(By.id("app-name")).sendKeys("tracker");
        browser.findElement(By.id("create-app")).click();
        new org.openqa.selenium.support.ui.Select(waitFor(By.id("offer"))).selectByValue(apiId + ":" + planId);
        browser.findElement(By.id("subscribe")).click();
        assertThat(waitFor(By.cssSelector("[data-testid=subscription-state]")).getText()).isEqualTo("active");
        String appPage = browser.getCurrentUrl();
        waitFor(By.id("key-name")).sendKeys("browser");
        browser.findElement(By.id("create-key")).click();
        String key = waitFor(By.cssSelector("[data-testid=new-key]")).getAttribute("value");
        browser.findElement(By.id("copy-key")).click();
        new WebDriverWait(browser, Duration.ofSeconds(5)).until(d -> !d.findElement(By.cssSelector("[data-copied-for=new-key]")).getText().isBlank());
        Duration served = await(Duration.ofSeconds(10), "the new key to work at the gateway", () -> status(gateway, basePath + "/parcels/P-1", key) == 200);
        System.out.printf("key made in the browser served by the gateway %d ms later%n", served.toMillis());

        // Try it: the reference page's Swagger UI calls the gateway (another origin) with the key.
        browser.get(platform.controlPlaneUrl() + "/portal/apis/" + apiId + "/reference");
        waitFor(By.id("try-it-key")).sendKeys(key);
        browser.findElement(By.id("load-try-it")).click();
        waitFor(By.cssSelector("#swagger-ui .opblock-summary")).click();
        waitFor(By.cssSelector("#swagger-ui tr[data-param-name='id'] input")).sendKeys("P-7");
        long sent = System.nanoTime();
        executeTryIt();
        String answered = tryItStatus();
        screenshot("try-it-through-gateway");
        System.out.printf("try it answered in the browser %d ms after Execute%n", Duration.ofNanos(System.nanoTime() - sent).toMillis());
        // A CORS failure shows as "Failed to fetch" with no status: the page read the gateway's answer itself.
        assertThat(answered).as(browser.findElement(By.cssSelector("#swagger-ui .live-responses-table")).getText()).startsWith("200");
        String body = browser.findElement(By.cssSelector("#swagger-ui .live-responses-table .response .response-col_description")).getText();
        assertThat(body).as("the upstream's answer").contains("inventory");
        assertThat(body.toLowerCase()).as("the plan's limits, exposed to the page").contains("ratelimit-remaining", "x-quota-remaining");

        // Revokes the key: the gateway refuses it within a second, and try it shows that refusal, not a CORS error.
        browser.get(appPage);
        long revokedAt = System.nanoTime();
        waitFor(By.id("revoke-0")).click();
        assertThat(waitFor(By.cssSelector("[data-testid=key-state]")).getText()).isEqualTo("revoked");
        Duration refused = await(Duration.ofSeconds(5), "the revoked key to be refused", () -> status(gateway, basePath + "/parcels/P-1", key) == 401);
        System.out.printf("revoked key refused %d ms after the revoke (%d ms of polling)%n",
                Duration.ofNanos(System.nanoTime() - revokedAt).toMillis(), refused.toMillis());
        assertThat(refused).as("a revoked key stops working within a second").isLessThan(Duration.ofSeconds(1));
        browser.get(platform.controlPlaneUrl() + "/portal/apis/" + apiId + "/reference");
        waitFor(By.id("try-it-key")).sendKeys(key);
        browser.findElement(By.id("load-try-it")).click();
        waitFor(By.cssSelector("#swagger-ui .opblock-summary")).click();
        waitFor(By.cssSelector("#swagger-ui tr[data-param-name='id'] input")).sendKeys("P-7");
        executeTryIt();
        assertThat(tryItStatus()).as("the gateway's refusal, readable by the page").startsWith("401");
    }

    private void screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
