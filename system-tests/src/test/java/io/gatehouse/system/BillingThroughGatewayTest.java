package io.gatehouse.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.billing.stripe.FakeStripe;
import io.gatehouse.gateway.GatewayNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.gatehouse.system.Http.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A developer on a paid SOFT-quota plan calls the API through a real gateway node past the included requests: the
 * overage reaches Stripe (the Stripe-compatible test server) as meter events whose total equals the overage exactly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BillingThroughGatewayTest {
    private static final String STRIPE_KEY = "sk_test_system";
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
                "GATEHOUSE_BILLING_METER_EVERY", "PT1S",
                "GATEHOUSE_BILLING_SEND_EVERY", "PT0.5S"));
        node = platform.startGateway("billing-a");
    }

    @AfterAll
    void stop() throws Exception {
        platform.close();
        stripe.close();
    }

    @Test
    void overagePastTheIncludedRequestsIsBilledThroughStripeExactly() {
        long quota = 20;
        long calls = 57;
        Platform.Tenant tenant = platform.newTenant("billed", Map.of("monthlyQuota", quota, "quotaMode", "SOFT",
                "pricing", Map.of("currency", "USD", "basePrice", 900, "includedUnits", quota, "unitPrice", 2)));
        String keyHash = io.gatehouse.protocol.keys.ApiKeys.hash(tenant.key());
        await(Duration.ofSeconds(10), "the node to know the API and key",
                () -> node.config().current() != null && node.config().current().keys().lookup(keyHash) != null);

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
}
