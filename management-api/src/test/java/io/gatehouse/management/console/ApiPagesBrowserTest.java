package io.gatehouse.management.console;

import io.gatehouse.management.EmbeddedPostgresResource;
import io.gatehouse.management.accounts.Accounts;
import io.gatehouse.management.accounts.Role;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** An api-owner publishes APIs from their OpenAPI documents in a real browser (Debian's Chromium, headless). */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class ApiPagesBrowserTest {
    private static final String SCRIPT = "<script>alert(1)</script>";
    private static final String IMG = "\"><img src=x onerror=alert(1)>";

    @Inject
    Accounts accounts;

    static ConsoleBrowser browser;
    static Map<Role, String> emails;

    @BeforeAll
    static void startBrowser() {
        browser = ConsoleBrowser.ofTestServer();
        emails = null;
    }

    @AfterAll
    static void closeBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    private ConsoleBrowser signedInOwner() {
        // Signed in once for the class: its tests follow one owner through the console.
        if (emails == null) {
            String team = "team-" + UUID.randomUUID().toString().substring(0, 6);
            emails = TestAccounts.onePerRole(accounts, team);
            browser.signIn(emails.get(Role.API_OWNER), TestAccounts.PASSWORD);
            assertThat(browser.path()).isEqualTo("/console");
        }
        return browser;
    }

    private static String document(String title, String description, String path) {
        return """
                openapi: 3.0.3
                info:
                  title: '%s'
                  description: '%s'
                  version: '1.0'
                paths:
                  %s:
                    get:
                      parameters:
                        - name: id
                          in: path
                          required: true
                          schema:
                            type: string
                      responses:
                        '200':
                          description: the order
                """.formatted(title.replace("'", "''"), description.replace("'", "''"), path);
    }

    @Test
    void apiOwnerPublishesFromADocumentAfterFixingItsErrorsAndChangesAPlan() throws Exception {
        ConsoleBrowser b = signedInOwner();
        String name = "Orders " + UUID.randomUUID().toString().substring(0, 6);
        String basePath = "/orders-" + UUID.randomUUID().toString().substring(0, 6);

        b.open("/console/apis").screenshot("apis-empty");
        b.click("#publish-new");
        assertThat(b.path()).isEqualTo("/console/apis/new");
        // An operation without responses, and a path that does not start with '/': both located, nothing saved.
        String invalid = """
                openapi: 3.0.3
                info:
                  title: '%s'
                  version: '1.0'
                paths:
                  /orders/{id}:
                    get:
                      summary: no responses here
                """.formatted(name);
        Path file = Files.createTempFile("orders", ".yaml");
        Files.writeString(file, invalid);
        b.find("#document-file").sendKeys(file.toAbsolutePath().toString());
        b.type("#base-path", basePath).type("#targets", "http://127.0.0.1:9/orders").type("#plan-name", name + " gold")
                .type("#plan-rate", "50").type("#plan-quota", "100000").click("#publish-submit");
        assertThat(b.find("[data-testid=publish-errors]").getText()).contains("Nothing was saved");
        String errors = b.findAll("[data-testid=document-error]").stream().map(e -> e.getText()).toList().toString();
        assertThat(errors).as(errors).contains("paths", "responses");
        b.screenshot("publish-errors");
        assertThat(b.open("/console/apis").driver().getPageSource()).doesNotContain(name);

        b.open("/console/apis/new");
        b.fill("#document-text", document(name, "Orders of the shop", "/orders/{id}"));
        b.type("#base-path", basePath).type("#targets", "http://127.0.0.1:9/orders").type("#plan-name", name.replace(' ', '-') + "-gold")
                .type("#plan-rate", "50").type("#plan-quota", "100000").type("#read-timeout", "4500").type("#retries", "1");
        new org.openqa.selenium.support.ui.Select(b.find("#load-balancing")).selectByValue("ROUND_ROBIN");
        b.screenshot("publish-form");
        b.click("#publish-submit");
        assertThat(b.findAll("[data-testid=api-status]")).as(() -> b.find("main").getText()).isNotEmpty();
        String publishedId = b.path().substring("/console/apis/".length());
        var saved = io.restassured.RestAssured.given().header("Authorization", "Bearer " + io.gatehouse.management.EmbeddedPostgresResource.ADMIN_TOKEN)
                .get("/admin/apis/" + publishedId).jsonPath();
        assertThat(saved.getInt("readTimeoutMs")).as("policies set in the same flow").isEqualTo(4500);
        assertThat(saved.getString("upstreamPolicy.loadBalancing")).isEqualTo("ROUND_ROBIN");
        assertThat(saved.getInt("upstreamPolicy.retries")).isEqualTo(1);
        assertThat(saved.getBoolean("passThrough")).isFalse();
        assertThat(b.find("[data-testid=api-status]").getText()).isEqualTo("DRAFT");
        assertThat(b.find("[data-testid=operations]").getText()).contains("GET /orders/{id}");

        b.click("#to-PUBLISHED");
        assertThat(b.find("[data-testid=api-status]").getText()).isEqualTo("PUBLISHED");
        b.type("input[name=ratePerSecond]", "75").click("#save-plan-0");
        String history = b.find("[data-testid=history]").getText();
        String owner = emails.get(Role.API_OWNER);
        assertThat(history).contains(owner);
        assertThat(b.findAll("[data-testid=history] tbody tr").stream().map(r -> r.getText())
                .filter(r -> r.contains(owner) && r.contains("plan")).toList()).as(history).isNotEmpty();
        assertThat(b.findAll("[data-testid=history] tbody tr").stream().map(r -> r.getText())
                .filter(r -> r.contains(owner) && r.contains("api") && r.toLowerCase().contains("publish")).toList()).as(history).isNotEmpty();
        assertThat(b.find("input[name=ratePerSecond]").getAttribute("value")).isEqualTo("75");
        b.screenshot("api-page");
        b.click("#view-subscriptions");
        assertThat(b.find("h1").getText()).startsWith("Subscriptions to");
        b.screenshot("subscriptions");

        b.open("/console/apis");
        assertThat(b.find("[data-testid=api-list]").getText()).contains(name, basePath, "PUBLISHED");
        b.screenshot("apis");
        b.phoneScreenshot("apis-phone");
        b.open("/console/nodes");
        assertThat(b.find("h1").getText()).isEqualTo("Gateway nodes");
        b.screenshot("nodes");
    }

    @Test
    void scriptsInANameAndADescriptionRenderAsInertText() {
        ConsoleBrowser b = signedInOwner();
        String suffix = UUID.randomUUID().toString().substring(0, 6);
        String title = "Evil " + SCRIPT + IMG + " " + suffix;
        b.open("/console/apis/new");
        b.fill("#document-text", document(title, "Evil description " + SCRIPT + IMG, "/evil/{id}"));
        b.type("#base-path", "/evil-" + suffix).type("#targets", "http://127.0.0.1:9/").type("#plan-name", "evil-" + suffix);
        b.click("#publish-submit");
        assertThat(b.path()).startsWith("/console/apis/");
        assertThat(b.alertPresent()).isFalse();
        assertThat(b.findAll("main script")).isEmpty();
        assertThat(b.findAll("img")).isEmpty();
        b.screenshot("api-page-injection");
        b.click("#view-document");
        assertThat(b.alertPresent()).isFalse();
        assertThat(b.findAll("main script")).isEmpty();
        assertThat(b.findAll("img")).isEmpty();
        // The document's own title and description, unchanged, shown as text.
        assertThat(b.find("[data-testid=document-title]").getText()).isEqualTo(title);
        assertThat(b.find("[data-testid=document-description]").getText()).isEqualTo("Evil description " + SCRIPT + IMG);
        b.screenshot("api-document-injection");
        b.open("/console/apis");
        assertThat(b.alertPresent()).isFalse();
        assertThat(b.findAll("main script")).isEmpty();
        assertThat(b.findAll("img")).isEmpty();
        // What the owner wrote is still there to read, as text: the name keeps the characters an API name may hold.
        assertThat(b.find("[data-testid=api-list]").getText()).contains("Evil", suffix);
    }

    @Test
    void anotherTeamsApiIsNotFound() {
        ConsoleBrowser b = signedInOwner();
        String otherOwner = TestAccounts.email(Role.API_OWNER);
        accounts.createLocal(otherOwner, Set.of(Role.API_OWNER.id()), "another-team", TestAccounts.PASSWORD);
        ConsoleClient other = new ConsoleClient().signedIn(otherOwner, TestAccounts.PASSWORD);
        b.open("/console/apis");
        var links = b.findAll("[data-testid=api-list] a");
        if (links.isEmpty()) {
            b.open("/console/apis/new");
            b.fill("#document-text", document("Mine " + UUID.randomUUID().toString().substring(0, 6), "mine", "/mine/{id}"));
            b.type("#base-path", "/mine-" + UUID.randomUUID().toString().substring(0, 6)).type("#targets", "http://127.0.0.1:9/");
            b.click("#publish-submit");
        } else {
            links.get(0).click();
        }
        String page = b.path();
        assertThat(page).matches("/console/apis/[0-9a-f-]{36}");
        assertThat(other.get(page).statusCode()).isEqualTo(404);
        assertThat(other.get("/console/apis").asString()).doesNotContain(page);
    }
}
