package io.gatehouse.gateway;

import io.gatehouse.protocol.keys.ApiKeys;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node told to stop while a request is in flight: readiness goes down, the listener closes, an idle keep-alive
 * connection is closed, and the request in flight is answered in full, with {@code Connection: close} so its client
 * does not send another request on it.
 */
class GracefulStopTest extends StandaloneGateway {
    static final String KEY = ApiKeys.generate();

    @Test
    void aStoppingNodeAnswersTheRequestInFlightAndThenClosesItsConnection() throws Exception {
        EchoUpstream slow = upstream("slow", "127.0.0.1", 0, 1_500);
        startNode(snapshot(1, List.of(api("orders", null, "/orders", slow.url())), List.of(key("k1", KEY, "app-1", null)),
                List.of(subscription("app-1", "orders"))), Map.of("gatehouse.drain.timeout-ms", "10000"));
        int port = node.settings().proxyPort();
        String status = "http://127.0.0.1:" + node.settings().statusPort();
        String request = "GET /orders/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY + "\r\n\r\n";
        assertThat(get(status + "/status/ready").statusCode()).isEqualTo(200);

        try (RawHttp idle = new RawHttp(port); RawHttp busy = new RawHttp(port)) {
            RawHttp.Answer first = idle.send(request).read(Duration.ofSeconds(10));
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.closed()).as("keep-alive before the stop").isFalse();

            busy.send(request);
            awaitTrue(Duration.ofSeconds(5), "the request in flight at the upstream", () -> slow.inFlight.get() == 1);
            long stopping = System.nanoTime();
            Thread stopper = new Thread(node::stop, "stopper");
            stopper.start();
            awaitTrue(Duration.ofSeconds(5), "readiness down", () -> readiness(status) == 503);
            awaitTrue(Duration.ofSeconds(5), "the listener closed to new connections", () -> refused(port));

            RawHttp.Answer answered = busy.read(Duration.ofSeconds(10));
            assertThat(answered.status()).as(answered.text()).isEqualTo(200);
            assertThat(answered.text().toLowerCase()).contains("\r\nconnection: close\r\n");
            assertThat(answered.closed()).as("the connection closes after the answer").isTrue();
            assertThat(idle.read(Duration.ofSeconds(5)).closed()).as("the idle keep-alive connection is closed").isTrue();

            stopper.join(30_000);
            long tookMs = (System.nanoTime() - stopping) / 1_000_000;
            System.out.printf("node stopped %d ms after it was told to, with one request in flight%n", tookMs);
            assertThat(stopper.isAlive()).isFalse();
            assertThat(tookMs).as("within the drain timeout").isLessThan(10_000);
        }
    }

    private static int readiness(String status) {
        try {
            HttpResponse<String> ready = get(status + "/status/ready");
            return ready.statusCode();
        } catch (IllegalStateException e) {
            return -1;
        }
    }

    private static boolean refused(int port) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
