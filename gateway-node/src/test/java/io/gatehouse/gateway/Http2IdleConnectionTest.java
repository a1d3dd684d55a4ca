package io.gatehouse.gateway;

import io.gatehouse.gateway.tls.RawH2;
import io.gatehouse.gateway.tls.TestCertificates;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.keys.ApiKeys;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The idle timeout on HTTP/2: a connection is idle when none of its streams is open, not when no byte moved. One
 * waiting on a slow upstream longer than the timeout is kept; one with nothing open is closed with GOAWAY.
 */
class Http2IdleConnectionTest extends StandaloneGateway {
    static final String KEY = ApiKeys.generate();

    @Test
    void aConnectionWaitingOnASlowAnswerIsKeptAndAnIdleOneIsClosedWithGoaway() throws Exception {
        TestCertificates.Issued ca = TestCertificates.ca("Gatehouse Test CA");
        Path cert = TestCertificates.server(ca, "127.0.0.1").write(dir.resolve("tls"), "gateway");
        EchoUpstream echo = upstream("orders", "127.0.0.1", 0, 0);
        ConfigSnapshot snapshot = snapshot(1, List.of(api("orders", null, "/orders", echo.url())),
                List.of(key("k1", KEY, "app-1", null)), List.of(subscription("app-1", "orders")));
        startNode(snapshot, Map.of(
                "gatehouse.tls.port", String.valueOf(freePort()),
                "gatehouse.tls.cert-file", cert.toString(),
                "gatehouse.tls.key-file", dir.resolve("tls/gateway.key").toString(),
                "gatehouse.client.idle-timeout-ms", "1000"));
        try (RawH2 h2 = new RawH2(TestCertificates.trusting(ca), node.settings().tls().port())) {
            h2.headers(1, RawH2.request("GET", "/orders/slow?ms=3000", "x-api-key", KEY), true);
            RawH2.Frame answer = h2.next();
            assertThat(answer.type()).as("an answer after three idle timeouts' worth of waiting, not a GOAWAY").isEqualTo(RawH2.HEADERS);
            assertThat(answer.status()).isEqualTo("200");
            long answered = System.nanoTime();
            RawH2.Frame next;
            do {
                next = h2.next();
            } while (next.type() == RawH2.DATA);
            long idleMs = (System.nanoTime() - answered) / 1_000_000;
            System.out.println("idle connection closed after " + idleMs + " ms");
            // Measured, not asserted to the millisecond: the sweep runs every quarter timeout, and this thread may be
            // scheduled late on a loaded machine.
            assertThat(next.type()).as("GOAWAY once nothing is open").isEqualTo(RawH2.GOAWAY);
        }
    }
}
