package io.gatehouse.management.portal;

import io.gatehouse.management.EmbeddedPostgresResource;
import io.gatehouse.management.accounts.AccountsConfig;
import io.gatehouse.management.accounts.MailLimiter;
import io.gatehouse.management.accounts.OutboxMailer;
import io.gatehouse.management.console.ConsoleClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.gatehouse.management.portal.ReferencePageTest.unique;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Registering and asking for verification links mail strangers, so both are limited per address mailed and per source
 * address: past the limit the answer is 429 with Retry-After (a page, or JSON for a script) and no mail goes out.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class RegistrationLimitsTest {
    static final String PASSWORD = DeveloperPortalTest.PASSWORD;

    @Inject
    MailLimiter limiter;
    @Inject
    AccountsConfig config;
    @Inject
    Pool pool;

    @BeforeEach
    @AfterEach
    void forgetEarlierRegistrations() {
        // Every test of this run registers from 127.0.0.1; the limit under test starts from nothing and leaves nothing.
        limiter.clear();
    }

    Response register(ConsoleClient client, String email) {
        return client.post("/portal/register", Map.of("email", email, "name", "Dev", "password", PASSWORD, "confirm", PASSWORD));
    }

    @Test
    void oneNetworkRegisteringManyAccountsIsToldToWait() {
        ConsoleClient client = new ConsoleClient();
        client.get("/portal/register");
        int allowed = config.mailMaxPerAddress();
        for (int i = 0; i < allowed; i++) {
            String email = unique("many") + "@dev.test";
            assertThat(register(client, email).statusCode()).as("registration " + (i + 1) + " of " + allowed).isEqualTo(200);
        }
        String refusedEmail = unique("one-too-many") + "@dev.test";
        Response refused = register(client, refusedEmail);
        assertThat(refused.statusCode()).isEqualTo(429);
        long retryAfter = Long.parseLong(refused.header("Retry-After"));
        assertThat(retryAfter).as("seconds until the oldest registration leaves the window")
                .isBetween(config.mailWindow().toSeconds() - 60, config.mailWindow().toSeconds());
        assertThat(refused.asString()).contains("Too many registrations", "try again in");
        assertThat(OutboxMailer.to(pool, refusedEmail)).as("no mail for a refused registration").isEmpty();

        Response asJson = client.postAccepting("/portal/register", Map.of("email", refusedEmail, "name", "Dev", "password", PASSWORD,
                "confirm", PASSWORD), "application/json");
        assertThat(asJson.statusCode()).isEqualTo(429);
        assertThat(asJson.contentType()).startsWith("application/json");
        assertThat(asJson.jsonPath().getString("code")).isEqualTo("too_many_requests");
        assertThat(asJson.jsonPath().getLong("retryAfterSeconds")).isEqualTo(Long.parseLong(asJson.header("Retry-After")));
    }

    @Test
    void oneAddressIsNotMailedMoreThanTheLimitWhetherByRegistrationOrByAskingForNewLinks() {
        String email = unique("flooded") + "@dev.test";
        ConsoleClient client = new ConsoleClient();
        client.get("/portal/register");
        assertThat(register(client, email).statusCode()).isEqualTo(200);
        client.get("/portal/sign-in");
        assertThat(client.post("/portal/sign-in", Map.of("email", email, "password", PASSWORD)).statusCode()).isEqualTo(303);

        int perAddress = config.mailMaxPerRecipient();
        client.get("/portal/account");
        for (int i = 1; i < perAddress; i++) {
            Response resent = client.post("/portal/account/verification", Map.of());
            assertThat(resent.statusCode()).as("link " + (i + 1) + " of " + perAddress).isEqualTo(200);
            assertThat(resent.asString()).contains("data-testid=\"verification-sent\"");
        }
        Response throttled = client.post("/portal/account/verification", Map.of());
        assertThat(throttled.statusCode()).isEqualTo(429);
        assertThat(throttled.header("Retry-After")).isNotNull();
        assertThat(throttled.asString()).contains("data-testid=\"verification-throttled\"");
        assertThat(OutboxMailer.to(pool, email)).as("mails to the address: the limit, not one more").hasSize(perAddress);

        // Registering the address again from elsewhere is the same mail to the same inbox: refused too.
        ConsoleClient other = new ConsoleClient();
        other.get("/portal/register");
        assertThat(register(other, email.toUpperCase()).statusCode()).isEqualTo(429);
        assertThat(OutboxMailer.to(pool, email)).hasSize(perAddress);
    }
}
