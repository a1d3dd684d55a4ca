package io.gatehouse.gateway;

import io.gatehouse.gateway.routing.TargetState;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.LoadBalancing;
import io.gatehouse.protocol.config.UpstreamPolicy;
import io.gatehouse.protocol.config.UpstreamTarget;
import io.gatehouse.protocol.keys.ApiKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Balancing, retries and ejection, against real upstream servers that die, come back, or are slow. */
class UpstreamResilienceTest extends StandaloneGateway {
    static final String KEY = ApiKeys.generate();

    EchoUpstream upstream(String name, int port, long delayMs) throws Exception {
        return upstream(name, "127.0.0.1", port, delayMs);
    }

    GatewayNode gateway(UpstreamPolicy policy, EchoUpstream... targets) throws Exception {
        ApiDefinition api = new ApiDefinition("svc", "svc", "1", null, "/svc", true,
                java.util.Arrays.stream(targets).map(t -> new UpstreamTarget(t.url(), 1)).toList(),
                "X-API-Key", 500, 5_000, "PUBLISHED", policy, null, null);
        return startNode(snapshot(1, List.of(api), List.of(key("k", KEY, "app", null)), List.of(subscription("app", "svc"))), Map.of());
    }

    HttpResponse<String> call(String method) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.settings().proxyPort() + "/svc/item"))
                .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString("{}") : HttpRequest.BodyPublishers.noBody()), "X-API-Key", KEY);
    }

    TargetState state(EchoUpstream upstream) {
        for (TargetState t : node.config().current().routes().byApiId("svc").targets()) {
            if (t.url().port() == upstream.port()) {
                return t;
            }
        }
        throw new AssertionError("no target on port " + upstream.port());
    }

    @Test
    void aTargetKilledUnderLoadCostsNoIdempotentRequestAndIsEjected() throws Exception {
        EchoUpstream a = upstream("a", 0, 0);
        EchoUpstream b = upstream("b", 0, 0);
        EchoUpstream c = upstream("c", 0, 0);
        gateway(UpstreamPolicy.of("P2C", 2, 3, 60_000, "/", 500), a, b, c);

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<Future<?>> running4 = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            running4.add(clients.submit(() -> {
                for (int n = 0; n < 20_000 && running.get(); n++) {
                    HttpResponse<String> response = call("GET");
                    if (response.statusCode() == 200) ok.incrementAndGet(); else failures.add(response.statusCode() + " " + response.body());
                }
            }));
        }
        awaitTrue(Duration.ofSeconds(10), "traffic to reach every target", () -> b.requests.get() > 50);
        b.close();
        int okAtKill = ok.get();
        awaitTrue(Duration.ofSeconds(10), "the dead target to be ejected", () -> state(b).ejected());
        awaitTrue(Duration.ofSeconds(10), "more traffic after the ejection", () -> ok.get() > okAtKill + 500);
        running.set(false);
        for (Future<?> f : running4) f.get(30, TimeUnit.SECONDS);
        clients.shutdown();
        System.out.printf("GETs while a target died: %d answered 200, %d failed%n", ok.get(), failures.size());
        assertThat(failures).as("idempotent requests that hit the dead target are retried elsewhere").isEmpty();

        // A POST is not idempotent: whatever reaches the dead target is not sent again, and only the ejected
        // target is avoided afterwards. Here the target is already out, so POSTs succeed and each arrives once.
        int before = a.requests.get() + c.requests.get();
        for (int i = 0; i < 30; i++) {
            assertThat(call("POST").statusCode()).isEqualTo(200);
        }
        assertThat(a.requests.get() + c.requests.get() - before).as("each POST reached an upstream exactly once").isEqualTo(30);
    }

    @Test
    void aNonIdempotentRequestToADeadTargetIsNotRetriedAndAnEjectedTargetReturnsAfterItsProbe() throws Exception {
        EchoUpstream a = upstream("a", 0, 0);
        EchoUpstream b = upstream("b", 0, 0);
        int bPort = b.port();
        gateway(UpstreamPolicy.of("ROUND_ROBIN", 2, 3, 300, "/health", 500), a, b);
        b.close();

        int refused = 0;
        int received = a.requests.get();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> response = call("POST");
            if (response.statusCode() == 502) {
                refused++;
                assertThat(new io.vertx.core.json.JsonObject(response.body()).getString("code")).isEqualTo("upstream_unavailable");
            } else {
                assertThat(response.statusCode()).isEqualTo(200);
            }
        }
        System.out.printf("POSTs to a dead target before its ejection: %d refused with 502, not retried%n", refused);
        assertThat(refused).as("round robin sends the first POSTs to the dead target too").isBetween(1, 3);
        assertThat(a.requests.get() - received).as("a refused POST was not sent anywhere else").isEqualTo(20 - refused);
        assertThat(state(b).ejected()).isTrue();

        EchoUpstream revived = upstream("b-again", bPort, 0);
        awaitTrue(Duration.ofSeconds(15), "the revived target to pass its probe", () -> !state(b).ejected());
        for (int i = 0; i < 10; i++) {
            assertThat(call("GET").statusCode()).isEqualTo(200);
        }
        assertThat(revived.requests.get()).as("the probe, then a share of the traffic").isGreaterThan(1);
    }

    @Test
    void theCircuitOpensOnAFailingUpstreamAndClosesAfterItRecovers() throws Exception {
        EchoUpstream only = upstream("only", 0, 0);
        gateway(new UpstreamPolicy(LoadBalancing.P2C, 0, 5, 10_000, "/", 500, 1_000, 50, 10, 10_000, 500, null, null, null, null, null), only);
        assertThat(call("GET").statusCode()).isEqualTo(200);

        only.forcedStatus = 500;
        int relayed = 0;
        HttpResponse<String> response = call("GET");
        while (response.statusCode() == 500 && relayed < 100) {
            relayed++;
            response = call("GET");
        }
        System.out.printf("circuit opened after %d failed requests%n", relayed);
        assertThat(relayed).as("the window needs 10 requests before it may open").isBetween(9, 12);
        HttpResponseAssert.error(response, 503, "circuit_open");
        int seenByUpstream = only.requests.get();
        for (int i = 0; i < 20; i++) {
            HttpResponseAssert.error(call("GET"), 503, "circuit_open");
        }
        assertThat(only.requests.get()).as("an open circuit sends nothing upstream").isEqualTo(seenByUpstream);

        only.forcedStatus = 0;
        Duration closed = awaitTrue(Duration.ofSeconds(5), "the trial request to close the circuit", () -> call("GET").statusCode() == 200);
        System.out.printf("circuit closed %d ms after the upstream recovered%n", closed.toMillis());
        for (int i = 0; i < 20; i++) {
            assertThat(call("GET").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void activeHealthChecksTakeAnUnhealthyTargetOutAndBringItBack() throws Exception {
        EchoUpstream a = upstream("a", 0, 0);
        EchoUpstream b = upstream("b", 0, 0);
        gateway(new UpstreamPolicy(LoadBalancing.ROUND_ROBIN, 0, 0, 10_000, "/", 500, null, null, null, null, null, "/health", 100, 2, 2, null), a, b);
        b.healthStatus = 503;
        awaitTrue(Duration.ofSeconds(5), "b to fail its health checks", () -> state(b).unhealthy());
        int bBefore = b.requests.get();
        for (int i = 0; i < 40; i++) {
            assertThat(call("GET").statusCode()).isEqualTo(200);
        }
        assertThat(b.requests.get()).as("an unhealthy target gets no traffic").isEqualTo(bBefore);

        b.healthStatus = 200;
        awaitTrue(Duration.ofSeconds(5), "b to pass its health checks again", () -> !state(b).unhealthy());
        for (int i = 0; i < 40; i++) {
            assertThat(call("GET").statusCode()).isEqualTo(200);
        }
        assertThat(b.requests.get() - bBefore).as("round robin shares traffic with it again").isBetween(15, 25);
        assertThat(a.healthChecks.get()).isPositive();
    }

    @Test
    void anApisConnectionCapHoldsAndRequestsBeyondItWait() throws Exception {
        EchoUpstream slow = upstream("slow", 0, 100);
        gateway(new UpstreamPolicy(LoadBalancing.P2C, 0, 5, 10_000, "/", 500, null, null, null, null, null, null, null, null, null, 2), slow);
        ExecutorService clients = Executors.newFixedThreadPool(8);
        List<Future<?>> all = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            all.add(clients.submit(() -> {
                for (int n = 0; n < 3; n++) {
                    assertThat(call("GET").statusCode()).isEqualTo(200);
                }
            }));
        }
        for (Future<?> f : all) f.get(60, TimeUnit.SECONDS);
        clients.shutdown();
        System.out.printf("8 concurrent clients, connection cap 2: at most %d requests in flight at the upstream%n", slow.maxInFlight.get());
        assertThat(slow.requests.get()).isEqualTo(24);
        assertThat(slow.maxInFlight.get()).isBetween(1, 2);
    }

    /**
     * At its connection cap an API queues requests for a free connection. One whose client leaves meanwhile is not
     * sent when a connection frees up: the upstream would do its work for nobody, a POST included.
     */
    @Test
    void aQueuedRequestWhoseClientLeftIsNotSentWhenAConnectionFreesUp() throws Exception {
        EchoUpstream slow = upstream("slow", 0, 0);
        // A connect timeout longer than the wait: waiting for a pooled connection counts against it.
        ApiDefinition api = new ApiDefinition("svc", "svc", "1", null, "/svc", true, List.of(new UpstreamTarget(slow.url(), 1)),
                "X-API-Key", 5_000, 5_000, "PUBLISHED",
                new UpstreamPolicy(LoadBalancing.P2C, 0, 5, 10_000, "/", 500, null, null, null, null, null, null, null, null, null, 1), null, null);
        startNode(snapshot(1, List.of(api), List.of(key("k", KEY, "app", null)), List.of(subscription("app", "svc"))),
                Map.of("gatehouse.event-loops", "1"));
        String base = "http://127.0.0.1:" + node.settings().proxyPort();
        String metrics = "http://127.0.0.1:" + node.settings().statusPort() + "/metrics";

        var first = java.net.http.HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(URI.create(base + "/svc/slow?ms=1500"))
                .header("X-API-Key", KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
        awaitTrue(Duration.ofSeconds(5), "the first request at the upstream", () -> slow.inFlight.get() == 1);
        try (java.net.Socket leaving = new java.net.Socket("127.0.0.1", node.settings().proxyPort())) {
            leaving.getOutputStream().write(("POST /svc/order HTTP/1.1\r\nHost: gw\r\nX-API-Key: " + KEY
                    + "\r\nContent-Length: 2\r\n\r\n{}").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            awaitTrue(Duration.ofSeconds(5), "the second request waiting for the connection", () -> io.gatehouse.testing.ScrapeParser
                    .parse(get(metrics).body()).sum("gatehouse_gateway_requests_in_flight", Map.of("api", "svc")) == 2);
        }
        awaitTrue(Duration.ofSeconds(5), "the departure seen", () -> io.gatehouse.testing.ScrapeParser.parse(get(metrics).body())
                .sum("gatehouse_gateway_requests_total", Map.of("api", "svc", "code", "client_gone")) == 1);
        assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        // Queued behind the one that left: answered once that one has had its turn with the connection.
        assertThat(call("GET").statusCode()).isEqualTo(200);
        assertThat(slow.requests.get()).as("requests the upstream received: the first and the last, not the one that left").isEqualTo(2);
    }

    @Test
    void powerOfTwoChoicesMovesLoadAwayFromASlowTarget() throws Exception {
        EchoUpstream fast1 = upstream("fast-1", 0, 0);
        EchoUpstream fast2 = upstream("fast-2", 0, 0);
        EchoUpstream slow = upstream("slow", 0, 40);
        gateway(null, fast1, fast2, slow);

        ExecutorService clients = Executors.newFixedThreadPool(8);
        List<Future<?>> all = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            all.add(clients.submit(() -> {
                for (int n = 0; n < 150; n++) {
                    assertThat(call("GET").statusCode()).isEqualTo(200);
                }
            }));
        }
        for (Future<?> f : all) f.get(60, TimeUnit.SECONDS);
        clients.shutdown();
        double total = fast1.requests.get() + fast2.requests.get() + slow.requests.get();
        System.out.printf("P2C request shares: fast-1 %.1f%%, fast-2 %.1f%%, slow (40 ms) %.1f%%%n",
                100 * fast1.requests.get() / total, 100 * fast2.requests.get() / total, 100 * slow.requests.get() / total);
        assertThat(total).isEqualTo(1200);
        assertThat(slow.requests.get() / total).as("the slow target gets well under its third").isLessThan(0.15);
    }
}
