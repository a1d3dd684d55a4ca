package io.gatehouse.management.billing;

import io.gatehouse.management.EmbeddedPostgresResource;
import io.gatehouse.management.accounts.Accounts;
import io.gatehouse.management.accounts.Role;
import io.gatehouse.management.console.ConsoleClient;
import io.gatehouse.management.console.TestAccounts;
import io.gatehouse.management.usage.UsageStore;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.gatehouse.management.billing.BillingFixture.admin;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Billing without a Stripe key (this test application has none): the platform runs, charges are computed from usage
 * and shown to finance labelled as not sent, exported as CSV, and a developer sees their own charges in the portal.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class FinancePagesTest {
    @Inject
    Accounts accounts;
    @Inject
    UsageStore usage;
    @Inject
    Pool pool;

    /** 25.00 EUR a month for 1,000 requests, then 2 cents per request. */
    static final Map<String, Object> PRICING = Map.of("currency", "EUR", "basePrice", 2500, "includedUnits", 1000, "unitPrice", 2);

    @Test
    void financeSeesComputedChargesLabelledNotSentAndExportsThem() {
        BillingFixture f = BillingFixture.subscribed("SOFT", 1000, PRICING);
        f.report(usage, 1_250);
        String email = TestAccounts.email(Role.FINANCE);
        accounts.createLocal(email, Set.of(Role.FINANCE_NAME), null, TestAccounts.PASSWORD);
        ConsoleClient finance = new ConsoleClient().signedIn(email, TestAccounts.PASSWORD);

        Response page = finance.get("/console/billing");
        assertThat(page.statusCode()).as(page.asString()).isEqualTo(200);
        Document html = Jsoup.parse(page.asString());
        assertThat(html.selectFirst("[data-testid=billing-mode]").text()).startsWith("Not sent:");
        JsonPath api = admin().get("/admin/billing/charges").jsonPath();
        assertThat(api.getBoolean("sentToStripe")).isFalse();
        long apiTotal = api.getLong("totals.EUR.total");
        assertThat(html.selectFirst("[data-testid=total-EUR]").attr("data-minor")).isEqualTo(Long.toString(apiTotal));
        var row = html.selectFirst("[data-testid=charges] tr[data-subscription=" + f.subscriptionId + "]");
        assertThat(row.text()).contains(f.consumerName).contains("250").contains("not sent");
        // 250 requests past the included 1,000 at 2 cents, plus the prorated base.
        List<Map<String, Object>> mine = api.getList("rows.findAll { it.subscriptionId == '" + f.subscriptionId + "' }");
        assertThat(mine).singleElement().satisfies(r -> {
            assertThat(r.get("overageAmount")).isEqualTo(500);
            assertThat(((Number) r.get("total")).longValue()).isEqualTo(((Number) r.get("baseAmount")).longValue() + 500);
        });
        assertThat(html.select("[data-testid=events] tbody td").text()).contains("Nothing is sent without a Stripe key");
        assertThat(html.select("[data-testid^=revenue-chart-EUR] path[data-series=revenue]")).hasSize(1);

        Response csv = finance.get("/console/billing/charges.csv");
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.contentType()).startsWith("text/csv");
        List<String> lines = csv.asString().lines().toList();
        assertThat(lines.get(0)).startsWith("month,consumer_id,consumer");
        assertThat(lines).anySatisfy(l -> assertThat(l).contains(f.subscriptionId).contains(",EUR,1250,1000,250,").endsWith(",false"));
    }

    @Test
    void aDeveloperSeesTheirOwnChargesAndNoOneElses() {
        BillingFixture mine = BillingFixture.subscribed("SOFT", 1000, PRICING);
        BillingFixture theirs = BillingFixture.subscribed("SOFT", 1000, PRICING);
        mine.report(usage, 1_010);
        // The account's address is the one an administrator gave another consumer: the portal goes by the account's own
        // consumer (consumers.user_id, as self-registration links it), never by a matching address.
        String developer = theirs.consumerName + "@example.test";
        UUID account = accounts.createLocal(developer, Set.of(Role.DEVELOPER_NAME), null, TestAccounts.PASSWORD).id();
        pool.preparedQuery("update consumers set user_id = $2 where id = $1").execute(Tuple.of(UUID.fromString(mine.consumerId), account))
                .await().atMost(Duration.ofSeconds(5));
        // Verified, as after following the link in the welcome email.
        pool.preparedQuery("update users set email_verified_at = now() where id = $1").execute(Tuple.of(account)).await().atMost(Duration.ofSeconds(5));
        ConsoleClient client = new ConsoleClient().signedIn(developer, TestAccounts.PASSWORD);

        Document portal = Jsoup.parse(client.get("/portal/billing").asString());
        assertThat(portal.select("[data-testid=account] h2").eachText()).containsExactly(mine.consumerName).doesNotContain(theirs.consumerName);
        assertThat(portal.selectFirst("[data-testid=current] tbody").text()).contains("(10)").contains("0.20 EUR");
        assertThat(client.get("/console/billing").statusCode()).as("finance's view is not a developer's").isIn(302, 303, 403);
        assertThat(admin().get("/admin/billing/charges?month=2026-13").jsonPath().getString("code")).isEqualTo("validation_failed");
    }

    @Test
    void financeChangesAPlansPriceFromTheNextPeriod() {
        BillingFixture f = BillingFixture.subscribed("SOFT", 1000, PRICING);
        String email = TestAccounts.email(Role.FINANCE);
        accounts.createLocal(email, Set.of(Role.FINANCE_NAME), null, TestAccounts.PASSWORD);
        ConsoleClient finance = new ConsoleClient().signedIn(email, TestAccounts.PASSWORD);
        finance.get("/console/billing");
        Response saved = finance.post("/console/billing/plans/" + f.planId + "/pricing",
                Map.of("currency", "EUR", "basePrice", "3000", "includedUnits", "1000", "unitPrice", "3", "per", "1"));
        assertThat(saved.statusCode()).as(saved.asString()).isEqualTo(303);
        JsonPath plan = admin().get("/admin/plans/" + f.planId).jsonPath();
        assertThat(plan.getLong("pricing.basePrice")).as("this period keeps its price").isEqualTo(2500);
        assertThat(plan.getLong("nextPricing.basePrice")).isEqualTo(3000);
        assertThat(plan.getInt("nextPricing.version")).isEqualTo(2);

        Response refused = finance.post("/console/billing/plans/" + f.planId + "/pricing",
                Map.of("currency", "EUR", "basePrice", "10", "includedUnits", "0", "unitPrice", "3", "per", "7"));
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(Jsoup.parse(refused.asString()).selectFirst("[data-testid=billing-error]").text()).contains("per must be");
    }
}
