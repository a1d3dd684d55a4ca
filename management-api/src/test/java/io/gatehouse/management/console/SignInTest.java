package io.gatehouse.management.console;

import io.gatehouse.management.EmbeddedPostgresResource;
import io.gatehouse.management.accounts.Accounts;
import io.gatehouse.management.accounts.Role;
import io.gatehouse.management.accounts.SignInLimiter;
import io.quarkus.mailer.Mail;
import io.quarkus.mailer.MockMailbox;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class SignInTest {
    private static final Pattern RESET_LINK = Pattern.compile("https?://\\S+/console/password-reset/(\\S+)");

    @Inject
    Accounts accounts;

    @Inject
    SignInLimiter limiter;

    @Inject
    MockMailbox mailbox;

    @AfterEach
    void forgetFailures() {
        limiter.clear();
    }

    String account(Role role) {
        String email = TestAccounts.email(role);
        accounts.createLocal(email, Set.of(role.id()), "payments", TestAccounts.PASSWORD);
        return email;
    }

    @Test
    void anOwnerSignsInSeesTheirHomeAndSignsOut() {
        String email = account(Role.API_OWNER);
        ConsoleClient browser = new ConsoleClient();
        assertThat(browser.get("/console").header("Location")).endsWith("/console/sign-in");

        Response signedIn = browser.signIn(email, TestAccounts.PASSWORD);
        assertThat(signedIn.statusCode()).isEqualTo(303);
        String setCookie = signedIn.headers().getValues("Set-Cookie").stream()
                .filter(c -> c.startsWith(ConsoleClient.SESSION_COOKIE + "=")).findFirst().orElseThrow();
        assertThat(setCookie).containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Lax").containsIgnoringCase("Path=/");
        // Plain HTTP in this test: Secure would make the browser drop the cookie; over TLS it is set (SessionCookies).
        assertThat(setCookie).doesNotContainIgnoringCase("Secure");

        Response home = browser.get("/console");
        assertThat(home.statusCode()).isEqualTo(200);
        assertThat(home.asString()).contains(email).contains("Your team's APIs").contains("payments")
                .doesNotContain("Administration");

        String session = browser.session();
        assertThat(browser.post("/console/sign-out", Map.of()).header("Location")).endsWith("/console/sign-in");
        assertThat(browser.session()).isNull();

        ConsoleClient replay = new ConsoleClient();
        replay.cookies.put(ConsoleClient.SESSION_COOKIE, session);
        assertThat(replay.get("/console").statusCode()).as("a signed-out session is dead on the server too").isEqualTo(303);
    }

    @Test
    void signingInAgainIssuesANewSessionAndEndsTheOldOne() {
        String email = account(Role.FINANCE);
        ConsoleClient browser = new ConsoleClient().signedIn(email, TestAccounts.PASSWORD);
        String first = browser.session();
        browser.signedIn(email, TestAccounts.PASSWORD);
        assertThat(browser.session()).isNotEqualTo(first);

        ConsoleClient replay = new ConsoleClient();
        replay.cookies.put(ConsoleClient.SESSION_COOKIE, first);
        assertThat(replay.get("/console").statusCode()).isEqualTo(303);
        assertThat(browser.get("/console").statusCode()).isEqualTo(200);
    }

    @Test
    void aWrongPasswordIsRefused() {
        String email = account(Role.DEVELOPER);
        ConsoleClient browser = new ConsoleClient();
        Response refused = browser.signIn(email, "not the password at all");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.asString()).contains("The email or password is not right.");
        assertThat(browser.session()).isNull();
        assertThat(browser.get("/console").statusCode()).isEqualTo(303);

        assertThat(new ConsoleClient().signIn("nobody@gatehouse.test", TestAccounts.PASSWORD).statusCode()).isEqualTo(401);
    }

    @Test
    void afterFiveFailuresTheAccountIsThrottledEvenWithTheRightPassword() {
        String email = account(Role.COMPLIANCE);
        ConsoleClient browser = new ConsoleClient();
        for (int i = 0; i < 5; i++) {
            assertThat(browser.signIn(email, "guess " + i).statusCode()).isEqualTo(401);
        }
        Response throttled = browser.signIn(email, TestAccounts.PASSWORD);
        assertThat(throttled.statusCode()).isEqualTo(429);
        assertThat(Long.parseLong(throttled.header("Retry-After"))).isBetween(1L, 15 * 60L);
        assertThat(throttled.asString()).contains("Too many failed sign-ins");
        assertThat(browser.session()).isNull();

        // Another account from the same address is still let in: the address limit is higher.
        new ConsoleClient().signedIn(account(Role.COMPLIANCE), TestAccounts.PASSWORD);
    }

    @Test
    void oneAddressTryingManyAccountsIsThrottled() {
        for (int i = 0; i < 20; i++) {
            assertThat(new ConsoleClient().signIn("spray-" + i + "@gatehouse.test", "password123456").statusCode()).isEqualTo(401);
        }
        String email = account(Role.ADMIN);
        assertThat(new ConsoleClient().signIn(email, TestAccounts.PASSWORD).statusCode()).isEqualTo(429);
    }

    @Test
    void aPasswordResetLinkWorksOnceAndExpiresTheOldSessions() {
        String email = account(Role.API_OWNER);
        ConsoleClient stolen = new ConsoleClient().signedIn(email, TestAccounts.PASSWORD);
        mailbox.clear();

        ConsoleClient browser = new ConsoleClient();
        browser.get("/console/password-reset");
        Response asked = browser.post("/console/password-reset", Map.of("email", email));
        assertThat(asked.statusCode()).isEqualTo(200);
        assertThat(asked.asString()).contains("is on its way");
        List<Mail> mails = mailbox.getMailsSentTo(email);
        assertThat(mails).hasSize(1);
        Matcher link = RESET_LINK.matcher(mails.get(0).getText());
        assertThat(link.find()).as(mails.get(0).getText()).isTrue();
        String token = link.group(1);

        assertThat(browser.get("/console/password-reset/" + token).statusCode()).isEqualTo(200);
        Response weak = browser.post("/console/password-reset/" + token, Map.of("password", "short", "confirm", "short"));
        assertThat(weak.statusCode()).as("a refused password leaves the link usable").isEqualTo(400);
        String newPassword = "a much better passphrase";
        Response reset = browser.post("/console/password-reset/" + token, Map.of("password", newPassword, "confirm", newPassword));
        assertThat(reset.statusCode()).isEqualTo(200);
        assertThat(reset.asString()).contains("Your password is changed");

        Response reused = browser.post("/console/password-reset/" + token, Map.of("password", "yet another passphrase", "confirm", "yet another passphrase"));
        assertThat(reused.statusCode()).isEqualTo(410);
        assertThat(reused.asString()).contains("no longer valid");
        assertThat(browser.get("/console/password-reset/" + token).statusCode()).isEqualTo(410);

        assertThat(stolen.get("/console").statusCode()).as("sessions from before the reset are over").isEqualTo(303);
        assertThat(new ConsoleClient().signIn(email, TestAccounts.PASSWORD).statusCode()).isEqualTo(401);
        new ConsoleClient().signedIn(email, newPassword);
        new ConsoleClient().signIn(email, "yet another passphrase");
    }

    @Test
    void aResetForAnUnknownAddressLooksTheSameAndSendsNothing() {
        mailbox.clear();
        ConsoleClient browser = new ConsoleClient();
        browser.get("/console/password-reset");
        Response asked = browser.post("/console/password-reset", Map.of("email", "ghost@gatehouse.test"));
        assertThat(asked.statusCode()).isEqualTo(200);
        assertThat(asked.asString()).contains("is on its way");
        assertThat(mailbox.getTotalMessagesSent()).isZero();
    }

    @Test
    void aFormPostedWithoutItsCsrfTokenIsRefused() {
        String email = account(Role.ADMIN);
        ConsoleClient browser = new ConsoleClient();
        browser.get("/console/sign-in");
        Response noToken = browser.postRaw("/console/sign-in", Map.of("email", email, "password", TestAccounts.PASSWORD));
        assertThat(noToken.statusCode()).isEqualTo(400);
        assertThat(noToken.contentType()).startsWith("text/html");
        assertThat(browser.session()).isNull();

        browser.signedIn(email, TestAccounts.PASSWORD);
        Response forged = browser.postRaw("/console/tokens", Map.of("name", "forged", "csrf-token", "not-the-token"));
        assertThat(forged.statusCode()).isEqualTo(400);
        assertThat(browser.get("/console/tokens").asString()).doesNotContain("forged");
    }

    @Test
    void errorsArePagesWithoutStackTraces() {
        Response missing = new ConsoleClient().get("/console/no-such-page");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.contentType()).startsWith("text/html");
        assertThat(missing.asString()).contains("Not found").doesNotContain("Exception").doesNotContain("at io.");
    }
}
