package io.gatehouse.gateway;

import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.keys.ApiKeys;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.gatehouse.gateway.TestSupport.api;
import static io.gatehouse.gateway.TestSupport.awaitTrue;
import static io.gatehouse.gateway.TestSupport.get;
import static io.gatehouse.gateway.TestSupport.key;
import static io.gatehouse.gateway.TestSupport.snapshot;
import static io.gatehouse.gateway.TestSupport.subscription;
import static io.gatehouse.gateway.TestSupport.withReadTimeout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway's own upstream connections: kept alive and lent to one request at a time, and never lent again when
 * the exchange on them did not end cleanly or the upstream said it would close them. An upstream that counts the
 * connections it is given is the judge.
 */
class UpstreamConnectionReuseTest extends StandaloneGateway {
    static final String KEY = ApiKeys.generate();

    private final Vertx vertx = Vertx.vertx();
    private final AtomicInteger opened = new AtomicInteger();
    private final AtomicInteger closed = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger mostOpen = new AtomicInteger();

    @AfterEach
    void stopUpstream() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    /**
     * {@code /plain} answers at once; {@code /close} asks to close the connection; {@code /short} allows a second of
     * keep-alive; {@code /slow?ms=N} answers after N ms. Connections idle for {@code idleSeconds} are closed (0: never).
     */
    private String startUpstream(int idleSeconds) throws Exception {
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setIdleTimeout(idleSeconds))
                .connectionHandler(connection -> {
                    opened.incrementAndGet();
                    mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
                    connection.closeHandler(v -> {
                        open.decrementAndGet();
                        closed.incrementAndGet();
                    });
                })
                .requestHandler(this::answer)
                .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        return "http://127.0.0.1:" + server.actualPort();
    }

    private void answer(HttpServerRequest request) {
        var response = request.response().putHeader("Content-Type", "text/plain");
        switch (request.path()) {
            case "/close" -> response.putHeader("Connection", "close").end("closing");
            case "/short" -> response.putHeader("Keep-Alive", "timeout=1").end("short");
            // Answers at once, before the request body it will never read has arrived.
            case "/early" -> response.end("early");
            case "/slow" -> vertx.setTimer(Long.parseLong(request.getParam("ms")), t -> {
                if (!response.closed()) {
                    response.end("slow");
                }
            });
            default -> response.end("plain");
        }
    }

    private String gateway(String upstreamUrl, int readTimeoutMs, Map<String, String> settings) throws Exception {
        ApiDefinition api = withReadTimeout(api("conn", null, "/conn", upstreamUrl), readTimeoutMs);
        ConfigSnapshot config = snapshot(1, List.of(api), List.of(key("k", KEY, "app", null)), List.of(subscription("app", "conn")));
        startNode(config, settings);
        return "http://127.0.0.1:" + node.settings().proxyPort() + "/conn";
    }

    private static HttpResponse<String> call(String url) {
        return get(url, "X-API-Key", KEY);
    }

    @Test
    void requestsInTurnShareAKeptAliveConnection() throws Exception {
        String base = gateway(startUpstream(0), 5_000, Map.of());
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> answer = call(base + "/plain");
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).isEqualTo("plain");
        }
        // One client connection is served by one event loop, which keeps one connection to the upstream.
        assertThat(opened.get()).isEqualTo(1);
        assertThat(closed.get()).isZero();
    }

    @Test
    void anAnswerThatClosesItsConnectionIsNeverFollowedOnIt() throws Exception {
        String base = gateway(startUpstream(0), 5_000, Map.of());
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> answer = call(base + "/close");
            // Lent again while closing, the next request would fail with the connection: every one is answered.
            assertThat(answer.statusCode()).as("request %d", i).isEqualTo(200);
        }
        assertThat(opened.get()).isEqualTo(10);
        HttpResponse<String> after = call(base + "/plain");
        assertThat(after.statusCode()).isEqualTo(200);
    }

    /**
     * Pipelined, the second request is taken up as soon as the first is answered. The upstream connection the first
     * asked to close must not be lent to it: Vert.x closes it as the answer ends, and the close marks it.
     */
    @Test
    void theRequestRightAfterAClosingAnswerGetsAnotherConnection() throws Exception {
        String base = gateway(startUpstream(0), 5_000, Map.of());
        int port = node.settings().proxyPort();
        String close = "GET /conn/close HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY + "\r\n\r\n";
        String plain = "GET /conn/plain HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY + "\r\n\r\n";
        for (int i = 0; i < 5; i++) {
            try (RawHttp connection = new RawHttp(port)) {
                connection.send(close + plain);
                String answers = "";
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (new RawHttp.Answer(answers, false).responses() < 2 && System.nanoTime() < deadline) {
                    RawHttp.Answer part = connection.read(Duration.ofSeconds(5));
                    answers += part.text();
                    if (part.closed()) {
                        break;
                    }
                }
                assertThat(answers).as("round %d", i).startsWith("HTTP/1.1 200").contains("closing")
                        .contains("\r\n\r\nplain").doesNotContain(" 502 ");
            }
        }
        assertThat(call(base + "/plain").statusCode()).isEqualTo(200);
    }

    /**
     * An upstream that answers before the client has finished its upload: the client gets its answer, but the upstream
     * connection still carries the rest of that body. Lent to the next request, that request would wait behind an
     * upload that may never end; it gets another connection instead.
     */
    @Test
    void aConnectionStillCarryingAnUploadIsNotLentToTheNextRequest() throws Exception {
        String base = gateway(startUpstream(0), 2_000, Map.of("gatehouse.event-loops", "1"));
        int port = node.settings().proxyPort();
        try (RawHttp uploader = new RawHttp(port)) {
            uploader.send("POST /conn/early HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY
                    + "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n");
            RawHttp.Answer early = uploader.read(Duration.ofSeconds(5));
            assertThat(early.text()).startsWith("HTTP/1.1 200").endsWith("early");
            // The upload is still open; on the same event loop, the next request must not queue behind it.
            long started = System.nanoTime();
            HttpResponse<String> next = call(base + "/plain");
            assertThat(next.statusCode()).isEqualTo(200);
            System.out.printf("the request after an open upload was answered in %d ms%n", (System.nanoTime() - started) / 1_000_000);
            assertThat(opened.get()).isEqualTo(2);
        }
    }

    @Test
    void aShortKeepAliveFromTheUpstreamIsHonoured() throws Exception {
        String base = gateway(startUpstream(0), 5_000, Map.of());
        for (int i = 0; i < 5; i++) {
            assertThat(call(base + "/short").statusCode()).isEqualTo(200);
        }
        // timeout=1 leaves no safe time to lend it again (a second is kept as a margin): a new connection each time.
        assertThat(opened.get()).isEqualTo(5);
    }

    @Test
    void aConnectionWhoseAnswerTimedOutIsClosedAndTheNextRequestGetsAFreshOne() throws Exception {
        String base = gateway(startUpstream(0), 300, Map.of());
        HttpResponse<String> timedOut = call(base + "/slow?ms=3000");
        assertThat(timedOut.statusCode()).isEqualTo(504);
        awaitTrue(Duration.ofSeconds(5), "the timed-out connection closed", () -> closed.get() == 1);
        for (int i = 0; i < 5; i++) {
            assertThat(call(base + "/plain").statusCode()).isEqualTo(200);
        }
        assertThat(opened.get()).isEqualTo(2);
    }

    @Test
    void connectionsTheUpstreamClosesWhileIdleAreNotLent() throws Exception {
        String base = gateway(startUpstream(1), 5_000, Map.of());
        assertThat(call(base + "/plain").statusCode()).isEqualTo(200);
        awaitTrue(Duration.ofSeconds(5), "the upstream closed its idle connection", () -> closed.get() == 1);
        HttpResponse<String> next = call(base + "/plain");
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(opened.get()).isEqualTo(2);
    }

    /**
     * An upstream that closes idle connections silently (no Keep-Alive header), sooner than the gateway's default
     * keeps them, would race requests sent as it closes: the operator sets the gateway's idle time below the
     * upstream's, and the gateway then closes the connection itself.
     */
    @Test
    void theGatewayClosesAConnectionIdleForItsIdleTimeout() throws Exception {
        String base = gateway(startUpstream(0), 5_000, Map.of("gatehouse.upstream.idle-timeout-ms", "1000"));
        assertThat(call(base + "/plain").statusCode()).isEqualTo(200);
        long answered = System.nanoTime();
        awaitTrue(Duration.ofSeconds(10), "the gateway to close its idle upstream connection", () -> closed.get() == 1);
        long idleMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answered);
        System.out.println("idle upstream connection closed after about " + idleMs + " ms");
        // Not before its idle time (the connection sat idle from before the client had its answer), and by the first
        // sweep after it (every half idle time), with room for a busy machine.
        assertThat(idleMs).isGreaterThanOrEqualTo(1_000).isLessThan(5_000);
        HttpResponse<String> next = call(base + "/plain");
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(opened.get()).isEqualTo(2);
    }

    @Test
    void anIdleTimeoutOutOfRangeIsRefusedAtStartWithItsName() {
        for (String value : new String[] {"0", "-5", "86400001", "soon"}) {
            IllegalArgumentException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> TestSupport.settings(java.nio.file.Path.of("unused"), Map.of("gatehouse.upstream.idle-timeout-ms", value)));
            assertThat(refused.getMessage()).as(value).contains("GATEHOUSE_UPSTREAM_IDLE_TIMEOUT_MS").contains(value);
        }
    }

    @Test
    void moreConcurrentRequestsThanThePoolHoldsAreAllAnsweredWithinTheCap() throws Exception {
        String base = gateway(startUpstream(0), 5_000, Map.of("gatehouse.upstream.pool-size", "2",
                "gatehouse.client.max-pending-per-consumer", "1000"));
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            // Two waves at most: the wait for a connection counts against the API's connect timeout (1 s here).
            for (int i = 0; i < 16; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> call(base + "/slow?ms=150"), clients));
            }
            for (CompletableFuture<HttpResponse<String>> c : calls) {
                assertThat(c.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
        } finally {
            clients.shutdownNow();
        }
        // Two event loops, each with two connections of its own and at most two more from the client's queue.
        assertThat(mostOpen.get()).isBetween(2, 8);
    }
}
