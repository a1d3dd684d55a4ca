package io.gatehouse.gateway.accesslog;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AccessLogFormatTest {

    static String millis(long nanos) {
        StringBuilder b = new StringBuilder();
        AccessLog.appendMillis(b, nanos);
        return b.toString();
    }

    @Test
    void durationsAreMillisecondsWithThreeDecimals() {
        assertThat(millis(1_742_000)).isEqualTo("1.742");
        assertThat(millis(5_000)).isEqualTo("0.005");
        assertThat(millis(60_999)).isEqualTo("0.060");
        assertThat(millis(12_345_678_900L)).isEqualTo("12345.678");
        assertThat(millis(0)).isEqualTo("0.000");
    }

    @Test
    void traceparentsAreKeptOnlyWhenValid() {
        assertThat(Traceparent.traceId("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(Traceparent.traceId("00-00000000000000000000000000000000-00f067aa0ba902b7-01")).isNull();
        assertThat(Traceparent.traceId("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")).isNull();
        assertThat(Traceparent.traceId("garbage")).isNull();
        String started = Traceparent.start("0123456789abcdef0123456789abcdef").toString();
        assertThat(Traceparent.traceId(started)).isEqualTo("0123456789abcdef0123456789abcdef");
        assertThat(Traceparent.traceId(Traceparent.start("not-hex"))).hasSize(32);
        assertThat(Traceparent.hex16(255)).isEqualTo("00000000000000ff");
        assertThat(Traceparent.hex16(0xfedcba9876543210L)).isEqualTo("fedcba9876543210");
    }

    @Test
    void newIdsAreValidTraceIdsAndStartTracesOfTheirOwn() {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = Traceparent.newId().toString();
            assertThat(id).matches("[0-9a-f]{32}");
            assertThat(seen.add(id)).isTrue();
            String started = Traceparent.start(id).toString();
            assertThat(started).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
            assertThat(Traceparent.traceId(started)).isEqualTo(id);
        }
        // Random digits reach every hex digit in both halves and at the last place: none is stuck.
        assertThat(seen.stream().map(id -> id.substring(0, 16)).collect(java.util.stream.Collectors.joining()).chars().distinct().count()).isEqualTo(16);
        assertThat(seen.stream().map(id -> id.substring(16)).collect(java.util.stream.Collectors.joining()).chars().distinct().count()).isEqualTo(16);
        assertThat(seen.stream().map(id -> id.charAt(31)).distinct().count()).isEqualTo(16);
    }
}
