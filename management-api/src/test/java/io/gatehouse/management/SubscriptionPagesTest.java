package io.gatehouse.management;

import io.gatehouse.management.accounts.Accounts;
import io.gatehouse.management.accounts.Role;
import io.gatehouse.management.console.ConsoleClient;
import io.gatehouse.management.console.TestAccounts;
import io.gatehouse.management.subscriptions.SubscriptionRequest;
import io.gatehouse.management.subscriptions.SubscriptionService;
import io.gatehouse.management.subscriptions.SubscriptionView;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.gatehouse.management.AdminApiTest.admin;
import static io.gatehouse.management.AdminApiTest.create;
import static io.gatehouse.management.AdminApiTest.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** An owner approves one pending subscription and rejects another with a reason the developer then sees. */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class SubscriptionPagesTest {

    @Inject
    Accounts accounts;
    @Inject
    SubscriptionService subscriptions;

    @Test
    void ownerApprovesOneRequestAndRejectsAnotherWithAReasonTheDeveloperSees() throws Throwable {
        String name = unique("ledger");
        Response imported = admin().body(Map.of(
                "document", PublishFromDocumentTest.renamed(PublishFromDocumentTest.resource("orders.yaml"), name),
                "basePath", "/" + name, "targets", List.of(Map.of("url", "http://127.0.0.1:9000")),
                "plans", List.of(Map.of("name", unique("gold"), "ratePerSecond", 10, "monthlyQuota", 1000)))).post("/admin/apis/import");
        assertThat(imported.statusCode()).as(imported.asString()).isEqualTo(201);
        String apiId = imported.jsonPath().getString("api.id");
        String planId = imported.jsonPath().getString("plans[0].id");
        String consumer = create("/admin/consumers", Map.of("username", unique("dev")));
        String first = create("/admin/consumers/" + consumer + "/applications", Map.of("name", "mobile"));
        String second = create("/admin/consumers/" + consumer + "/applications", Map.of("name", "batch"));
        SubscriptionView toApprove = VertxContextSupport.subscribeAndAwait(() -> subscriptions.request(new SubscriptionRequest(first, apiId, planId, null)));
        SubscriptionView toReject = VertxContextSupport.subscribeAndAwait(() -> subscriptions.request(new SubscriptionRequest(second, apiId, planId, null)));

        String email = TestAccounts.email(Role.ADMIN);
        accounts.createLocal(email, Set.of(Role.ADMIN.id()), null, TestAccounts.PASSWORD);
        ConsoleClient console = new ConsoleClient().signedIn(email, TestAccounts.PASSWORD);
        String page = "/console/apis/" + apiId + "/subscriptions";
        String pending = console.get(page).asString();
        assertThat(pending).contains(toApprove.id(), toReject.id());

        assertThat(console.post(page + "/" + toApprove.id() + "/approve", Map.of()).statusCode()).isEqualTo(303);
        Response noReason = console.post(page + "/" + toReject.id() + "/reject", Map.of("reason", " "));
        assertThat(noReason.statusCode()).isEqualTo(400);
        String reason = "Batch jobs belong on the <bulk> plan";
        console.get(page);
        assertThat(console.post(page + "/" + toReject.id() + "/reject", Map.of("reason", reason)).statusCode()).isEqualTo(303);

        assertThat(admin().get("/admin/subscriptions/" + toApprove.id()).jsonPath().getString("status")).isEqualTo("ACTIVE");
        Response rejected = admin().get("/admin/subscriptions/" + toReject.id());
        assertThat(rejected.jsonPath().getString("status")).isEqualTo("REJECTED");
        assertThat(rejected.jsonPath().getString("reason")).isEqualTo(reason);
        String after = console.get(page).asString();
        assertThat(after).contains("Batch jobs belong on the &lt;bulk&gt; plan").doesNotContain("<bulk>");

        // The API's page lists who uses it, with keys by prefix only.
        Response issued = admin().body(Map.of()).post("/admin/applications/" + first + "/keys");
        assertThat(issued.statusCode()).as(issued.asString()).isEqualTo(201);
        String key = issued.jsonPath().getString("key");
        String prefix = issued.jsonPath().getString("prefix");
        String apiPage = console.get("/console/apis/" + apiId).asString();
        org.jsoup.nodes.Element table = org.jsoup.Jsoup.parse(apiPage).selectFirst("[data-testid=subscribers]");
        assertThat(table).as("the consumers table").isNotNull();
        assertThat(table.select("tbody tr")).hasSize(2);
        assertThat(table.text()).contains("mobile", "batch", "ACTIVE", "REJECTED", "1 active", prefix);
        assertThat(apiPage).doesNotContain(key);
    }
}
