package io.gatehouse.gateway.guard;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrustedProxiesTest {

    @Test
    void peersInsideTheTrustedRangesAreTrustedAndNobodyElse() {
        TrustedProxies proxies = TrustedProxies.parse(List.of("10.0.0.0/8", "192.168.1.7", "172.16.0.0/12", "2001:db8::/32"));
        assertThat(proxies.trusts("10.200.3.4")).isTrue();
        assertThat(proxies.trusts("192.168.1.7")).isTrue();
        assertThat(proxies.trusts("192.168.1.8")).isFalse();
        assertThat(proxies.trusts("172.31.255.255")).isTrue();
        assertThat(proxies.trusts("172.32.0.1")).isFalse();
        assertThat(proxies.trusts("11.0.0.1")).isFalse();
        assertThat(proxies.trusts("2001:db8:1::5")).isTrue();
        assertThat(proxies.trusts("2001:db9::5")).isFalse();
        assertThat(proxies.trusts("::ffff:10.1.1.1")).as("an IPv4 peer seen on a dual-stack socket").isTrue();
        assertThat(proxies.trusts("not-an-address")).isFalse();
        assertThat(proxies.trusts(null)).isFalse();
        assertThat(TrustedProxies.parse(List.of()).trusts("10.0.0.1")).isFalse();
    }

    @Test
    void aMistypedRangeStopsTheNodeFromStarting() {
        assertThatThrownBy(() -> TrustedProxies.parse(List.of("10.0.0.0/33"))).hasMessageContaining("10.0.0.0/33");
        assertThatThrownBy(() -> TrustedProxies.parse(List.of("proxy.internal"))).hasMessageContaining("proxy.internal");
        assertThatThrownBy(() -> TrustedProxies.parse(List.of("10.0.0.0/x"))).hasMessageContaining("prefix");
    }
}
