package io.gatehouse.gateway;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NodeSettingsTest {
    private static final Path DATA = Path.of("unused");

    /** Vert.x would share the port between the proxy and the status server instead of failing to bind. */
    @Test
    void theProxyAndTheStatusServerOnOnePortAreRefusedWithBothNames() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> TestSupport.settings(DATA,
                Map.of("gatehouse.proxy.port", "18555", "gatehouse.status.port", "18555")));
        assertThat(refused.getMessage()).contains("GATEHOUSE_PROXY_PORT").contains("GATEHOUSE_STATUS_PORT").contains("18555");
    }

    @Test
    void theTlsListenerMayNotTakeTheStatusPort() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> TestSupport.settings(DATA,
                Map.of("gatehouse.status.port", "18556", "gatehouse.tls.port", "18556", "gatehouse.tls.cert-dir", "/tmp/certs")));
        assertThat(refused.getMessage()).contains("GATEHOUSE_STATUS_PORT").contains("GATEHOUSE_TLS_PORT");
    }

    @Test
    void aTlsPortIsFreeToMatchWhenNoTlsListenerIsConfiguredAndEphemeralPortsMayRepeat() {
        NodeSettings noTls = TestSupport.settings(DATA, Map.of("gatehouse.status.port", "18557", "gatehouse.tls.port", "18557"));
        assertThat(noTls.tls().listenerEnabled()).isFalse();
        NodeSettings ephemeral = TestSupport.settings(DATA, Map.of("gatehouse.proxy.port", "0", "gatehouse.status.port", "0"));
        assertThat(ephemeral.proxyPort()).isZero();
        assertThat(ephemeral.statusPort()).isZero();
        // With plain http off, the proxy port is not listened on.
        NodeSettings tlsOnly = TestSupport.settings(DATA, Map.of("gatehouse.proxy.port", "18558", "gatehouse.tls.port", "18558",
                "gatehouse.tls.cert-dir", "/tmp/certs", "gatehouse.plain-http", "off"));
        assertThat(tlsOnly.tls().port()).isEqualTo(18558);
    }

    @Test
    void theTlsListenerAndAPlainListenerThatRedirectsMayNotShareAPort() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> TestSupport.settings(DATA,
                Map.of("gatehouse.proxy.port", "18559", "gatehouse.tls.port", "18559", "gatehouse.tls.cert-dir", "/tmp/certs",
                        "gatehouse.plain-http", "redirect")));
        assertThat(refused.getMessage()).contains("GATEHOUSE_PROXY_PORT").contains("GATEHOUSE_TLS_PORT");
    }
}
