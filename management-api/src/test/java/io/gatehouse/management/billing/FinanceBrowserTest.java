package io.gatehouse.management.billing;

import io.gatehouse.management.EmbeddedPostgresResource;
import io.gatehouse.management.accounts.Accounts;
import io.gatehouse.management.accounts.Role;
import io.gatehouse.management.console.ConsoleBrowser;
import io.gatehouse.management.console.TestAccounts;
import io.gatehouse.management.usage.UsageStore;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.openqa.selenium.By;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.gatehouse.management.billing.BillingFixture.admin;
import static io.gatehouse.management.billing.BillingFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Finance reviews a month in a real browser: the totals the API gives, the events sent, and a reconciliation that balances until Stripe loses an event. */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
@QuarkusTestResource(value = StripeTestResource.class, restrictToAnnotatedClass = true)
class FinanceBrowserTest {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(FinanceBrowserTest.class);
    static ConsoleBrowser browser;

    @Inject
    Accounts accounts;
    @Inject
    UsageStore usage;
    @Inject
    BillingJobs jobs;
    @Inject
    Pool pool;

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

    private String cell(String css) {
        return browser.waitFor(By.cssSelector(css)).getText();
    }

    @Test
    void financeReviewsTheMonthAndSeesAnEventLostAtStripe(TestInfo test) throws Exception {
        BillingFixture f = BillingFixture.subscribed("SOFT", 100, StripeBillingTest.PRICING);
        f.report(usage, 160);
        jobs.runNow(Duration.ofSeconds(30));
        f.report(usage, 9);
        jobs.runNow(Duration.ofSeconds(30));
        await("acknowledged", Duration.ofSeconds(20), () -> pool.preparedQuery(
                        "select count(*) from meter_event_outbox where subscription_id = $1 and state <> 'ACKNOWLEDGED'")
                .execute(Tuple.of(UUID.fromString(f.subscriptionId))).await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0) == 0);

        String email = TestAccounts.email(Role.FINANCE);
        accounts.createLocal(email, Set.of(Role.FINANCE_NAME), null, TestAccounts.PASSWORD);
        browser.signedOut();
        browser.signIn(email, TestAccounts.PASSWORD);
        long opening = System.nanoTime();
        browser.open("/console/billing");
        LOG.infof("finance page opened in %d ms", (System.nanoTime() - opening) / 1_000_000);
        assertThat(cell("[data-testid=billing-mode]")).startsWith("Charges are sent to Stripe");

        long apiTotal = admin().get("/admin/billing/charges").jsonPath().getLong("totals.USD.total");
        assertThat(browser.find("[data-testid=total-USD]").getAttribute("data-minor")).isEqualTo(Long.toString(apiTotal));
        String row = "[data-testid=charges] tr[data-subscription='" + f.subscriptionId + "']";
        assertThat(cell(row)).contains("169").contains("69").contains("to Stripe");
        List<Map<String, Object>> events = admin().queryParam("consumerId", f.consumerId).get("/admin/billing/events").jsonPath().getList("");
        assertThat(events).hasSize(2);
        for (Map<String, Object> e : events) {
            assertThat(cell("[data-testid=events] tr[data-identifier='" + e.get("identifier") + "'] td[data-state]")).isEqualTo("ACKNOWLEDGED");
        }
        String reconciled = "[data-testid=reconciliation] tr[data-consumer='" + f.consumerId + "']";
        assertThat(cell(reconciled + " [data-testid=difference]")).isEqualTo("0");
        assertThat(cell(reconciled)).contains("Agrees.");
        assertThat(browser.findAll("[data-testid=revenue-chart-USD] path")).hasSize(2);
        browser.screenshot(test, "billing-balanced");

        String lost = StripeTestResource.stripe.meterEvents().stream().filter(e -> e.identifier().contains(f.subscriptionId) && e.value() == 9)
                .findFirst().orElseThrow().identifier();
        StripeTestResource.stripe.drop(lost);
        browser.open("/console/billing");
        assertThat(cell(reconciled + " [data-testid=difference]")).isEqualTo("9");
        assertThat(cell(reconciled)).contains("9 units fewer than Gatehouse's acknowledged events");
        assertThat(cell("[data-testid=reconciliation-status]")).startsWith("Not balanced");
        browser.screenshot(test, "billing-difference");
    }
}
