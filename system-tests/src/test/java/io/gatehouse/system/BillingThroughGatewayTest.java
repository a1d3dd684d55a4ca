package io.gatehouse.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.billing.stripe.FakeStripe;
import io.gatehouse.billing.stripe.WebhookSignature;
import io.gatehouse.gateway.GatewayNode;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.keys.ApiKeys;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.gatehouse.system.Http.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Billing end to end: the packaged control plane as its own process, a real gateway node, the Stripe-compatible test
 * server. Overage reaches Stripe exactly; a failed payment (a signed Stripe webhook through the control plane's HTTP
 * endpoint) turns the consumer's key into 402 at the gateway after the grace period and a paid invoice lifts it; and a
 * control plane killed with SIGKILL while Stripe holds its answer neither loses nor doubles an event.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BillingThroughGatewayTest {
    private static final String STRIPE_KEY = "sk_test_system";
    private static final String WEBHOOK_SECRET = "whsec_system_test";
    private static final Duration GRACE = Duration.ofSeconds(4);
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    @TempDir
    static Path dir;
    FakeStripe stripe;
    Platform platform;
    GatewayNode node;

    @BeforeAll
    void start() throws Exception {
        stripe = new FakeStripe(STRIPE_KEY);
        platform = new Platform(dir, Map.of(
                "GATEHOUSE_STRIPE_API_KEY", STRIPE_KEY,
                "GATEHOUSE_STRIPE_API_BASE", stripe.url(),
                "GATEHOUSE_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET,
                "GATEHOUSE_BILLING_GRACE_PERIOD", GRACE.toString(),
                "GATEHOUSE_BILLING_RESEND_AFTER", "PT3S",
                "GATEHOUSE_BILLING_METER_EVERY", "PT1S",
                "GATEHOUSE_BILLING_SEND_EVERY", "PT0.5S"));
        node = platform.startGateway("billing-a");
    }

    @AfterAll
    void stop() throws Exception {
        platform.close();
        stripe.close();
    }

    /** A paid SOFT-quota plan with a rate limit: {@code quota} requests included, then 2 cents each. */
    private Platform.Tenant paidTenant(String label, long quota) {
        Platform.Tenant tenant = platform.newTenant(label, Map.of("ratePerSecond", 200, "burst", 400, "monthlyQuota", quota, "quotaMode", "SOFT",
                "pricing", Map.of("currency", "USD", "basePrice", 900, "includedUnits", quota, "unitPrice", 2)));
        String keyHash = ApiKeys.hash(tenant.key());
        await(Duration.ofSeconds(10), "the node to know the API and key",
                () -> node.config().current() != null && node.config().current().keys().lookup(keyHash) != null);
        return tenant;
    }

    /** An order posted through the gateway with the tenant's key. */
    private Http.Response order(Platform.Tenant tenant) {
        return Http.call(node, "POST", tenant.basePath() + "/orders", "{\"sku\":\"A-17\",\"quantity\":2}",
                "X-API-Key", tenant.key(), "Content-Type", "application/json");
    }

    private String customerOnceProvisioned(Platform.Tenant tenant) {
        await(Duration.ofSeconds(30), "a Stripe customer for the paid subscription", () -> stripe.customerOf(tenant.consumerId()) != null);
        return stripe.customerOf(tenant.consumerId());
    }

    @Test
    void overagePastTheIncludedRequestsIsBilledThroughStripeExactly() {
        long quota = 20;
        long calls = 57;
        Platform.Tenant tenant = paidTenant("billed", quota);

        Load load = new Load().run(List.of(node), 2, tenant.basePath() + "/items", tenant.key(), calls, Duration.ofSeconds(60), () -> false);
        System.out.println("billed tenant: " + load);
        assertThat(load.ok()).isEqualTo(calls);

        Duration took = await(Duration.ofSeconds(60), "the overage to reach Stripe", () -> {
            String customer = stripe.customerOf(tenant.consumerId());
            return customer != null && stripe.meterEventTotal(customer) == calls - quota;
        });
        System.out.println("overage at Stripe " + took + " after the last call");
        JsonNode events = platform.admin.get("/admin/billing/events?consumerId=" + tenant.consumerId()).body();
        long units = 0;
        for (JsonNode e : events) {
            assertThat(e.path("state").asText()).isEqualTo("ACKNOWLEDGED");
            units += e.path("units").asLong();
        }
        assertThat(units).isEqualTo(calls - quota);
        assertThat(stripe.meterEventTotal(stripe.customerOf(tenant.consumerId()))).isEqualTo(calls - quota);
        JsonNode projection = platform.admin.get("/admin/billing/projection?consumerId=" + tenant.consumerId()).body();
        assertThat(projection.path("rows").get(0).path("overageUnits").asLong()).isEqualTo(calls - quota);
        assertThat(projection.path("rows").get(0).path("overageAmount").asLong()).isEqualTo(2 * (calls - quota));
    }

    @Test
    void aFailedPaymentSuspendsTheKeyAtTheGatewayAfterTheGracePeriodAndPaymentLiftsIt() {
        Platform.Tenant late = paidTenant("late-payer", 1_000);
        Platform.Tenant punctual = paidTenant("punctual", 1_000);
        String lateCustomer = customerOnceProvisioned(late);
        String punctualCustomer = customerOnceProvisioned(punctual);
        assertThat(order(late).statusCode()).isEqualTo(200);

        // A forged failure for the punctual consumer: refused, and nothing changes for it (checked after the grace period).
        HttpResponse<String> forged = webhook(event("invoice.payment_failed", punctualCustomer), "whsec_someone_else", Instant.now());
        assertThat(forged.statusCode()).isEqualTo(400);
        assertThat(Json.read(forged.body(), JsonNode.class).path("code").asText()).isEqualTo("signature_mismatch");
        HttpResponse<String> replayed = webhook(event("invoice.payment_failed", punctualCustomer), WEBHOOK_SECRET, Instant.now().minus(Duration.ofMinutes(10)));
        assertThat(replayed.statusCode()).isEqualTo(400);
        assertThat(Json.read(replayed.body(), JsonNode.class).path("code").asText()).isEqualTo("signature_expired");

        long failedAt = System.nanoTime();
        HttpResponse<String> failed = webhook(event("invoice.payment_failed", lateCustomer), WEBHOOK_SECRET, Instant.now());
        assertThat(failed.statusCode()).as(failed.body()).isEqualTo(200);
        assertThat(Json.read(failed.body(), JsonNode.class).path("outcome").asText()).isEqualTo("handled");
        assertThat(order(late).statusCode()).as("the key keeps working during the grace period").isEqualTo(200);

        await(Duration.ofSeconds(60), "the late payer's key refused with 402", () -> order(late).statusCode() == 402);
        Duration suspendedAfter = Duration.ofNanos(System.nanoTime() - failedAt);
        System.out.println("402 at the gateway " + suspendedAfter + " after the failed payment (grace period " + GRACE + ")");
        assertThat(suspendedAfter).as("not before the grace period ended").isGreaterThanOrEqualTo(GRACE);
        Http.Response refused = order(late);
        assertThat(refused.statusCode()).isEqualTo(402);
        JsonNode body = Json.read(refused.body(), JsonNode.class);
        assertThat(body.path("code").asText()).isEqualTo("payment_required");
        assertThat(body.path("message").asText()).contains("payment_failed");
        assertThat(body.path("portal").asText()).as("where the developer settles the account").isEqualTo(platform.controlPlaneUrl() + "/portal");
        assertThat(order(punctual).statusCode()).as("another consumer, and the forged failure, change nothing").isEqualTo(200);

        long paidAt = System.nanoTime();
        HttpResponse<String> paid = webhook(event("invoice.paid", lateCustomer), WEBHOOK_SECRET, Instant.now());
        assertThat(paid.statusCode()).as(paid.body()).isEqualTo(200);
        Duration lifted = await(Duration.ofSeconds(30), "the key to work again after payment", () -> order(late).statusCode() == 200);
        System.out.println("200 again " + lifted + " after invoice.paid (" + Duration.ofNanos(System.nanoTime() - paidAt) + ")");
        assertThat(order(punctual).statusCode()).isEqualTo(200);
    }

    @Test
    void aControlPlaneKilledMidSendNeitherLosesNorDoublesAMeterEvent() throws Exception {
        long quota = 10;
        long calls = 35;
        Platform.Tenant tenant = paidTenant("crashing", quota);
        String customer = customerOnceProvisioned(tenant);
        // Stripe records the next event for this customer and holds its answer: the control plane is killed waiting.
        CompletableFuture<String> held = stripe.holdNextAnswer(customer);
        Load load = new Load().run(List.of(node), 2, tenant.basePath() + "/items", tenant.key(), calls, Duration.ofSeconds(60), () -> false);
        assertThat(load.ok()).isEqualTo(calls);
        String identifier = held.get(60, TimeUnit.SECONDS);
        long killedAt = System.nanoTime();
        platform.killControlPlane();
        stripe.release();
        assertThat(stripe.callsFor(identifier)).isEqualTo(1);

        platform.startControlPlane();
        Duration recovered = await(Duration.ofSeconds(90), "every overage unit acknowledged after the restart", () -> {
            JsonNode events = platform.admin.get("/admin/billing/events?consumerId=" + tenant.consumerId()).body();
            long acknowledged = 0;
            for (JsonNode e : events) {
                acknowledged += "ACKNOWLEDGED".equals(e.path("state").asText()) ? e.path("units").asLong() : 0;
            }
            return acknowledged == calls - quota;
        });
        System.out.println("all events acknowledged " + recovered + " after the restart (" + Duration.ofNanos(System.nanoTime() - killedAt)
                + " after the kill); the held event was posted " + stripe.callsFor(identifier) + " times");
        assertThat(stripe.callsFor(identifier)).as("the event the crash interrupted was sent again").isGreaterThanOrEqualTo(2);
        assertThat(stripe.meterEvents().stream().filter(e -> e.identifier().equals(identifier))).as("and counted once").hasSize(1);
        assertThat(stripe.meterEventTotal(customer)).as("every overage unit, once").isEqualTo(calls - quota);
        String keyHash = ApiKeys.hash(tenant.key());
        await(Duration.ofSeconds(30), "the node to be back on the restarted control plane",
                () -> node.config().current() != null && node.config().current().keys().lookup(keyHash) != null && order(tenant).statusCode() == 200);
    }

    private static String event(String type, String customer) {
        return Json.write(Map.of("id", "evt_" + UUID.randomUUID().toString().replace("-", ""), "object", "event", "type", type,
                "created", Instant.now().getEpochSecond(),
                "data", Map.of("object", Map.of("id", "in_" + UUID.randomUUID().toString().substring(0, 12), "object", "invoice",
                        "customer", customer, "amount_due", 900, "currency", "usd"))));
    }

    /** Posts an event to the control plane's Stripe webhook endpoint as Stripe does, signed with {@code secret} at {@code signedAt}. */
    private HttpResponse<String> webhook(String payload, String secret, Instant signedAt) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(platform.controlPlaneUrl() + "/billing/stripe/webhook"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json; charset=utf-8")
                .header("Stripe-Signature", WebhookSignature.header(payload, secret, signedAt))
                .POST(HttpRequest.BodyPublishers.ofString(payload)).build();
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
