package io.gatehouse.gateway.metrics;

import io.gatehouse.gateway.proxy.GatewayError;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ApiMetersTest {

    /** Records {@code times} requests answered with this status class and code, as the completion step would. */
    private static void record(ApiMeters meters, int statusClass, int code, int times) {
        int status = statusClass == 0 ? 0 : statusClass * 100 + 3;
        GatewayError error = code == 0 || code == ApiMeters.CLIENT_GONE ? null : GatewayError.values()[code - 1];
        for (int i = 0; i < times; i++) {
            meters.started();
            meters.completed(status, error, code == ApiMeters.CLIENT_GONE, true, 1_000, -1, false);
        }
    }

    @Test
    void everyStatusClassAndCodeIsCountedApartFromTheOthers() {
        ApiMeters meters = new ApiMeters("api", true, new LaneCounters.Lanes(4));
        for (int statusClass = 0; statusClass < ApiMeters.STATUS_CLASSES.length; statusClass++) {
            for (int code = 0; code < ApiMeters.CODES; code++) {
                record(meters, statusClass, code, 1 + (statusClass * ApiMeters.CODES + code) % 7);
            }
        }
        for (int statusClass = 0; statusClass < ApiMeters.STATUS_CLASSES.length; statusClass++) {
            for (int code = 0; code < ApiMeters.CODES; code++) {
                assertThat(meters.requests(statusClass, code)).as("%s %s", ApiMeters.STATUS_CLASSES[statusClass], ApiMeters.code(code))
                        .isEqualTo(1 + (statusClass * ApiMeters.CODES + code) % 7);
            }
        }
        assertThat(meters.inFlight()).isZero();
    }

    @Test
    void theUsualOutcomesNeedOnlyTheDenseBank() {
        ApiMeters meters = new ApiMeters("api", true, new LaneCounters.Lanes(4));
        record(meters, 2, 0, 5);                                              // answered 2xx by the upstream
        record(meters, 5, 0, 2);                                              // answered 5xx by the upstream
        record(meters, 4, GatewayError.INVALID_API_KEY.ordinal() + 1, 3);     // refused with its own 401
        record(meters, 4, GatewayError.RATE_LIMITED.ordinal() + 1, 3);        // refused with its own 429
        record(meters, 5, GatewayError.UPSTREAM_TIMEOUT.ordinal() + 1, 1);    // answered with its own 504
        record(meters, 0, ApiMeters.CLIENT_GONE, 1);                          // the client left before an answer
        long usual = meters.footprint();
        // One lane: the dense bank and its padding. Counting (status class x code) densely took 6 x 30 + 5 longs.
        assertThat(usual).isLessThan(6 * ApiMeters.CODES / 2);

        record(meters, 2, GatewayError.UPSTREAM_UNAVAILABLE.ordinal() + 1, 1); // the upstream broke off a 2xx answer
        assertThat(meters.footprint()).as("a rare outcome makes the second bank's lane").isGreaterThan(usual);
        assertThat(meters.requests(2, GatewayError.UPSTREAM_UNAVAILABLE.ordinal() + 1)).isEqualTo(1);
        assertThat(meters.requests(5, GatewayError.UPSTREAM_UNAVAILABLE.ordinal() + 1)).isZero();
        assertThat(meters.requests(4, GatewayError.RATE_LIMITED.ordinal() + 1)).isEqualTo(3);
        assertThat(meters.count(ApiMeters.RATE_LIMITED)).isEqualTo(3);
    }
}
