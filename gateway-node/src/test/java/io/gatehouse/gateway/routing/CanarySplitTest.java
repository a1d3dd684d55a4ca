package io.gatehouse.gateway.routing;

import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.CanaryRule;
import io.gatehouse.protocol.config.UpstreamTarget;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class CanarySplitTest {

    static Route route(double percent) {
        ApiDefinition api = new ApiDefinition("orders", "orders", "1", null, "/orders", true,
                List.of(new UpstreamTarget("http://stable:8080", 1)), "X-API-Key", 1000, 1000, "PUBLISHED", null,
                new CanaryRule(List.of(new UpstreamTarget("http://canary:8080", 1)), percent, null, null, null, null), null);
        return RouteTable.build(List.of(api)).byApiId("orders");
    }

    @Test
    void consumersSplitByThePercentage() {
        // 100,000 random consumer ids: the sampling noise is 0.1 point, so 0.4 point is four of it.
        Route route = route(10);
        int canary = 0;
        for (int i = 0; i < 100_000; i++) {
            if (route.canaryFor(UUID.randomUUID().toString())) canary++;
        }
        assertThat(canary / 1000.0).isBetween(9.6, 10.4);
    }

    @Test
    void raisingThePercentageOnlyMovesConsumersOntoTheCanary() {
        Route ten = route(10);
        Route twenty = route(20);
        int moved = 0;
        for (int i = 0; i < 10_000; i++) {
            String consumer = "consumer-" + i;
            if (ten.canaryFor(consumer)) {
                assertThat(twenty.canaryFor(consumer)).as(consumer + " stays on the canary").isTrue();
            } else if (twenty.canaryFor(consumer)) {
                moved++;
            }
        }
        assertThat(moved).isBetween(800, 1200);
        assertThat(route(0).canaryFor("anyone")).isFalse();
        assertThat(route(100).canaryFor("anyone")).isTrue();
    }
}
