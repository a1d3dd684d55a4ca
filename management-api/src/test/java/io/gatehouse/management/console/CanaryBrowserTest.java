package io.gatehouse.management.console;

import io.gatehouse.management.EmbeddedPostgresResource;
import io.gatehouse.management.accounts.Accounts;
import io.gatehouse.management.apis.ApiDocumentService;
import io.gatehouse.management.apis.ApiService;
import io.gatehouse.management.apis.CanaryHistory;
import io.gatehouse.protocol.usage.VariantCounts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;

import java.nio.file.Files;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** An api-owner runs a canary release from the console in a real browser: steps it up, promotes it, rolls the next back. */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class CanaryBrowserTest {
    static ConsoleBrowser browser;

    @BeforeAll
    static void startBrowser() {
        browser = ConsoleBrowser.ofTestServer();
    }

    @AfterAll
    static void closeBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    /** Every test starts signed out: the browser is shared by the class, its cookies are not. */
    @BeforeEach
    void signedOut() {
        browser.signedOut();
    }


    @Inject
    Accounts accounts;
    @Inject
    ApiDocumentService documents;
    @Inject
    ApiService apis;
    @Inject
    CanaryHistory history;

    /** Half an hour of both variants as nodes would report it: the canary slower and failing more as it grows. */
    private void reportedTraffic(String apiId) {
        Instant now = Instant.now();
        for (int minutesAgo = 30; minutesAgo >= 0; minutesAgo--) {
            Instant at = now.minus(minutesAgo, ChronoUnit.MINUTES);
            long[] stable = new long[2 + VariantCounts.BUCKET_BOUNDS_MS.length];
            stable[0] = 600 - minutesAgo * 5;
            stable[1] = minutesAgo % 7 == 0 ? 3 : 0;
            stable[2 + 4] = stable[0] - 5;
            stable[2 + 6] = 5;
            long[] canary = new long[stable.length];
            canary[0] = 20 + (30 - minutesAgo) * 8;
            canary[1] = (30 - minutesAgo) / 5;
            canary[2 + 5] = canary[0] - 3;
            canary[2 + 8] = 3;
            history.record(new VariantCounts(apiId, "stable", stable), at);
            history.record(new VariantCounts(apiId, "canary", canary), at);
        }
    }

    private static void press(String id) {
        browser.waitFor(By.id(id)).click();
    }

    /** Waits until the page after a form post shows the share (each press is a post, a redirect and a new page). */
    private static void awaitPercent(String percent) {
        new org.openqa.selenium.support.ui.WebDriverWait(browser.driver(), java.time.Duration.ofSeconds(20))
                .withMessage(() -> "the canary page to show " + percent)
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(d -> !d.findElements(By.cssSelector("[data-testid=canary-percent]")).isEmpty()
                        && d.findElement(By.cssSelector("[data-testid=canary-percent]")).getText().equals(percent));
    }

    private static void scrollTo(String css) {
        ((JavascriptExecutor) browser.driver()).executeScript("arguments[0].scrollIntoView(true);", browser.driver().findElement(By.cssSelector(css)));
    }

    @Test
    void anOwnerStepsACanaryUpPromotesItAndRollsTheNextOneBack(TestInfo test) throws Throwable {
        CanaryFixture fixture = CanaryFixture.create(accounts, documents, "Payments");
        String apiId = fixture.api().id();
        reportedTraffic(apiId);
        String v2 = "http://127.0.0.1:9/payments-v2";
        String v3 = "http://127.0.0.1:9/payments-v3";

        browser.signIn(fixture.ownerEmail(), TestAccounts.PASSWORD);
        browser.open("/console/apis/" + apiId);
        press("view-canary");
        browser.waitForPath(fixture.page());
        assertThat(browser.waitFor(By.cssSelector("[data-testid=canary-none]")).getText()).contains("payments-v1");

        browser.waitFor(By.id("canary-targets-field")).sendKeys(v2);
        WebElement share = browser.driver().findElement(By.id("canary-start-percent"));
        share.clear();
        share.sendKeys("5");
        press("start-canary");
        awaitPercent("5%");
        assertThat(browser.driver().findElement(By.cssSelector("[data-testid=canary-targets]")).getText()).isEqualTo(v2);
        for (String step : List.of("25", "50")) {
            press("step-" + step);
            awaitPercent(step + "%");
        }
        WebElement custom = browser.waitFor(By.id("canary-percent-field"));
        custom.clear();
        custom.sendKeys("100");
        press("step-custom");
        awaitPercent("100%");
        assertThat(VertxContextSupport.subscribeAndAwait(() -> apis.get(apiId)).canary().percent()).isEqualTo(100.0);

        // The chart and its table: every minute of the reported half hour, with both variants' figures.
        assertThat(browser.driver().findElements(By.cssSelector("[data-testid=canary-minutes] tbody tr"))).hasSize(31);
        assertThat(browser.driver().findElements(By.cssSelector("figure.chart svg path"))).hasSize(6);
        assertThat(Files.size(browser.screenshot(test, "canary-running"))).isPositive();
        scrollTo("#hour-title");
        browser.screenshot(test, "canary-chart");
        browser.resize(390, 844);
        long overflow = (Long) ((JavascriptExecutor) browser.driver()).executeScript(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
        assertThat(overflow).as("the page fits a phone's width (tables scroll inside their box)").isLessThanOrEqualTo(0);
        WebElement chart = browser.driver().findElement(By.cssSelector("[data-testid=chart-requests] svg"));
        assertThat(chart.getSize().getWidth()).isLessThanOrEqualTo(390);
        browser.screenshot(test, "canary-phone");
        scrollTo("[data-testid=chart-errors]");
        browser.screenshot(test, "canary-chart-phone");
        browser.resize(1280, 900);

        press("promote");
        browser.waitFor(By.cssSelector("[data-testid=canary-none]"));
        assertThat(browser.driver().findElement(By.cssSelector("[data-testid=canary-none]")).getText()).contains(v2).doesNotContain("payments-v1");
        assertThat(VertxContextSupport.subscribeAndAwait(() -> apis.get(apiId)).targets().get(0).url()).isEqualTo(v2);

        browser.waitFor(By.id("canary-targets-field")).sendKeys(v3);
        press("start-canary");
        awaitPercent("5%");
        press("step-25");
        awaitPercent("25%");
        press("roll-back");
        browser.waitFor(By.cssSelector("[data-testid=canary-none]"));
        assertThat(VertxContextSupport.subscribeAndAwait(() -> apis.get(apiId)).targets().get(0).url()).isEqualTo(v2);
        browser.screenshot(test, "canary-rolled-back");

        press("back-to-api");
        browser.waitForPath("/console/apis/" + apiId);
        List<String> history = browser.driver().findElements(By.cssSelector("[data-testid=history] tbody tr")).stream()
                .map(WebElement::getText).filter(row -> row.contains(fixture.ownerEmail())).toList();
        assertThat(history).anyMatch(row -> row.endsWith("canary_promote")).anyMatch(row -> row.endsWith("canary_roll_back"))
                .filteredOn(row -> row.endsWith(" canary")).hasSize(6);
        browser.screenshot(test, "api-history-after-canary");
    }
}
