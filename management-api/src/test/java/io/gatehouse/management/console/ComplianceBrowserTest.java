package io.gatehouse.management.console;

import io.gatehouse.audit.verify.ExportVerifier;
import io.gatehouse.audit.verify.Verification;
import io.gatehouse.management.EmbeddedPostgresResource;
import io.gatehouse.management.accounts.Accounts;
import io.gatehouse.management.accounts.Role;
import io.gatehouse.management.audit.AuditStore;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** A compliance officer in Chromium: finds a day's traffic of one API, exports it, and the downloaded files verify. */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class ComplianceBrowserTest {
    private static ConsoleBrowser browser;
    private static org.openqa.selenium.WebDriver driver;

    @org.junit.jupiter.api.BeforeAll
    static void startBrowser() {
        browser = ConsoleBrowser.ofTestServer();
        driver = browser.driver();
    }

    @org.junit.jupiter.api.AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }


    @Inject
    Accounts accounts;
    @Inject
    AuditStore store;

    private static void setField(String id, String value) {
        ((ChromeDriver) driver).executeScript("document.getElementById(arguments[0]).value = arguments[1];", id, value);
    }

    /** The finished download of this name in the directory, waited for (Chromium writes .crdownload files until done). */
    private static Path downloaded(Path dir, String suffix) {
        Path[] found = new Path[1];
        new WebDriverWait(driver, Duration.ofSeconds(30)).withMessage(() -> "no finished download ending " + suffix + " in " + dir)
                .until(d -> {
                    try (Stream<Path> files = Files.list(dir)) {
                        found[0] = files.filter(p -> p.getFileName().toString().endsWith(suffix)).findFirst().orElse(null);
                        return found[0] != null;
                    } catch (java.io.IOException e) {
                        return false;
                    }
                });
        return found[0];
    }

    @Test
    void aComplianceOfficerExportsADayOfOneApiAndTheDownloadVerifies(TestInfo test, @TempDir Path downloads) throws Exception {
        String api = "payments-" + UUID.randomUUID().toString().substring(0, 6);
        AuditRecords records = new AuditRecords(store);
        List<byte[]> day = new ArrayList<>(records.hourly("pay", Instant.parse("2032-05-03T08:00:00Z"), 6, 40, api, "acme"));
        day.addAll(records.hourly("other", Instant.parse("2032-05-03T08:00:00Z"), 2, 10, "another-api", "acme"));
        records.store(day);
        String email = TestAccounts.email(Role.COMPLIANCE);
        accounts.createLocal(email, Set.of(Role.COMPLIANCE_NAME), null, TestAccounts.PASSWORD);

        browser.signedOut().signIn(email, TestAccounts.PASSWORD);
        driver.findElement(By.linkText("Audit trail")).click();
        browser.waitForPath("/console/audit");
        setField("from", "2032-05-03T00:00");
        setField("to", "2032-05-04T00:00");
        driver.findElement(By.id("api")).sendKeys(api);
        driver.findElement(By.id("search")).click();
        WebElement totals = browser.waitFor(By.cssSelector("[data-testid=chart-totals]"));
        assertThat(totals.getText()).startsWith("240 requests");
        assertThat(driver.findElements(By.cssSelector("[data-testid=chart] rect.requests"))).hasSize(24);
        assertThat(driver.findElements(By.cssSelector("[data-testid=records] tbody tr"))).hasSize(50);
        assertThat(driver.findElement(By.cssSelector("[data-testid=records] tbody tr td code")).getText()).isEqualTo("pay-239");
        browser.screenshot(test, "search");
        ((ChromeDriver) driver).executeScript("arguments[0].scrollIntoView();", driver.findElement(By.id("chart-heading")));
        browser.screenshot(test, "chart");

        // The export form carries the search's range and API.
        assertThat(driver.findElement(By.id("export-api")).getDomProperty("value")).isEqualTo(api);
        driver.findElement(By.id("format-jsonl")).click();
        driver.findElement(By.id("start-export")).click();
        WebElement download = browser.waitFor(By.id("download-export"));   // the progress page refreshes itself until this appears
        assertThat(driver.findElement(By.cssSelector("[data-testid=export-count]")).getText()).isEqualTo("240");
        browser.screenshot(test, "export-done");

        ((ChromeDriver) driver).executeCdpCommand("Browser.setDownloadBehavior",
                Map.of("behavior", "allow", "downloadPath", downloads.toAbsolutePath().toString()));
        download.click();
        Path export = downloaded(downloads, ".jsonl");
        driver.findElement(By.id("download-manifest")).click();
        Path manifest = downloaded(downloads, ".manifest.json");

        Verification verified = ExportVerifier.verify(export, manifest);
        assertThat(verified.ok()).as(verified.describe()).isTrue();
        assertThat(verified.verified()).isEqualTo(240);
        assertThat(Files.readAllLines(export)).hasSize(240).allSatisfy(line -> assertThat(line).contains("\"apiId\":\"" + api + "\""));

        byte[] bytes = Files.readAllBytes(export);
        int at = new String(bytes, java.nio.charset.StandardCharsets.UTF_8).indexOf("\"latencyMicros\":1500") + "\"latencyMicros\":".length();
        bytes[at] = '2';   // 1500 becomes 2500: one byte
        Path altered = downloads.resolve("altered.jsonl");
        Files.write(altered, bytes);
        Verification broken = ExportVerifier.verify(altered, manifest);
        assertThat(broken.ok()).isFalse();
        assertThat(broken.describe()).contains("line 1");
        System.out.println("altered export: " + broken.describe());
    }
}
