package io.gatehouse.gateway.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An operator's TLS settings are checked when the node starts: what cannot work stops it with a message. */
class TlsSettingsTest {
    @TempDir
    Path dir;

    static TlsSettings load(String... pairs) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            values.put(pairs[i], pairs[i + 1]);
        }
        return TlsSettings.load(values::get);
    }

    @Test
    void withoutACertificateTheListenerIsOffAndThePlainPortServes() {
        TlsSettings settings = load();
        assertThat(settings.listenerEnabled()).isFalse();
        assertThat(settings.plainHttp()).isEqualTo(TlsSettings.PlainHttp.SERVE);
        assertThat(settings.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(settings.upstreamTrustAll()).isFalse();
    }

    @Test
    void settingsThatCannotWorkAreRefusedWithTheirName() {
        assertThatThrownBy(() -> load("gatehouse.plain-http", "redirect"))
                .hasMessageContaining("gatehouse.plain-http").hasMessageContaining("GATEHOUSE_TLS_CERT_FILE");
        assertThatThrownBy(() -> load("gatehouse.tls.cert-file", "/a.crt")).hasMessageContaining("GATEHOUSE_TLS_KEY_FILE");
        assertThatThrownBy(() -> load("gatehouse.tls.protocols", "TLSv1.2,TLSv1.1")).hasMessageContaining("TLSv1.1");
        assertThatThrownBy(() -> load("gatehouse.plain-http", "sometimes")).hasMessageContaining("serve, redirect or off");
        assertThatThrownBy(() -> load("gatehouse.upstream.tls.trust-all", "true", "gatehouse.upstream.tls.ca-file", "/ca.pem"))
                .hasMessageContaining("exclude each other");
        assertThatThrownBy(() -> load("gatehouse.h2.max-concurrent-streams", "0")).hasMessageContaining("max-concurrent-streams");
    }

    @Test
    void aKeyThatIsNotTheCertificatesStopsTheNodeAtStart() throws Exception {
        TestCertificates.Issued ca = TestCertificates.ca("CA");
        TestCertificates.Issued one = TestCertificates.server(ca, "127.0.0.1");
        TestCertificates.Issued other = TestCertificates.server(ca, "127.0.0.1");
        Path cert = Files.writeString(dir.resolve("one.crt"), one.certPem());
        Path key = Files.writeString(dir.resolve("other.key"), other.keyPem());
        TlsSettings settings = load("gatehouse.tls.cert-file", cert.toString(), "gatehouse.tls.key-file", key.toString());
        assertThatThrownBy(() -> ServerCertificates.load(settings)).hasMessageContaining("is not the key of");

        Files.writeString(key, one.keyPem());
        assertThat(ServerCertificates.load(settings).sslOptions().getEnabledSecureTransportProtocols()).containsOnly("TLSv1.2", "TLSv1.3");
    }

    @Test
    void aCipherSuiteTheJvmDoesNotKnowStopsTheNodeAtStart() throws Exception {
        TestCertificates.Issued ca = TestCertificates.ca("CA");
        Path cert = TestCertificates.server(ca, "127.0.0.1").write(dir, "gw");
        TlsSettings settings = load("gatehouse.tls.cert-file", cert.toString(), "gatehouse.tls.key-file", dir.resolve("gw.key").toString(),
                "gatehouse.tls.cipher-suites", "TLS_AES_128_GCM_SHA256,TLS_MADE_UP_WITH_ROT13");
        assertThatThrownBy(() -> ServerCertificates.load(settings)).hasMessageContaining("TLS_MADE_UP_WITH_ROT13");
    }

    @Test
    void aCertificateDirectoryWithAKeylessCertificateIsRefused() throws Exception {
        TestCertificates.Issued ca = TestCertificates.ca("CA");
        Files.writeString(dir.resolve("lonely.crt"), TestCertificates.server(ca, "a.example.test").certPem());
        assertThatThrownBy(() -> ServerCertificates.load(load("gatehouse.tls.cert-dir", dir.toString())))
                .hasMessageContaining("lonely.key");
    }
}
