package io.gatehouse.management.portal;

import io.gatehouse.management.EmbeddedPostgresResource;
import io.gatehouse.management.accounts.OutboxMailer;
import io.gatehouse.management.console.ConsoleClient;
import io.gatehouse.management.sync.ConfigPublisher;
import io.gatehouse.protocol.config.KeyGrant;
import io.gatehouse.protocol.keys.ApiKeys;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.gatehouse.management.portal.ReferencePageTest.admin;
import static io.gatehouse.management.portal.ReferencePageTest.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** A developer on their own: registers, verifies the address, and manages applications, subscriptions and keys. */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class DeveloperPortalTest {
    private static final Logger LOG = Logger.getLogger(DeveloperPortalTest.class);
    static final String PASSWORD = "a developer's long password";
    private static final Pattern LINK = Pattern.compile("(/portal/verify/[A-Za-z0-9_-]+)");
    private static final Pattern NEW_KEY = Pattern.compile("id=\"new-key\" type=\"text\" readonly value=\"([^\"]+)\"");
    private static final Pattern APP_ID = Pattern.compile("/portal/apps/([0-9a-f-]{36})$");

    @Inject
    Pool pool;
    @Inject
    ConfigPublisher publisher;
    @Inject
    io.gatehouse.management.usage.UsageStore usageStore;
    @Inject
    io.gatehouse.management.accounts.Accounts accounts;

    /** The verification link mailed to this address (read from the outbox, as an operator would from the log). */
    String verificationLink(String email) {
        List<OutboxMailer.Message> mail = OutboxMailer.to(pool, email);
        assertThat(mail).as("mail to " + email).isNotEmpty();
        Matcher m = LINK.matcher(mail.get(0).body());
        assertThat(m.find()).as(mail.get(0).body()).isTrue();
        return m.group(1);
    }

    /** Registers, verifies and signs in a new developer. */
    ConsoleClient developer(String email) {
        ConsoleClient client = new ConsoleClient();
        client.get("/portal/register");
        Response registered = client.post("/portal/register", Map.of("email", email, "name", "Dev " + email, "password", PASSWORD, "confirm", PASSWORD));
        assertThat(registered.statusCode()).as(registered.asString()).isEqualTo(200);
        assertThat(client.get(verificationLink(email)).statusCode()).isEqualTo(200);
        client.get("/portal/sign-in");
        Response signedIn = client.post("/portal/sign-in", Map.of("email", email, "password", PASSWORD));
        assertThat(signedIn.statusCode()).as(signedIn.asString()).isEqualTo(303);
        return client;
    }

    static String createApp(ConsoleClient client, String name) {
        client.get("/portal/apps");
        Response created = client.post("/portal/apps", Map.of("name", name, "description", "for tests"));
        assertThat(created.statusCode()).as(created.asString()).isEqualTo(303);
        Matcher m = APP_ID.matcher(created.header("Location"));
        assertThat(m.find()).as(created.header("Location")).isTrue();
        return m.group(1);
    }

    /** Publishes an API offering one plan; returns {apiId, planId}. */
    static String[] publishWithPlan(Map<String, Object> plan) {
        String title = unique("Orders");
        String document = ApiReferenceBuilderTest.resource("events-3.1.json").replace("\"title\": \"Events\"", "\"title\": \"" + title + "\"");
        Response published = admin().body(Map.of("document", document, "basePath", "/" + unique("orders"), "status", "PUBLISHED",
                "targets", List.of(Map.of("url", "http://127.0.0.1:9000")), "plans", List.of(plan))).post("/admin/apis/import");
        assertThat(published.statusCode()).as(published.asString()).isEqualTo(201);
        String apiId = published.jsonPath().getString("api.id");
        String planId = admin().get("/admin/plans?apiId=" + apiId).jsonPath().getString("items[0].id");
        return new String[] {apiId, planId};
    }

    static Map<String, Object> limitedPlan(boolean approval) {
        return Map.of("name", unique("gold"), "ratePerSecond", 20, "burst", 5, "monthlyQuota", 10000, "quotaMode", "HARD",
                "requiresApproval", approval);
    }

    static String newKey(Response page) {
        Matcher m = NEW_KEY.matcher(page.asString());
        assertThat(m.find()).as("the page shows the new key").isTrue();
        return m.group(1);
    }

    Row keyRow(String key) {
        return pool.preparedQuery("select id, name, prefix, expires_at, revoked_at from api_keys where key_hash = $1")
                .execute(Tuple.of(ApiKeys.hash(key))).await().atMost(Duration.ofSeconds(5)).iterator().next();
    }

    /** Polls (with a deadline) until the published snapshot's grant for this key satisfies the condition. */
    KeyGrant publishedGrant(String key, java.util.function.Predicate<KeyGrant> condition) {
        String hash = ApiKeys.hash(key);
        Supplier<KeyGrant> grant = () -> io.gatehouse.management.PublishedConfig.key(pool, hash);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            KeyGrant g = grant.get();
            if (g != null && condition.test(g) || g == null && condition.test(null)) {
                return g;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        throw new AssertionError("the published snapshot never showed the expected grant for " + ApiKeys.displayPrefix(key));
    }

    @Test
    void aDeveloperRegistersVerifiesTheAddressOnceAndOnlyThenCreatesApplications() {
        String email = unique("ada") + "@dev.test";
        ConsoleClient client = new ConsoleClient();
        client.get("/portal/register");
        Response weak = client.post("/portal/register", Map.of("email", email, "name", "Ada", "password", "short", "confirm", "short"));
        assertThat(weak.statusCode()).isEqualTo(400);
        assertThat(weak.asString()).contains("at least 12 characters");
        Response registered = client.post("/portal/register", Map.of("email", email, "name", "<b>Ada</b>", "password", PASSWORD, "confirm", PASSWORD));
        assertThat(registered.statusCode()).isEqualTo(200);
        assertThat(registered.asString()).contains("data-testid=\"registration-sent\"");

        // Registering the same address again tells nothing on the page; the owner gets a mail instead.
        Response again = client.post("/portal/register", Map.of("email", email.toUpperCase(), "name", "Eve", "password", PASSWORD + "x", "confirm", PASSWORD + "x"));
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(OutboxMailer.to(pool, email)).hasSize(2);
        List<OutboxMailer.Message> mail = OutboxMailer.to(pool, email);
        assertThat(verificationLinkOf(mail.get(0).body())).as("the second mail only says the account exists").isNull();
        String link = verificationLinkOf(mail.get(1).body());
        assertThat(link).as("the first mail holds the link").isNotNull();

        client.get("/portal/sign-in");
        assertThat(client.post("/portal/sign-in", Map.of("email", email, "password", PASSWORD)).statusCode()).isEqualTo(303);
        Response unverified = client.get("/portal/apps");
        assertThat(unverified.statusCode()).isEqualTo(200);
        assertThat(unverified.asString()).contains("data-testid=\"verify-first\"").doesNotContain("id=\"create-app\"");
        Response refused = client.post("/portal/apps", Map.of("name", "too early"));
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.asString()).contains("verify your email address first");

        Response verified = new ConsoleClient().get(link);
        assertThat(verified.statusCode()).isEqualTo(200);
        assertThat(verified.asString()).contains("data-testid=\"verified\"");
        assertThat(new ConsoleClient().get(link).statusCode()).as("a link works once").isEqualTo(410);
        assertThat(new ConsoleClient().get("/portal/verify/" + UUID.randomUUID()).statusCode()).isEqualTo(410);

        String appId = createApp(client, "Ada's <shop>");
        Response page = client.get("/portal/apps/" + appId);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.asString()).contains("Ada&#39;s &lt;shop&gt;").doesNotContain("<shop>");
        assertThat(client.get("/portal/account").asString()).contains("&lt;b&gt;Ada&lt;/b&gt;").contains("verified");
        Row consumer = pool.preparedQuery("select c.username, c.email from consumers c join users u on u.id = c.user_id where lower(u.email) = $1")
                .execute(Tuple.of(email)).await().atMost(Duration.ofSeconds(5)).iterator().next();
        assertThat(consumer.getString("email")).isEqualTo(email);
        Row role = pool.preparedQuery("select roles from users where lower(email) = $1").execute(Tuple.of(email))
                .await().atMost(Duration.ofSeconds(5)).iterator().next();
        assertThat(role.getString("roles")).isEqualTo("developer");
    }

    private static String verificationLinkOf(String body) {
        Matcher m = LINK.matcher(body);
        return m.find() ? m.group(1) : null;
    }

    @Test
    void developerSubscribesCreatesRotatesWithAGracePeriodAndRevokesKeys() {
        String[] api = publishWithPlan(limitedPlan(false));
        String email = unique("grace") + "@dev.test";
        ConsoleClient client = developer(email);
        String appId = createApp(client, "Shop");

        client.get("/portal/apps/" + appId);
        Response subscribed = client.post("/portal/apps/" + appId + "/subscriptions", Map.of("offer", api[0] + ":" + api[1]));
        assertThat(subscribed.statusCode()).as(subscribed.asString()).isEqualTo(303);
        String page = client.get("/portal/apps/" + appId).asString();
        assertThat(page).contains("data-testid=\"subscription-state\">active<").contains("20 requests/s (burst 5)").contains("10000 requests a month");

        Response created = client.post("/portal/apps/" + appId + "/keys", Map.of("name", "production <server>"));
        assertThat(created.statusCode()).isEqualTo(200);
        assertThat(created.header("Cache-Control")).isEqualTo("no-store");
        String key = newKey(created);
        Row stored = keyRow(key);
        assertThat(stored.getString("name")).isEqualTo("production <server>");
        String listed = client.get("/portal/apps/" + appId).asString();
        assertThat(listed).as("a key is shown once").doesNotContain(key).contains(stored.getString("prefix") + "…")
                .contains("production &lt;server&gt;");
        assertThat(publishedGrant(key, g -> g != null && g.expiresAt() == null)).isNotNull();

        Response tooLong = client.post("/portal/apps/" + appId + "/keys/" + stored.getUUID("id") + "/rotate",
                Map.of("grace", "8", "graceUnit", "days"));
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(tooLong.asString()).contains("from 0 seconds up to 7 days");

        Instant before = Instant.now();
        Response rotated = client.post("/portal/apps/" + appId + "/keys/" + stored.getUUID("id") + "/rotate", Map.of("grace", "30", "graceUnit", "minutes"));
        assertThat(rotated.statusCode()).isEqualTo(200);
        String replacement = newKey(rotated);
        assertThat(replacement).isNotEqualTo(key);
        assertThat(keyRow(replacement).getString("name")).as("the new key keeps the name").isEqualTo("production <server>");
        Instant oldExpiry = keyRow(key).getOffsetDateTime("expires_at").toInstant();
        assertThat(oldExpiry).isBetween(before.plus(Duration.ofMinutes(30)).minusSeconds(1), Instant.now().plus(Duration.ofMinutes(30)).plusSeconds(1));
        long start = System.nanoTime();
        KeyGrant oldGrant = publishedGrant(key, g -> g != null && g.expiresAt() != null);
        LOG.infof("rotation reached the published snapshot in %d ms", (System.nanoTime() - start) / 1_000_000);
        assertThat(oldGrant.expiresAt()).isEqualTo(oldExpiry);
        assertThat(publishedGrant(replacement, g -> g != null)).isNotNull();

        Response revoked = client.post("/portal/apps/" + appId + "/keys/" + keyRow(replacement).getUUID("id") + "/revoke", Map.of());
        assertThat(revoked.statusCode()).isEqualTo(303);
        assertThat(keyRow(replacement).getOffsetDateTime("revoked_at")).isNotNull();
        publishedGrant(replacement, g -> g == null);

        Row history = pool.preparedQuery("select count(*) as n from change_records where actor = $1 and entity_type = 'api_key' and action in ('create', 'rotate', 'revoke')")
                .execute(Tuple.of(email)).await().atMost(Duration.ofSeconds(5)).iterator().next();
        assertThat(history.getLong("n")).as("every key change is recorded as the developer's").isEqualTo(4);

        Response unsubscribe = client.post("/portal/apps/" + appId + "/subscriptions/" + subscriptionOf(appId) + "/close", Map.of());
        assertThat(unsubscribe.statusCode()).isEqualTo(303);
        assertThat(client.get("/portal/apps/" + appId).asString()).contains("data-testid=\"subscription-state\">ended<");
    }

    boolean publishedSubscription(String id) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (io.gatehouse.management.PublishedConfig.subscription(pool, id) != null) {
                return true;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        return false;
    }

    String subscriptionOf(String appId) {
        return pool.preparedQuery("select id from subscriptions where application_id = $1 order by created_at desc limit 1")
                .execute(Tuple.of(UUID.fromString(appId))).await().atMost(Duration.ofSeconds(5)).iterator().next().getUUID("id").toString();
    }

    @Test
    void aPlanThatNeedsApprovalWaitsForTheOwnerAndTheDeveloperSeesTheRejectionsReason() {
        String[] api = publishWithPlan(limitedPlan(true));
        ConsoleClient client = developer(unique("wait") + "@dev.test");
        String appId = createApp(client, "Waiting");
        client.get("/portal/apps/" + appId);
        assertThat(client.post("/portal/apps/" + appId + "/subscriptions", Map.of("offer", api[0] + ":" + api[1])).statusCode()).isEqualTo(303);
        assertThat(client.get("/portal/apps/" + appId).asString()).contains("waiting for approval");
        String subscription = subscriptionOf(appId);
        assertThat(io.gatehouse.management.PublishedConfig.subscription(pool, subscription))
                .as("a pending subscription never reaches the gateways").isNull();

        // The API's owner decides on the console's API page.
        String team = unique("orders-team");
        pool.preparedQuery("update apis set owner_team = $2 where id = $1").execute(Tuple.of(UUID.fromString(api[0]), team))
                .await().atMost(Duration.ofSeconds(5));
        String ownerEmail = unique("owner") + "@gatehouse.test";
        accounts.createLocal(ownerEmail, java.util.Set.of("api-owner"), team, PASSWORD);
        ConsoleClient owner = new ConsoleClient().signedIn(ownerEmail, PASSWORD);
        String console = owner.get("/console/apis/" + api[0] + "/subscriptions").asString();
        assertThat(console).contains(subscription);
        Response rejected = owner.post("/console/apis/" + api[0] + "/subscriptions/" + subscription + "/reject",
                Map.of("reason", "Tell us about <your> use case"));
        assertThat(rejected.statusCode()).as(rejected.asString()).isEqualTo(303);
        String page = client.get("/portal/apps/" + appId).asString();
        assertThat(page).contains(">rejected<").contains("Reason: Tell us about &lt;your&gt; use case");

        // Asking again after a rejection is a new request; this time the owner approves.
        client.post("/portal/apps/" + appId + "/subscriptions", Map.of("offer", api[0] + ":" + api[1]));
        String second = subscriptionOf(appId);
        owner.get("/console/apis/" + api[0] + "/subscriptions");
        assertThat(owner.post("/console/apis/" + api[0] + "/subscriptions/" + second + "/approve", Map.of()).statusCode()).isEqualTo(303);
        assertThat(publishedSubscription(second)).as("an approved subscription reaches the gateways").isTrue();
        assertThat(client.get("/portal/apps/" + appId).asString()).contains(">active<");
    }

    @Test
    void aDeveloperNeverSeesOrTouchesAnotherDevelopersApplicationsKeysOrUsage() {
        String[] api = publishWithPlan(limitedPlan(false));
        ConsoleClient alice = developer(unique("alice") + "@dev.test");
        String appId = createApp(alice, "Alice's app");
        alice.get("/portal/apps/" + appId);
        alice.post("/portal/apps/" + appId + "/subscriptions", Map.of("offer", api[0] + ":" + api[1]));
        String key = newKey(alice.post("/portal/apps/" + appId + "/keys", Map.of("name", "alice key")));
        String keyId = keyRow(key).getUUID("id").toString();
        String prefix = keyRow(key).getString("prefix");

        ConsoleClient bob = developer(unique("bob") + "@dev.test");
        String bobsApp = createApp(bob, "Bob's app");
        assertThat(bob.get("/portal/apps/" + appId).statusCode()).isEqualTo(404);
        assertThat(bob.get("/portal/apps/" + appId + "/usage").statusCode()).isEqualTo(404);
        Response json = RestAssured.given().cookies(Map.of(ConsoleClient.SESSION_COOKIE, bob.session())).accept("application/json")
                .get("/portal/apps/" + appId + "/usage");
        assertThat(json.statusCode()).isEqualTo(404);
        assertThat(json.jsonPath().getString("code")).isEqualTo("not_found");
        bob.get("/portal/apps");
        for (String path : List.of("/keys/" + keyId + "/revoke", "/keys/" + keyId + "/rotate", "/rename", "/delete", "/subscriptions")) {
            Response r = bob.post("/portal/apps/" + appId + path, Map.of("grace", "1", "name", "mine", "offer", api[0] + ":" + api[1]));
            assertThat(r.statusCode()).as(path).isEqualTo(404);
        }
        // Alice's key id under Bob's own application is not found either.
        assertThat(bob.post("/portal/apps/" + bobsApp + "/keys/" + keyId + "/revoke", Map.of()).statusCode()).isEqualTo(404);
        assertThat(keyRow(key).getOffsetDateTime("revoked_at")).isNull();
        for (String path : List.of("/portal/apps", "/portal/apps/" + bobsApp, "/portal/apps/" + bobsApp + "/usage", "/portal/account")) {
            assertThat(bob.get(path).asString()).as(path).doesNotContain(prefix).doesNotContain("Alice's app");
        }

        Response noCsrf = alice.postRaw("/portal/apps/" + appId + "/keys/" + keyId + "/revoke", Map.of());
        assertThat(noCsrf.statusCode()).as("a form without its CSRF token is refused").isIn(400, 403);
        assertThat(keyRow(key).getOffsetDateTime("revoked_at")).isNull();
        assertThat(RestAssured.given().redirects().follow(false).get("/portal/apps").statusCode()).as("anonymous visitors are sent to sign in").isEqualTo(303);
    }

    @Test
    void deletingTheAccountRevokesTheKeysErasesThePersonAndKeepsTheUsageAnonymous() {
        String[] api = publishWithPlan(limitedPlan(false));
        String email = unique("gone") + "@dev.test";
        ConsoleClient client = developer(email);
        String appId = createApp(client, "Soon gone");
        client.get("/portal/apps/" + appId);
        client.post("/portal/apps/" + appId + "/subscriptions", Map.of("offer", api[0] + ":" + api[1]));
        String key = newKey(client.post("/portal/apps/" + appId + "/keys", Map.of("name", "k")));
        UUID consumerId = pool.preparedQuery("select consumer_id from applications where id = $1").execute(Tuple.of(UUID.fromString(appId)))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getUUID("consumer_id");

        client.get("/portal/account");
        assertThat(client.post("/portal/account/delete", Map.of("confirm", "someone@else.test")).statusCode()).isEqualTo(400);
        Response deleted = client.post("/portal/account/delete", Map.of("confirm", email));
        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(deleted.asString()).contains("data-testid=\"account-deleted\"");

        assertThat(keyRow(key).getOffsetDateTime("revoked_at")).isNotNull();
        assertThat(pool.preparedQuery("select count(*) as n from users where lower(email) = $1").execute(Tuple.of(email))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getLong("n")).isZero();
        assertThat(OutboxMailer.to(pool, email)).isEmpty();
        Row consumer = pool.preparedQuery("select username, email, user_id from consumers where id = $1").execute(Tuple.of(consumerId))
                .await().atMost(Duration.ofSeconds(5)).iterator().next();
        assertThat(consumer.getString("email")).isNull();
        assertThat(consumer.getString("username")).doesNotContain(email.substring(0, email.indexOf('@')));
        assertThat(pool.preparedQuery("select status from subscriptions where application_id = $1").execute(Tuple.of(UUID.fromString(appId)))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getString("status")).isEqualTo("CLOSED");
        assertThat(client.get("/portal/apps").statusCode()).as("the session ended with the account").isEqualTo(303);
        client.get("/portal/sign-in");
        assertThat(client.post("/portal/sign-in", Map.of("email", email, "password", PASSWORD)).statusCode()).isEqualTo(401);
    }

    @Test
    void usageShowsRequestsPerDayByStatusClassTheQuotaLeftAndTheRateLimitAsAChartAndAsJson() throws Exception {
        String[] api = publishWithPlan(limitedPlan(false));
        ConsoleClient client = developer(unique("usage") + "@dev.test");
        String appId = createApp(client, "Busy");
        client.get("/portal/apps/" + appId);
        client.post("/portal/apps/" + appId + "/subscriptions", Map.of("offer", api[0] + ":" + api[1]));
        String otherApp = createApp(client, "Quiet");
        client.get("/portal/apps/" + otherApp);
        client.post("/portal/apps/" + otherApp + "/subscriptions", Map.of("offer", api[0] + ":" + api[1]));
        String subscription = subscriptionOf(appId);
        String consumer = pool.preparedQuery("select consumer_id from applications where id = $1").execute(Tuple.of(UUID.fromString(appId)))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getUUID("consumer_id").toString();
        Instant hour = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.HOURS);

        // What gateway nodes report (this suite runs with no audit trail read for usage): today 8 answers of which
        // 5 2xx, 2 4xx (one the plan's 429, refused) and 1 5xx, in two reports; yesterday 3 2xx; and the other
        // application's 5xx, which is not this one's.
        String node = "node-usage-" + UUID.randomUUID().toString().substring(0, 8);
        usageStore.store(node, new io.gatehouse.protocol.sync.NodeMessage.UsageReport("usage-a-" + node, List.of(
                new io.gatehouse.protocol.usage.UsageRecord(subscription, consumer, appId, api[0], api[1], hour, 103, 1, new long[] {0, 3, 0, 2, 1}),
                new io.gatehouse.protocol.usage.UsageRecord(subscription, consumer, appId, api[0], api[1], hour.minus(Duration.ofDays(1)), 3, 0,
                        new long[] {0, 3, 0, 0, 0}),
                new io.gatehouse.protocol.usage.UsageRecord(subscriptionOf(otherApp), consumer, otherApp, api[0], api[1], hour, 1, 0,
                        new long[] {0, 0, 0, 0, 1})), 1L)).await().atMost(Duration.ofSeconds(5));
        usageStore.store(node, new io.gatehouse.protocol.sync.NodeMessage.UsageReport("usage-b-" + node, List.of(
                new io.gatehouse.protocol.usage.UsageRecord(subscription, consumer, appId, api[0], api[1], hour, 17, 0, new long[] {0, 2, 0, 0, 0})),
                2L)).await().atMost(Duration.ofSeconds(5));

        Response json = RestAssured.given().cookies(Map.of(ConsoleClient.SESSION_COOKIE, client.session())).accept("application/json")
                .get("/portal/apps/" + appId + "/usage");
        assertThat(json.statusCode()).as(json.asString()).isEqualTo(200);
        assertThat(json.jsonPath().getList("apis")).hasSize(1);
        assertThat(json.jsonPath().getList("apis[0].days")).hasSize(30);
        assertThat(json.jsonPath().getInt("apis[0].days[29].success")).isEqualTo(5);
        assertThat(json.jsonPath().getInt("apis[0].days[29].clientError")).isEqualTo(2);
        assertThat(json.jsonPath().getInt("apis[0].days[29].serverError")).isEqualTo(1);
        assertThat(json.jsonPath().getInt("apis[0].days[28].success")).isEqualTo(3);
        assertThat(json.jsonPath().getInt("apis[0].requests")).isEqualTo(11);
        // Yesterday's 3 admitted count towards this month's quota unless today is the 1st.
        int used = 120 + (hour.minus(Duration.ofDays(1)).atOffset(java.time.ZoneOffset.UTC).getMonth() == hour.atOffset(java.time.ZoneOffset.UTC).getMonth() ? 3 : 0);
        assertThat(json.jsonPath().getInt("apis[0].quota.used")).as("admitted this period").isEqualTo(used);
        assertThat(json.jsonPath().getInt("apis[0].quota.remaining")).isEqualTo(10_000 - used);
        assertThat(json.jsonPath().getInt("apis[0].plan.ratePerSecond")).isEqualTo(20);
        assertThat(json.jsonPath().getMap("apis[0]")).doesNotContainKey("chart");

        String html = RestAssured.given().cookies(Map.of(ConsoleClient.SESSION_COOKIE, client.session())).accept("text/html")
                .get("/portal/apps/" + appId + "/usage").asString();
        assertThat(html).contains("data-testid=\"usage-chart\"").contains("data-status-class=\"4xx\" data-count=\"2\"")
                .contains("data-status-class=\"2xx\" data-count=\"3\"").contains(used + " of 10000 used, " + (10_000 - used) + " left").contains("20 requests/s (burst 5)");
    }

    @Test
    void aDeprecatedApiShowsItsSunsetDateInTheCatalog() {
        String[] api = publishWithPlan(limitedPlan(false));
        Instant sunset = Instant.parse("2031-03-01T00:00:00Z");
        Response tooEarly = admin().body(Map.of("sunsetAt", sunset.toString())).put("/admin/apis/" + api[0] + "/sunset");
        assertThat(tooEarly.statusCode()).as("only a deprecated API has a sunset").isEqualTo(409);
        pool.preparedQuery("update apis set status = 'DEPRECATED' where id = $1").execute(Tuple.of(UUID.fromString(api[0])))
                .await().atMost(Duration.ofSeconds(5));
        assertThat(admin().body(Map.of("sunsetAt", "2001-01-01T00:00:00Z")).put("/admin/apis/" + api[0] + "/sunset").statusCode()).isEqualTo(400);
        Response set = admin().body(Map.of("sunsetAt", sunset.toString())).put("/admin/apis/" + api[0] + "/sunset");
        assertThat(set.statusCode()).as(set.asString()).isEqualTo(200);

        String name = admin().get("/admin/apis/" + api[0]).jsonPath().getString("name");
        Response catalog = RestAssured.given().accept("application/json").queryParam("q", name).get("/portal/apis");
        assertThat(catalog.jsonPath().getString("entries[0].versions[0].sunsetAt")).isEqualTo("2031-03-01");
        String html = RestAssured.given().accept("text/html").queryParam("q", name).get("/portal/apis").asString();
        assertThat(html).contains("data-testid=\"sunset\"").contains("<time datetime=\"2031-03-01\">2031-03-01</time>");
        assertThat(set.jsonPath().getString("sunsetAt")).isEqualTo("2031-03-01T00:00:00Z");
        assertThat(RestAssured.given().get("/portal/apis/" + api[0] + "/reference").asString())
                .contains("<time datetime=\"2031-03-01\" data-testid=\"sunset\">2031-03-01</time>");
    }

    @Test
    void tryItGetsTheDocumentWithTheGatewayAsItsOnlyServerAndSwaggerUiFromTheWebjar() {
        String basePath = "/" + unique("pets");
        String yaml = ApiReferenceBuilderTest.resource("petstore-3.0.yaml").replaceFirst("title: Petstore", "title: " + unique("Petstore"));
        Response published = admin().body(Map.of("document", yaml, "basePath", basePath, "status", "PUBLISHED",
                "targets", List.of(Map.of("url", "http://127.0.0.1:9000")))).post("/admin/apis/import");
        assertThat(published.statusCode()).as(published.asString()).isEqualTo(201);
        String apiId = published.jsonPath().getString("api.id");

        Response document = RestAssured.given().get("/portal/apis/" + apiId + "/openapi.json");
        assertThat(document.statusCode()).isEqualTo(200);
        assertThat(document.jsonPath().getList("servers")).hasSize(1);
        assertThat(document.jsonPath().getString("servers[0].url")).endsWith(basePath).startsWith("http");
        assertThat(document.jsonPath().getMap("paths")).isNotEmpty();
        assertThat(RestAssured.given().get("/portal/apis/" + UUID.randomUUID() + "/openapi.json").statusCode()).isEqualTo(404);

        String page = RestAssured.given().get("/portal/apis/" + apiId + "/reference").asString();
        assertThat(page).contains("data-testid=\"try-it\"").contains("data-document=\"/portal/apis/" + apiId + "/openapi.json\"")
                .contains("data-swagger-ui=\"/webjars/swagger-ui/5.34.1\"");
        assertThat(RestAssured.given().get("/webjars/swagger-ui/5.34.1/swagger-ui-bundle.js").statusCode()).isEqualTo(200);
        assertThat(RestAssured.given().get("/console/assets/try-it.js").statusCode()).isEqualTo(200);
    }
}
