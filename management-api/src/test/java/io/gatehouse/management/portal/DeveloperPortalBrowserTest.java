package io.gatehouse.management.portal;

import io.gatehouse.management.EmbeddedPostgresResource;
import io.gatehouse.management.accounts.OutboxMailer;
import io.gatehouse.management.console.ConsoleBrowser;
import io.gatehouse.management.sync.ConfigPublisher;
import io.gatehouse.protocol.keys.ApiKeys;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.gatehouse.management.portal.ReferencePageTest.unique;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A new developer's first hour in the portal, in Chromium: registers, follows the verification link from the mail,
 * signs in, creates an application, subscribes it to a plan with a rate limit and a quota, creates a key and reads it
 * once, rotates it and revokes the new one. Every page is also looked at phone-sized, without sideways scrolling.
 * (This suite has no gateway node: the key's arrival at the gateways is checked in the published snapshot; calling
 * through a real gateway is the system tests' job.)
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class DeveloperPortalBrowserTest {
    private static final Logger LOG = Logger.getLogger(DeveloperPortalBrowserTest.class);
    private static final Pattern LINK = Pattern.compile("https?://[^\\s]+(/portal/verify/[A-Za-z0-9_-]+)");
    private static ConsoleBrowser browser;

    @Inject
    Pool pool;
    @Inject
    ConfigPublisher publisher;

    @BeforeAll
    static void startBrowser() {
        browser = ConsoleBrowser.ofTestServer();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    /** The page at phone size has no horizontal overflow; saved as a screenshot either way. */
    private void fitsAPhone(TestInfo test, String name) {
        browser.resize(390, 844);
        try {
            browser.screenshot(test, name + "-phone");
            Object overflow = browser.script("return document.documentElement.scrollWidth - window.innerWidth;");
            assertThat(((Number) overflow).longValue()).as(name + " scrolls sideways on a phone").isLessThanOrEqualTo(0);
        } finally {
            browser.resize(1280, 900);
        }
        browser.screenshot(test, name);
    }

    @Test
    void aNewDeveloperRegistersVerifiesSubscribesAndManagesAKey(TestInfo test) {
        String[] api = DeveloperPortalTest.publishWithPlan(DeveloperPortalTest.limitedPlan(false));
        String email = unique("newdev") + "@dev.test";
        long start = System.nanoTime();

        browser.signedOut().open("/portal/apis");
        fitsAPhone(test, "catalog");
        browser.open("/portal/apis/" + api[0] + "/reference");
        browser.waitFor(By.cssSelector("[data-testid=try-it]"));
        fitsAPhone(test, "reference");
        browser.find("#load-try-it").click();
        // Swagger UI, from the control plane's own webjar, renders the document whose server is the gateway.
        assertThat(browser.waitFor(By.cssSelector("#swagger-ui .servers")).getText()).contains("Gatehouse gateway");
        browser.screenshot(test, "try-it");

        browser.open("/portal/register");
        browser.type("#name", "Grace <Hopper>").type("#email", email).type("#password", DeveloperPortalTest.PASSWORD)
                .type("#confirm", DeveloperPortalTest.PASSWORD);
        fitsAPhone(test, "register");
        browser.click("#register");
        assertThat(browser.find("[data-testid=registration-sent]").getText()).contains(email);

        List<OutboxMailer.Message> mail = OutboxMailer.to(pool, email);
        Matcher link = LINK.matcher(mail.get(0).body());
        assertThat(link.find()).as(mail.get(0).body()).isTrue();
        browser.open(link.group(1));
        assertThat(browser.find("[data-testid=verified]").getText()).isEqualTo("Email address verified");

        browser.open("/portal/sign-in");
        browser.type("#email", email).type("#password", DeveloperPortalTest.PASSWORD).click("#sign-in");
        browser.waitForPath("/portal/apps");
        fitsAPhone(test, "no-apps");

        browser.type("#app-name", "Grace's <storefront>").click("#create-app");
        String appPath = browser.path();
        assertThat(appPath).matches("/portal/apps/[0-9a-f-]{36}");
        assertThat(browser.find("[data-testid=app-name]").getText()).isEqualTo("Grace's <storefront>");

        new Select(browser.find("#offer")).selectByValue(api[0] + ":" + api[1]);
        browser.click("#subscribe");
        assertThat(browser.find("[data-testid=subscription-state]").getText()).isEqualTo("active");
        assertThat(browser.find("[data-testid=subscription]").getText()).contains("20 requests/s (burst 5)").contains("10000 requests a month");

        browser.type("#key-name", "laptop").click("#create-key");
        String key = browser.find("[data-testid=new-key]").getAttribute("value");
        assertThat(ApiKeys.looksLikeKey(key)).as(key).isTrue();
        browser.find("#copy-key").click();
        new WebDriverWait(browser.driver(), Duration.ofSeconds(5))
                .until(d -> !browser.find("[data-copied-for=new-key]").getText().isBlank());
        fitsAPhone(test, "key-created");
        awaitPublished(key, true);

        browser.open(appPath);
        assertThat(browser.driver().getPageSource()).as("the key is shown once").doesNotContain(key);
        assertThat(browser.find("[data-testid=key-prefix]").getText()).isEqualTo(ApiKeys.displayPrefix(key) + "…");

        browser.type("#grace-0", "5");
        new Select(browser.find("#grace-unit-0")).selectByValue("minutes");
        browser.click("#rotate-0");
        String replacement = browser.find("[data-testid=new-key]").getAttribute("value");
        assertThat(replacement).isNotEqualTo(key);
        browser.open(appPath);
        List<String> states = browser.findAll("[data-testid=key-state]").stream().map(e -> e.getText()).toList();
        assertThat(states).hasSize(2);
        assertThat(states.get(0)).isEqualTo("active");
        assertThat(states.get(1)).as("the old key works until the grace period ends").startsWith("active, until ");
        fitsAPhone(test, "keys");
        awaitPublished(replacement, true);

        browser.click("#revoke-0");
        assertThat(browser.findAll("[data-testid=key-state]").get(0).getText()).isEqualTo("revoked");
        awaitPublished(replacement, false);

        browser.click("#usage-link");
        browser.waitFor(By.cssSelector("[data-testid=usage-chart]"));
        assertThat(browser.find("[data-testid=rate-limit]").getText()).isEqualTo("20 requests/s (burst 5)");
        fitsAPhone(test, "usage");
        browser.open("/portal/account");
        fitsAPhone(test, "account");
        LOG.infof("the developer's story took %d ms in the browser", (System.nanoTime() - start) / 1_000_000);
    }

    /** Polls (with a deadline) until the published snapshot holds, or no longer holds, this key. */
    private void awaitPublished(String key, boolean present) {
        String hash = ApiKeys.hash(key);
        new WebDriverWait(browser.driver(), Duration.ofSeconds(10)).withMessage(() -> "the key " + (present ? "never reached" : "never left") + " the snapshot")
                .until(d -> (io.gatehouse.management.PublishedConfig.key(pool, hash) != null) == present);
    }
}
