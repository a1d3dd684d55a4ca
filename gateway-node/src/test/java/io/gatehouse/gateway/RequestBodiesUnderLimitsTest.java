package io.gatehouse.gateway;

import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.KeyGrant;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.keys.ApiKeys;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Request bodies through a plan with a rate limit and a quota. Every request here is the first of its subscription
 * on the node, so it finds no rate share and no quota units and waits for leases: the case where a body used to be
 * lost while the request was parked.
 */
class RequestBodiesUnderLimitsTest extends StandaloneGateway {
    static final PlanDefinition DEMO = new PlanDefinition("plan-demo", "demo", 50L, null, 100_000L, "HARD", "OPEN");
    static final PlanDefinition BUSY = new PlanDefinition("plan-busy", "busy", 2_000L, 200L, 100_000L, "HARD", "OPEN");
    static final int CONSUMERS = 12;

    final List<String> keys = new ArrayList<>();

    /** One API; consumers 0..CONSUMERS-1 on the demo plan, each with its own key and subscription. */
    void start(PlanDefinition plan) throws Exception {
        EchoUpstream echo = upstream("echo", "127.0.0.1", 0, 0);
        List<KeyGrant> grants = new ArrayList<>();
        List<SubscriptionGrant> subscriptions = new ArrayList<>();
        for (int i = 0; i < CONSUMERS; i++) {
            String key = ApiKeys.generate();
            keys.add(key);
            grants.add(key("k" + i, key, "app" + i, null));
            subscriptions.add(new SubscriptionGrant("sub-" + i, "app" + i, "demo", plan.id(), null));
        }
        ConfigSnapshot snapshot = ConfigSnapshot.of(1, Instant.now(), List.of(api("demo", null, "/demo", echo.url())),
                List.of(plan), grants, subscriptions);
        startNode(snapshot, Map.of("gatehouse.limits.lease-wait-ms", "3000"));
    }

    String url(String path) {
        return "http://127.0.0.1:" + node.settings().proxyPort() + path;
    }

    HttpResponse<String> call(String method, HttpRequest.BodyPublisher body, String key) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url("/demo/e"))).method(method, body).header("X-API-Key", key)
                    .timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError(method + " got no answer: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static byte[] random(int size) {
        byte[] bytes = new byte[size];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }

    static void assertArrivedWhole(HttpResponse<String> response, byte[] sent) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonObject echo = new JsonObject(response.body());
        assertThat(echo.getInteger("bodyLength")).isEqualTo(sent.length);
        assertThat(echo.getString("bodySha256")).isEqualTo(EchoUpstream.sha256(sent));
    }

    /** A body of unknown length (sent chunked) handed over in pieces, {@code pauseMs} apart. */
    static HttpRequest.BodyPublisher trickle(byte[] bytes, int pieces, long pauseMs) {
        return HttpRequest.BodyPublishers.ofInputStream(() -> new InputStream() {
            int position;
            final int piece = Math.max(1, bytes.length / pieces);

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] into, int offset, int length) {
                if (position >= bytes.length) {
                    return -1;
                }
                if (position > 0 && position % piece == 0 && pauseMs > 0) {
                    try {
                        Thread.sleep(pauseMs); // the client's pace, not a wait for a condition
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return -1;
                    }
                }
                int n = Math.min(length, Math.min(bytes.length - position, piece - position % piece));
                System.arraycopy(bytes, position, into, offset, n);
                position += n;
                return n;
            }
        });
    }

    @Test
    void aPostWithABodyIsAnsweredWhenItIsTheFirstRequestOfItsSubscription() throws Exception {
        start(DEMO);
        byte[] body = "{\"a\":1}".getBytes();
        HttpResponse<String> response = call("POST", HttpRequest.BodyPublishers.ofByteArray(body), keys.get(0));
        assertArrivedWhole(response, body);
    }

    @Test
    void bodiesOfEverySizeAndPaceArriveByteExactWhileWaitingForLeases() throws Exception {
        start(DEMO);
        byte[] kib = random(1024);
        byte[] mib = random(1024 * 1024);
        byte[] trickled = random(64 * 1024);
        int k = 0;
        for (String method : List.of("POST", "PUT")) {
            assertArrivedWhole(call(method, HttpRequest.BodyPublishers.ofByteArray(new byte[0]), keys.get(k++)), new byte[0]);
            assertArrivedWhole(call(method, HttpRequest.BodyPublishers.ofByteArray(kib), keys.get(k++)), kib);
            assertArrivedWhole(call(method, trickle(mib, 16, 0), keys.get(k++)), mib);
            long start = System.nanoTime();
            assertArrivedWhole(call(method, trickle(trickled, 10, 200), keys.get(k++)), trickled);
            System.out.printf("%s body trickled over %d ms%n", method, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }
        everyoneStillGets200();
    }

    @Test
    void concurrentBodiesOfFreshSubscriptionsAllArriveAndTheApiStaysAvailable() throws Exception {
        start(BUSY);
        ExecutorService clients = Executors.newFixedThreadPool(CONSUMERS * 2);
        try {
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < CONSUMERS * 4; i++) {
                String key = keys.get(i % CONSUMERS);
                int kind = i % 4;
                calls.add(clients.submit(() -> {
                    byte[] body = kind == 0 ? new byte[0] : kind == 1 ? random(1024) : random(256 * 1024);
                    HttpRequest.BodyPublisher publisher = kind == 2 ? trickle(body, 8, 0)
                            : kind == 3 ? trickle(body, 4, 100) : HttpRequest.BodyPublishers.ofByteArray(body);
                    assertArrivedWhole(call(kind % 2 == 0 ? "POST" : "PUT", publisher, key), body);
                    return null;
                }));
            }
            for (Future<?> call : calls) {
                call.get(60, TimeUnit.SECONDS);
            }
        } finally {
            clients.shutdownNow();
        }
        everyoneStillGets200();
    }

    void everyoneStillGets200() {
        for (String key : keys) {
            HttpResponse<String> response = call("GET", HttpRequest.BodyPublishers.noBody(), key);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        }
    }
}
