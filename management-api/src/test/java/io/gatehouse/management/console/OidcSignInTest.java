package io.gatehouse.management.console;

import io.gatehouse.management.EmbeddedPostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Sign-in through a real OIDC provider: authorization code flow with PKCE, roles from the token's groups claim. */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
@QuarkusTestResource(value = MockOidcProvider.class, restrictToAnnotatedClass = true)
class OidcSignInTest {

    static DefaultOAuth2TokenCallback person(String email, List<String> groups, String team) {
        return new DefaultOAuth2TokenCallback(MockOidcProvider.ISSUER, UUID.randomUUID().toString(), "JWT",
                List.of(MockOidcProvider.CLIENT_ID), Map.of("email", email, "groups", groups, "team", team), 3600);
    }

    @Test
    void anOwnerSignsInThroughTheProviderWithRolesFromTheTokenClaim() {
        String email = "owner-" + UUID.randomUUID().toString().substring(0, 8) + "@idp.test";
        MockOidcProvider.server.enqueueCallback(person(email, List.of("api-owner", "not-a-gatehouse-role"), "payments"));
        Map<String, String> cookies = new HashMap<>();

        Response signInPage = RestAssured.given().get("/console/sign-in");
        assertThat(signInPage.asString()).contains("Sign in with your identity provider").doesNotContain("id=\"password\"");

        Response toProvider = get(cookies, "/console/sso");
        assertThat(toProvider.statusCode()).isEqualTo(302);
        String authorize = toProvider.header("Location");
        assertThat(authorize).startsWith(MockOidcProvider.server.issuerUrl(MockOidcProvider.ISSUER).toString())
                .contains("code_challenge=").contains("code_challenge_method=S256");

        Response backWithCode = RestAssured.given().urlEncodingEnabled(false).redirects().follow(false).get(authorize);
        assertThat(backWithCode.statusCode()).isEqualTo(302);
        String callback = backWithCode.header("Location");
        assertThat(callback).contains("/console/sso").contains("code=");

        Response codeExchanged = get(cookies, callback);
        assertThat(codeExchanged.statusCode()).as(codeExchanged.asString()).isEqualTo(302);
        Response sessionStarted = get(cookies, codeExchanged.header("Location"));
        assertThat(sessionStarted.statusCode()).as(sessionStarted.asString()).isEqualTo(303);
        assertThat(sessionStarted.header("Location")).endsWith("/console");
        assertThat(cookies).containsKey(ConsoleClient.SESSION_COOKIE);

        Response home = get(cookies, "/console");
        assertThat(home.statusCode()).isEqualTo(200);
        assertThat(home.asString()).contains(email).contains("Your team's APIs").contains("payments")
                .doesNotContain("Administration").doesNotContain("not-a-gatehouse-role");
        assertThat(get(cookies, "/console/users").statusCode()).isEqualTo(403);
    }

    @Test
    void aDevelopersFirstSignInThroughThePortalCreatesTheirVerifiedDeveloperAccount() {
        String email = "dev-" + UUID.randomUUID().toString().substring(0, 8) + "@idp.test";
        MockOidcProvider.server.enqueueCallback(person(email, List.of(), "outside"));
        Map<String, String> cookies = new HashMap<>();
        Response toProvider = get(cookies, "/portal/sso");
        assertThat(toProvider.statusCode()).isEqualTo(302);
        Response backWithCode = RestAssured.given().urlEncodingEnabled(false).redirects().follow(false).get(toProvider.header("Location"));
        assertThat(backWithCode.header("Location")).contains("/portal/sso").contains("code=");
        Response codeExchanged = get(cookies, backWithCode.header("Location"));
        Response sessionStarted = get(cookies, codeExchanged.header("Location"));
        assertThat(sessionStarted.statusCode()).as(sessionStarted.asString()).isEqualTo(303);
        assertThat(sessionStarted.header("Location")).endsWith("/portal/apps");

        Response apps = get(cookies, "/portal/apps");
        assertThat(apps.statusCode()).as(apps.asString()).isEqualTo(200);
        assertThat(apps.asString()).as("the provider vouches for the address").contains("id=\"create-app\"").doesNotContain("verify-first");
        assertThat(get(cookies, "/portal/account").asString()).contains(email).contains(">verified<");
        assertThat(get(cookies, "/console/users").statusCode()).as("a developer only").isEqualTo(403);
    }

    @Test
    void theBuiltInPasswordFormIsOffWhileAProviderIsConfigured() {
        ConsoleClient browser = new ConsoleClient();
        // The page has no password form, so no CSRF token either: a hand-made post is refused one way or the other.
        Response refused = browser.signIn("anyone@gatehouse.test", TestAccounts.PASSWORD);
        assertThat(refused.statusCode()).isIn(400, 403);
        assertThat(browser.session()).isNull();
    }

    @Test
    void theAdminApiAcceptsTheProvidersBearerTokensWithTheirRoles() {
        String finance = MockOidcProvider.server.issueToken(MockOidcProvider.ISSUER, MockOidcProvider.CLIENT_ID,
                person("finance@idp.test", List.of("finance"), "billing")).serialize();
        Response usage = RestAssured.given().header("Authorization", "Bearer " + finance)
                .get("/admin/consumers/" + UUID.randomUUID() + "/usage");
        assertThat(usage.statusCode()).as(usage.asString()).isNotIn(401, 403);
        Response apis = RestAssured.given().header("Authorization", "Bearer " + finance).get("/admin/apis");
        assertThat(apis.statusCode()).isEqualTo(403);

        String admin = MockOidcProvider.server.issueToken(MockOidcProvider.ISSUER, MockOidcProvider.CLIENT_ID,
                person("root@idp.test", List.of("admin"), "platform")).serialize();
        assertThat(RestAssured.given().header("Authorization", "Bearer " + admin).get("/admin/apis").statusCode()).isEqualTo(200);
        assertThat(RestAssured.given().header("Authorization", "Bearer " + EmbeddedPostgresResource.ADMIN_TOKEN)
                .get("/admin/apis").statusCode()).as("the bootstrap token keeps working beside OIDC").isEqualTo(200);
        assertThat(RestAssured.given().header("Authorization", "Bearer " + admin + "x").get("/admin/apis").statusCode()).isEqualTo(401);
    }

    private static Response get(Map<String, String> cookies, String url) {
        Response response = RestAssured.given().urlEncodingEnabled(false).redirects().follow(false).cookies(cookies).get(url);
        response.getDetailedCookies().asList().forEach(c -> {
            if (c.getMaxAge() == 0 || c.getValue().isEmpty()) {
                cookies.remove(c.getName());
            } else {
                cookies.put(c.getName(), c.getValue());
            }
        });
        return response;
    }
}
