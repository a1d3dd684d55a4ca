package io.gatehouse.management.console;

import io.gatehouse.management.EmbeddedPostgresResource;
import io.gatehouse.management.accounts.Accounts;
import io.gatehouse.management.accounts.Role;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Every role against every admin endpoint and console page, through personal access tokens made in the console. */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class AuthorizationMatrixTest {
    private static final Pattern NEW_TOKEN = Pattern.compile("data-testid=\"new-token\"[^>]*value=\"(ghp_[^\"]+)\"|value=\"(ghp_[^\"]+)\"[^>]*data-testid=\"new-token\"");
    private static final String ID = UUID.randomUUID().toString();

    record Call(String method, String path) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    static final List<Call> ADMIN_ENDPOINTS = List.of(
            new Call("GET", "/admin/apis"), new Call("POST", "/admin/apis"), new Call("GET", "/admin/apis/" + ID),
            new Call("PUT", "/admin/apis/" + ID), new Call("DELETE", "/admin/apis/" + ID),
            new Call("PUT", "/admin/apis/" + ID + "/canary"), new Call("POST", "/admin/apis/" + ID + "/canary/promote"),
            new Call("GET", "/admin/plans"), new Call("POST", "/admin/plans"), new Call("PUT", "/admin/plans/" + ID),
            new Call("GET", "/admin/consumers"), new Call("POST", "/admin/consumers"), new Call("DELETE", "/admin/consumers/" + ID),
            new Call("GET", "/admin/consumers/" + ID + "/usage"), new Call("POST", "/admin/consumers/" + ID + "/applications"),
            new Call("GET", "/admin/applications/" + ID), new Call("DELETE", "/admin/applications/" + ID),
            new Call("GET", "/admin/subscriptions"), new Call("POST", "/admin/subscriptions"),
            new Call("GET", "/admin/subscriptions/" + ID + "/quota"), new Call("PUT", "/admin/subscriptions/" + ID + "/plan"),
            new Call("GET", "/admin/applications/" + ID + "/keys"), new Call("POST", "/admin/applications/" + ID + "/keys"),
            new Call("GET", "/admin/keys/" + ID), new Call("POST", "/admin/keys/" + ID + "/revoke"),
            new Call("GET", "/admin/nodes"), new Call("GET", "/admin/config"),
            new Call("GET", "/admin/applications"), new Call("GET", "/admin/keys"), new Call("POST", "/admin/apis/" + ID + "/plans"),
            new Call("GET", "/admin/apis/" + ID + "/changes"), new Call("GET", "/admin/config/problems"),
            new Call("GET", "/admin/audit/ingest"), new Call("POST", "/admin/audit/exports"),
            new Call("PUT", "/admin/nodes/" + ID + "/audit-key"), new Call("POST", "/admin/nodes/credentials"),
            new Call("GET", "/admin/billing/charges"), new Call("GET", "/admin/billing/reconciliation"));

    /** What each role may call, written out by hand (docs/security.md has the same table). */
    static final Map<Role, Set<String>> ALLOWED = new EnumMap<>(Map.of(
            Role.API_OWNER, Set.of("GET /admin/apis", "POST /admin/apis", "GET /admin/apis/" + ID, "PUT /admin/apis/" + ID,
                    "DELETE /admin/apis/" + ID, "PUT /admin/apis/" + ID + "/canary", "POST /admin/apis/" + ID + "/canary/promote",
                    "GET /admin/plans", "POST /admin/plans", "PUT /admin/plans/" + ID,
                    "GET /admin/subscriptions", "POST /admin/subscriptions", "GET /admin/subscriptions/" + ID + "/quota",
                    "PUT /admin/subscriptions/" + ID + "/plan", "GET /admin/applications/" + ID + "/keys",
                    "POST /admin/applications/" + ID + "/keys", "GET /admin/keys/" + ID, "POST /admin/keys/" + ID + "/revoke",
                    "GET /admin/nodes", "GET /admin/config",
                    "GET /admin/keys", "POST /admin/apis/" + ID + "/plans", "GET /admin/apis/" + ID + "/changes", "GET /admin/config/problems"),
            Role.FINANCE, Set.of("GET /admin/plans", "GET /admin/consumers/" + ID + "/usage", "GET /admin/subscriptions/" + ID + "/quota",
                    "GET /admin/billing/charges", "GET /admin/billing/reconciliation"),
            Role.COMPLIANCE, Set.of("GET /admin/apis", "GET /admin/apis/" + ID, "GET /admin/plans", "GET /admin/consumers",
                    "GET /admin/consumers/" + ID + "/usage", "GET /admin/applications/" + ID, "GET /admin/subscriptions",
                    "GET /admin/subscriptions/" + ID + "/quota", "GET /admin/applications/" + ID + "/keys", "GET /admin/keys/" + ID,
                    "GET /admin/nodes", "GET /admin/config",
                    "GET /admin/applications", "GET /admin/keys", "GET /admin/apis/" + ID + "/changes", "GET /admin/config/problems",
                    "GET /admin/audit/ingest", "POST /admin/audit/exports", "GET /admin/billing/charges", "GET /admin/billing/reconciliation"),
            Role.DEVELOPER, Set.of()));

    static final Map<String, Set<Role>> PAGES = Map.of(
            "/console", Set.of(Role.values()),
            "/console/tokens", Set.of(Role.values()),
            "/console/users", Set.of(Role.ADMIN),
            "/console/apis", Set.of(Role.ADMIN, Role.API_OWNER),
            "/console/apis/new", Set.of(Role.ADMIN, Role.API_OWNER),
            "/console/nodes", Set.of(Role.ADMIN, Role.API_OWNER, Role.COMPLIANCE),
            "/console/audit", Set.of(Role.ADMIN, Role.COMPLIANCE),
            "/console/billing", Set.of(Role.ADMIN, Role.FINANCE));

    /** The portal's pages: the catalog, references and account forms are anyone's; the workspace is a developer's. */
    static final Map<String, Set<Role>> PORTAL_PAGES = Map.of(
            "/portal/apps", Set.of(Role.DEVELOPER),
            "/portal/account", Set.of(Role.DEVELOPER),
            "/portal/billing", Set.of(Role.DEVELOPER, Role.ADMIN, Role.FINANCE));
    static final List<String> PUBLIC_PORTAL_PAGES = List.of("/portal/apis", "/portal/register", "/portal/sign-in");

    @Inject
    Accounts accounts;

    static Map<Role, String> emails;

    @BeforeEach
    void accounts() {
        if (emails == null) {
            emails = TestAccounts.onePerRole(accounts, "payments");
        }
    }

    static String createToken(ConsoleClient browser, String name) {
        browser.get("/console/tokens");
        Response created = browser.post("/console/tokens", Map.of("name", name, "expiresInDays", "30"));
        assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
        assertThat(created.header("Cache-Control")).isEqualTo("no-store");
        Matcher matcher = NEW_TOKEN.matcher(created.asString());
        assertThat(matcher.find()).as(created.asString()).isTrue();
        return matcher.group(1) != null ? matcher.group(1) : matcher.group(2);
    }

    static Response call(Call call, String bearer) {
        var request = RestAssured.given().redirects().follow(false).contentType("application/json").body("{}");
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return request.request(call.method(), call.path());
    }

    @Test
    void everyRoleGetsForbiddenOnTheAdminEndpointsItMustNotReach() {
        List<String> wrong = new ArrayList<>();
        for (Role role : Role.values()) {
            String token = createToken(new ConsoleClient().signedIn(emails.get(role), TestAccounts.PASSWORD), "matrix");
            for (Call call : ADMIN_ENDPOINTS) {
                Response response = call(call, token);
                boolean allowed = role == Role.ADMIN || ALLOWED.get(role).contains(call.toString());
                if (allowed && (response.statusCode() == 401 || response.statusCode() == 403)) {
                    wrong.add(role.id() + " " + call + " refused with " + response.statusCode());
                }
                if (!allowed && (response.statusCode() != 403 || !"forbidden".equals(response.jsonPath().getString("code")))) {
                    wrong.add(role.id() + " " + call + " answered " + response.statusCode() + " " + response.asString());
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void withoutCredentialsTheAdminApiAnswers401AndPagesSendToSignIn() {
        for (Call call : ADMIN_ENDPOINTS) {
            Response response = call(call, null);
            assertThat(response.statusCode()).as(call.toString()).isEqualTo(401);
            assertThat(response.jsonPath().getString("code")).isEqualTo("unauthenticated");
        }
        for (String page : PAGES.keySet()) {
            Response response = new ConsoleClient().get(page);
            assertThat(response.statusCode()).as(page).isEqualTo(303);
            assertThat(response.header("Location")).as(page).endsWith("/console/sign-in");
        }
    }

    @Test
    void everyRoleGetsForbiddenOnTheConsolePagesItMustNotReach() {
        for (Role role : Role.values()) {
            ConsoleClient browser = new ConsoleClient().signedIn(emails.get(role), TestAccounts.PASSWORD);
            PAGES.forEach((page, roles) -> {
                Response response = browser.get(page);
                assertThat(response.statusCode()).as(role.id() + " " + page).isEqualTo(roles.contains(role) ? 200 : 403);
                if (!roles.contains(role)) {
                    assertThat(response.contentType()).startsWith("text/html");
                    assertThat(response.asString()).contains("Not allowed");
                }
            });
            assertThat(browser.get("/console").asString().contains("href=\"/console/users\"")).as(role.id() + " sees the accounts link")
                    .isEqualTo(role == Role.ADMIN);
        }
    }

    @Test
    void everyRoleReachesThePortalPagesOfItsRoleAndAnyoneTheCatalog() {
        for (Role role : Role.values()) {
            ConsoleClient browser = new ConsoleClient().signedIn(emails.get(role), TestAccounts.PASSWORD);
            PORTAL_PAGES.forEach((page, roles) -> {
                Response response = browser.get(page);
                assertThat(response.statusCode()).as(role.id() + " " + page).isEqualTo(roles.contains(role) ? 200 : 403);
            });
            for (String page : PUBLIC_PORTAL_PAGES) {
                assertThat(browser.get(page).statusCode()).as(role.id() + " " + page).isIn(200, 303);
            }
        }
        for (String page : PUBLIC_PORTAL_PAGES) {
            assertThat(new ConsoleClient().get(page).statusCode()).as("anonymous " + page).isEqualTo(200);
        }
        for (String page : PORTAL_PAGES.keySet()) {
            Response anonymous = new ConsoleClient().get(page);
            assertThat(anonymous.statusCode()).as("anonymous " + page).isEqualTo(303);
            assertThat(anonymous.header("Location")).as("anonymous " + page).contains("/sign-in");
        }
    }

    @Test
    void aRevokedPersonalAccessTokenGets401() {
        ConsoleClient owner = new ConsoleClient().signedIn(emails.get(Role.API_OWNER), TestAccounts.PASSWORD);
        String token = createToken(owner, "ci deploy");
        Call listApis = new Call("GET", "/admin/apis");
        assertThat(call(listApis, token).statusCode()).isEqualTo(200);

        String page = owner.get("/console/tokens").asString();
        assertThat(page).contains("ci deploy").contains(token.substring(0, 10)).doesNotContain(token);
        Matcher revoke = Pattern.compile("action=\"/console/tokens/([0-9a-f-]+)/revoke\"").matcher(page);
        assertThat(revoke.find()).isTrue();
        assertThat(owner.post("/console/tokens/" + revoke.group(1) + "/revoke", Map.of()).statusCode()).isEqualTo(303);

        Response refused = call(listApis, token);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.jsonPath().getString("code")).isEqualTo("invalid_token");
        assertThat(owner.get("/console/tokens").asString()).contains("revoked");
    }

    @Test
    void anotherUsersTokenCannotBeRevokedAndTokenNamesAreEscaped() {
        ConsoleClient owner = new ConsoleClient().signedIn(emails.get(Role.API_OWNER), TestAccounts.PASSWORD);
        String token = createToken(owner, "<script>alert(1)</script>\"><img src=x onerror=alert(2)>");
        String page = owner.get("/console/tokens").asString();
        assertThat(page).doesNotContain("<script>alert(1)").doesNotContain("<img src=x").contains("&lt;script&gt;alert(1)&lt;/script&gt;");
        Matcher revoke = Pattern.compile("action=\"/console/tokens/([0-9a-f-]+)/revoke\"").matcher(page);
        assertThat(revoke.find()).isTrue();

        ConsoleClient other = new ConsoleClient().signedIn(emails.get(Role.FINANCE), TestAccounts.PASSWORD);
        other.get("/console/tokens");
        assertThat(other.post("/console/tokens/" + revoke.group(1) + "/revoke", Map.of()).statusCode()).isEqualTo(404);
        assertThat(call(new Call("GET", "/admin/apis"), token).statusCode()).isEqualTo(200);
    }

    @Test
    void theBootstrapTokenIsAdminAndANodeCredentialIsNot() {
        assertThat(call(new Call("GET", "/admin/consumers"), EmbeddedPostgresResource.ADMIN_TOKEN).statusCode()).isEqualTo(200);
        String nodeToken = RestAssured.given().header("Authorization", "Bearer " + EmbeddedPostgresResource.ADMIN_TOKEN)
                .contentType("application/json").body("{\"nodeId\":\"matrix-node\"}")
                .post("/admin/nodes/credentials").then().statusCode(201).extract().path("token");
        assertThat(nodeToken).startsWith("ghn_");
        Response node = call(new Call("GET", "/admin/consumers"), nodeToken);
        assertThat(node.statusCode()).isEqualTo(401);
        assertThat(call(new Call("GET", "/admin/consumers"), "ghp_made-up").statusCode()).isEqualTo(401);
    }

    @Test
    void aSessionCookieDoesNotOpenTheAdminApi() {
        ConsoleClient admin = new ConsoleClient().signedIn(emails.get(Role.ADMIN), TestAccounts.PASSWORD);
        Response response = admin.request().get("/admin/consumers");
        assertThat(response.statusCode()).isEqualTo(401);
    }
}
