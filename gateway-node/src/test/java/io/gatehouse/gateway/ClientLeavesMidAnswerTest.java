package io.gatehouse.gateway;

import io.gatehouse.protocol.keys.ApiKeys;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client leaves before its slow answer arrives. That is a normal departure, not a failure of the gateway: the
 * request is recorded once ({@code client_gone} in the access log), the upstream's late answer is dropped, and
 * nothing is logged as an ERROR (Vert.x logs the reset of an upstream answer nobody reads as "ERROR
 * HttpClientResponseImpl - Stream reset", with a stack trace, unless the gateway handles it).
 */
class ClientLeavesMidAnswerTest extends StandaloneGateway {
    static final String KEY = ApiKeys.generate();

    @Test
    void aClientThatLeavesBeforeItsSlowAnswerIsRecordedOnceAndLogsNoError() throws Exception {
        EchoUpstream upstream = upstream("orders", "127.0.0.1", 0, 0);
        Path log = dir.resolve("access.log");
        startNode(snapshot(1, List.of(api("orders", null, "/orders", upstream.url())), List.of(key("k1", KEY, "app-1", null)),
                List.of(subscription("app-1", "orders"))), Map.of("gatehouse.access-log", log.toString()));
        int port = node.settings().proxyPort();

        PrintStream standardError = System.err;
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        System.setErr(new PrintStream(new Both(standardError, logged), true));
        try {
            int closedBefore = upstream.connectionsClosed.get();
            try (Socket client = new Socket("127.0.0.1", port)) {
                write(client, "GET /orders/slow?ms=800 HTTP/1.1\r\nHost: gw\r\nX-API-Key: " + KEY + "\r\nX-Request-Id: left-early\r\n\r\n");
                awaitTrue(Duration.ofSeconds(10), "the request at the upstream", () -> upstream.inFlight.get() == 1);
            }
            awaitTrue(Duration.ofSeconds(10), "the upstream's late answer dropped by the gateway",
                    () -> upstream.inFlight.get() == 0 && upstream.connectionsClosed.get() > closedBefore);

            assertThat(get("http://127.0.0.1:" + port + "/orders/after", "X-API-Key", KEY).statusCode())
                    .as("the gateway serves on").isEqualTo(200);
        } finally {
            System.setErr(standardError);
        }

        awaitTrue(Duration.ofSeconds(10), "the access log line of left-early", () -> linesOf(log, "left-early").size() == 1);
        assertThat(linesOf(log, "left-early").get(0).getString("error")).isEqualTo("client_gone");
        assertThat(linesOf(log, "left-early")).as("recorded once").hasSize(1);

        String output = logged.toString(StandardCharsets.UTF_8);
        assertThat(output.lines().filter(line -> line.contains("ERROR")).toList())
                .as("a client leaving is not an error of the gateway's").isEmpty();
    }

    /**
     * A client that leaves in the middle of a large download (it closes its socket while the gateway streams the
     * upstream's answer to it) is Envoy's "downstream connection termination" ({@code DC}): the access log and the
     * metrics record it as {@code client_gone} beside the status the client had been sent, never as an answer
     * delivered, and nothing is logged as an ERROR.
     */
    @Test
    void aClientThatLeavesMidDownloadIsRecordedAsGoneNotAsDeliveredAndLogsNoError() throws Exception {
        EchoUpstream upstream = upstream("orders", "127.0.0.1", 0, 0);
        Path log = dir.resolve("access.log");
        startNode(snapshot(1, List.of(api("orders", null, "/orders", upstream.url())), List.of(key("k1", KEY, "app-1", null)),
                List.of(subscription("app-1", "orders"))), Map.of("gatehouse.access-log", log.toString()));
        int port = node.settings().proxyPort();
        int size = 48 * 1024 * 1024;

        PrintStream standardError = System.err;
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        System.setErr(new PrintStream(new Both(standardError, logged), true));
        long read = 0;
        try {
            try (Socket client = new Socket()) {
                // A small receive window, so that the gateway is still streaming when the client leaves.
                client.setReceiveBufferSize(32 * 1024);
                client.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5_000);
                write(client, "GET /orders/download?bytes=" + size + " HTTP/1.1\r\nHost: gw\r\nX-API-Key: " + KEY
                        + "\r\nX-Request-Id: left-mid-download\r\n\r\n");
                java.io.InputStream in = client.getInputStream();
                byte[] buffer = new byte[16 * 1024];
                StringBuilder head = new StringBuilder();
                while (read < 1024 * 1024) {
                    int n = in.read(buffer);
                    assertThat(n).as("the answer goes on until the client leaves").isPositive();
                    if (head.length() < 12) {
                        head.append(new String(buffer, 0, Math.min(n, 12), StandardCharsets.ISO_8859_1));
                    }
                    read += n;
                }
                assertThat(head.toString()).startsWith("HTTP/1.1 200");
            }
            awaitTrue(Duration.ofSeconds(10), "the access log line of left-mid-download", () -> linesOf(log, "left-mid-download").size() == 1);
            assertThat(get("http://127.0.0.1:" + port + "/orders/after", "X-API-Key", KEY).statusCode())
                    .as("the gateway serves on").isEqualTo(200);
        } finally {
            System.setErr(standardError);
        }

        JsonObject line = linesOf(log, "left-mid-download").get(0);
        System.out.println("client read " + read + " of " + size + " bytes; access log: " + line.encode());
        assertThat(line.getString("error")).as("the outcome: the client left").isEqualTo("client_gone");
        assertThat(line.getInteger("status")).as("what the client had been sent").isEqualTo(200);
        assertThat(line.getLong("bytesOut")).as("less than the whole answer").isLessThan((long) size);

        var scrape = io.gatehouse.testing.ScrapeParser.parse(get("http://127.0.0.1:" + node.settings().statusPort() + "/metrics").body());
        assertThat(scrape.value("gatehouse_gateway_requests_total",
                Map.of("api", "orders", "api_name", "api-orders", "status_class", "2xx", "code", "client_gone")))
                .as("counted under the client leaving").isEqualTo(1);
        assertThat(scrape.value("gatehouse_gateway_requests_total",
                Map.of("api", "orders", "api_name", "api-orders", "status_class", "2xx", "code", "")))
                .as("only the request after it counted as answered").isEqualTo(1);

        String output = logged.toString(StandardCharsets.UTF_8);
        assertThat(output.lines().filter(l -> l.contains("ERROR")).toList())
                .as("a client leaving is not an error of the gateway's").isEmpty();
        assertThat(output.lines().filter(l -> l.contains("\tat io.") || l.contains("\tat java.")).toList())
                .as("no stack trace").isEmpty();
    }

    private static void write(Socket socket, String text) throws Exception {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static List<JsonObject> linesOf(Path log, String requestId) {
        try {
            return Files.readAllLines(log).stream().filter(l -> !l.isBlank()).map(JsonObject::new)
                    .filter(l -> requestId.equals(l.getString("requestId"))).toList();
        } catch (Exception e) {
            return List.of();
        }
    }

    /** Standard error as it was, and a copy to read. */
    private static final class Both extends OutputStream {
        private final OutputStream first;
        private final OutputStream second;

        Both(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public synchronized void write(int b) throws java.io.IOException {
            first.write(b);
            second.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws java.io.IOException {
            first.write(b, off, len);
            second.write(b, off, len);
        }

        @Override
        public synchronized void flush() throws java.io.IOException {
            first.flush();
            second.flush();
        }
    }
}
