package io.gatehouse.gateway;

import io.gatehouse.protocol.keys.ApiKeys;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients that hold on to what others need: a half-sent head, a stalled body, an idle keep-alive connection, too many
 * connections, one consumer's many slow uploads. Limits are set small so that each story runs in about a second.
 */
class ClientLimitsTest extends StandaloneGateway {
    static final String KEY_A = ApiKeys.generate();
    static final String KEY_B = ApiKeys.generate();
    static final Duration WAIT = Duration.ofSeconds(10);

    int port;
    EchoUpstream demo;

    void start(Map<String, String> limits) throws Exception {
        demo = upstream("demo", "127.0.0.1", 0, 0);
        startNode(snapshot(1, List.of(api("demo", null, "/demo", demo.url())),
                List.of(key("ka", KEY_A, "app-a", null), key("kb", KEY_B, "app-b", null)),
                List.of(subscription("app-a", "demo"), subscription("app-b", "demo"))), limits);
        port = node.settings().proxyPort();
    }

    static String get(String path, String key) {
        return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + key + "\r\n\r\n";
    }

    @Test
    void aClientThatSendsHalfAHeadAndWaitsIsCutOffWith408() throws Exception {
        start(Map.of("gatehouse.client.header-timeout-ms", "300"));
        long start = System.nanoTime();
        try (RawHttp slowloris = new RawHttp(port)) {
            RawHttp.Answer answer = slowloris.send("GET /demo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ").read(WAIT);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            System.out.println("header timeout 300 ms: connection closed after " + took.toMillis() + " ms");
            assertThat(answer.status()).isEqualTo(408);
            assertThat(answer.text()).contains("\"code\":\"request_timeout\"");
            assertThat(answer.closed()).isTrue();
            assertThat(took).isBetween(Duration.ofMillis(250), Duration.ofSeconds(5));
        }
        assertThat(RawHttp.exchange(port, get("/demo/x", KEY_A), WAIT).status()).as("others are still served").isEqualTo(200);
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedButAWaitForASlowUpstreamIsNot() throws Exception {
        start(Map.of("gatehouse.client.idle-timeout-ms", "400", "gatehouse.client.header-timeout-ms", "400",
                "gatehouse.client.body-timeout-ms", "400"));
        try (RawHttp client = new RawHttp(port)) {
            RawHttp.Answer slow = client.send(get("/demo/slow?ms=1500", KEY_A)).read(WAIT);
            assertThat(slow.status()).as("1.5 s waiting for the upstream is not idleness").isEqualTo(200);
            assertThat(slow.closed()).isFalse();
            long start = System.nanoTime();
            RawHttp.Answer idle = client.read(WAIT);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            System.out.println("idle timeout 400 ms: keep-alive connection closed after " + took.toMillis() + " ms");
            assertThat(idle.closed()).isTrue();
            assertThat(idle.text()).isEmpty();
            assertThat(took).isBetween(Duration.ofMillis(100), Duration.ofSeconds(5));
        }
    }

    @Test
    void aPipelinedRequestLeavesNoHeaderClockRunningOnTheQuietConnectionAfterIt() throws Exception {
        start(Map.of("gatehouse.client.header-timeout-ms", "300", "gatehouse.client.idle-timeout-ms", "5000"));
        try (RawHttp client = new RawHttp(port)) {
            client.send(get("/demo/slow?ms=500", KEY_A));
            awaitTrue(WAIT, "the first request at the upstream", () -> demo.inFlight.get() >= 1);
            // The second request's bytes arrive while the first waits for its answer, and are read right after it.
            client.send(get("/demo/second", KEY_A));
            StringBuilder answers = new StringBuilder();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (new RawHttp.Answer(answers.toString(), false).responses() < 2 && System.nanoTime() < deadline) {
                RawHttp.Answer part = client.read(WAIT);
                answers.append(part.text());
                if (part.closed()) {
                    break;
                }
            }
            assertThat(new RawHttp.Answer(answers.toString(), false).responses()).as(answers.toString()).isEqualTo(2);
            assertThat(answers.toString()).doesNotContain("request_timeout");

            // Both answered, nothing more sent: the connection is idle (5 s), not a request head late by 300 ms.
            RawHttp.Answer quiet = client.read(Duration.ofSeconds(2));
            assertThat(quiet.text()).as("no 408 on a quiet keep-alive connection").isEmpty();
            assertThat(quiet.closed()).isFalse();
        }
    }

    @Test
    void aBodyThatStallsGets408AndNeverReachesTheUpstream() throws Exception {
        start(Map.of("gatehouse.client.body-timeout-ms", "300"));
        EchoUpstream demo = upstreams.get(0);
        try (RawHttp client = new RawHttp(port)) {
            RawHttp.Answer answer = client.send("POST /demo/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY_A
                    + "\r\nContent-Length: 100\r\n\r\n0123456789").read(WAIT);
            assertThat(answer.status()).isEqualTo(408);
            assertThat(answer.closed()).isTrue();
        }
        try (RawHttp client = new RawHttp(port)) {
            RawHttp.Answer answer = client.send("POST /demo/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY_A
                    + "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n").read(WAIT);
            assertThat(answer.status()).as("a streamed body that stalls").isEqualTo(408);
            assertThat(answer.closed()).isTrue();
        }
        assertThat(demo.requests.get()).isZero();
    }

    @Test
    void connectionsBeyondTheNodesCapAreClosed() throws Exception {
        start(Map.of("gatehouse.client.max-connections", "2"));
        try (RawHttp first = new RawHttp(port); RawHttp second = new RawHttp(port)) {
            assertThat(first.send(get("/demo/1", KEY_A)).read(WAIT).status()).isEqualTo(200);
            assertThat(second.send(get("/demo/2", KEY_A)).read(WAIT).status()).isEqualTo(200);
            long start = System.nanoTime();
            RawHttp.Answer third = RawHttp.exchange(port, get("/demo/3", KEY_A), WAIT);
            System.out.println("connection over the cap closed after " + (System.nanoTime() - start) / 1_000_000 + " ms");
            assertThat(third.answered()).isFalse();
            assertThat(third.closed()).isTrue();
        }
        Duration freed = awaitTrue(WAIT, "a freed connection slot is usable again", () -> {
            try {
                return RawHttp.exchange(port, get("/demo/4", KEY_A), Duration.ofSeconds(2)).status() == 200;
            } catch (Exception e) {
                return false;
            }
        });
        System.out.println("a freed connection slot was usable after " + freed.toMillis() + " ms");
    }

    @Test
    void oneConsumersSlowUploadsCannotTakeTheApiFromOthers() throws Exception {
        start(Map.of("gatehouse.client.max-pending-per-consumer", "2"));
        EchoUpstream demo = upstreams.get(0);
        for (int round = 1; round <= 2; round++) {
            List<RawHttp> uploads = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    uploads.add(new RawHttp(port).send("PUT /demo/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY_A
                            + "\r\nContent-Length: 1000\r\n\r\nfirst bytes only"));
                }
                // The uploads are written; the node must have counted both before a third request is tried, or that
                // request could take a slot first and leave an upload refused instead.
                awaitTrue(WAIT, "both uploads hold a slot (round " + round + ")", () -> node.pendingRequestsOf("consumer-of-app-a") == 2);
                String[] last = {"nothing"};
                try {
                    awaitTrue(WAIT, "consumer A's third request is refused while two uploads trickle (round " + round + ")", () -> {
                        HttpResponse<String> third = TestSupport.get("http://127.0.0.1:" + port + "/demo/x", "X-API-Key", KEY_A);
                        last[0] = third.statusCode() + " " + third.body();
                        return third.statusCode() == 429 && new JsonObject(third.body()).getString("code").equals("too_many_pending");
                    });
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "; last answer: " + last[0], e);
                }
                assertThat(TestSupport.get("http://127.0.0.1:" + port + "/demo/x", "X-API-Key", KEY_B).statusCode())
                        .as("consumer B is served meanwhile").isEqualTo(200);
            } finally {
                for (RawHttp upload : uploads) upload.close();
            }
            // The uploads' slots come back when their connections close; exactly once each, or round 2 would let a
            // third upload through (a slot returned twice) or refuse the first (a slot never returned).
            // Both slots back: two requests at once are served again (the closes are seen one after the other).
            awaitTrue(WAIT, "consumer A has both its slots again (round " + round + ")", this::twoAtOnceServed);
        }
        assertThat(demo.requests.get()).isPositive();
    }

    private boolean twoAtOnceServed() {
        List<CompletableFuture<HttpResponse<String>>> concurrent = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            concurrent.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/demo/slow?ms=200"))
                    .header("X-API-Key", KEY_A).build(), HttpResponse.BodyHandlers.ofString()));
        }
        return concurrent.stream().allMatch(response -> response.join().statusCode() == 200);
    }

    @Test
    void forwardedHeadersFromATrustedProxyAreExtended() throws Exception {
        start(Map.of("gatehouse.trusted-proxies", "10.0.0.0/8, 127.0.0.0/8"));
        RawHttp.Answer answer = RawHttp.exchange(port, "GET /demo/f HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY_A
                + "\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: shop.example\r\n\r\n", WAIT);
        JsonObject headers = new JsonObject(answer.text().substring(answer.text().indexOf("\r\n\r\n") + 4)).getJsonObject("headers");
        assertThat(headers.getString("x-forwarded-for")).isEqualTo("6.6.6.6, 127.0.0.1");
        assertThat(headers.getString("x-forwarded-proto")).isEqualTo("https");
        assertThat(headers.getString("x-forwarded-host")).isEqualTo("shop.example");
    }
}
