package io.gatehouse.gateway;

import io.gatehouse.gateway.config.ActiveConfig;
import io.gatehouse.gateway.routing.UpstreamHealth;
import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.config.LoadBalancing;
import io.gatehouse.protocol.config.UpstreamPolicy;
import io.gatehouse.protocol.config.UpstreamTarget;
import io.gatehouse.protocol.keys.ApiKeys;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/** A circuit breaker's state belongs to its API, not to a config version, and its half-open trial is never lost. */
class CircuitLifetimeTest extends StandaloneGateway {
    static final PlanDefinition PLAN = new PlanDefinition("plan-metered", "metered", 1_000L, 100L, 100_000L, "HARD", "OPEN");
    static final String KEY = ApiKeys.generate();
    /** Opens after 3 failures of 3, and lets a trial through 300 ms later. */
    static final UpstreamPolicy TRIPWIRE = new UpstreamPolicy(LoadBalancing.P2C, 0, 0, null, null, null, null, 50, 3, 10_000, 300, null, null,
            null, null, null);

    static ApiDefinition api(String url, int readTimeoutMs) {
        return new ApiDefinition("flaky", "flaky", "1", null, "/flaky", true, List.of(new UpstreamTarget(url, 1)), "X-API-Key", 1_000,
                readTimeoutMs, "PUBLISHED", TRIPWIRE, null, null);
    }

    static ConfigSnapshot snapshot(long version, ApiDefinition api, int keys) {
        List<io.gatehouse.protocol.config.KeyGrant> grants = new java.util.ArrayList<>();
        grants.add(key("k", KEY, "app", null));
        for (int i = 1; i < keys; i++) {
            grants.add(key("k" + i, ApiKeys.generate(), "app", null));
        }
        return ConfigSnapshot.of(version, Instant.now(), List.of(api), List.of(PLAN), grants,
                List.of(new SubscriptionGrant("sub-flaky", "app", "flaky", PLAN.id(), null)));
    }

    HttpResponse<String> get() {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.settings().proxyPort() + "/flaky/x")).GET(), "X-API-Key", KEY);
    }

    @Test
    void issuingAKeyWhileTheCircuitIsOpenLeavesItOpen() {
        UpstreamHealth health = new UpstreamHealth();
        ApiDefinition api = api("http://127.0.0.1:9", 5_000);
        ActiveConfig first = ActiveConfig.compile(snapshot(1, api, 1), health);
        for (int i = 0; i < 3; i++) {
            io.gatehouse.gateway.routing.UpstreamOutcome.attemptEnded(first.routes().byApiId("flaky"),
                    first.routes().byApiId("flaky").targets()[0], 500, false);
        }
        assertThat(first.routes().byApiId("flaky").circuitOpen()).isTrue();

        ActiveConfig keyIssued = ActiveConfig.compile(snapshot(2, api, 2), health);
        assertThat(keyIssued.routes().byApiId("flaky")).isNotSameAs(first.routes().byApiId("flaky"));
        assertThat(keyIssued.routes().byApiId("flaky").circuitOpen()).as("circuit after a key was issued").isTrue();

        ActiveConfig redefined = ActiveConfig.compile(snapshot(3, api("http://127.0.0.1:9", 7_000), 2), health);
        assertThat(redefined.routes().byApiId("flaky").circuitOpen()).as("circuit of a changed API definition").isFalse();
    }

    @Test
    void aTrialWhoseBodyNeverArrivesDoesNotKeepTheCircuitOpen() throws Exception {
        EchoUpstream upstream = upstream("flaky", "127.0.0.1", 0, 0);
        upstream.forcedStatus = 500;
        startNode(snapshot(1, api(upstream.url(), 5_000), 1), Map.of());
        for (int i = 0; i < 3; i++) {
            assertThat(get().statusCode()).isEqualTo(500);
        }
        assertThat(get().body()).contains("circuit_open");
        upstream.forcedStatus = 0;

        // Once the circuit lets its trial through, the trial is a POST whose client sends half its body and leaves.
        awaitTrue(Duration.ofSeconds(5), "a half-sent POST to be let through as the trial", this::halfSentPostIsAdmitted);

        long start = System.nanoTime();
        awaitTrue(Duration.ofSeconds(3), "the next request to be the trial and close the circuit", () -> get().statusCode() == 200);
        System.out.printf("circuit closed %d ms after the abandoned trial%n", (System.nanoTime() - start) / 1_000_000);
        assertThat(get().statusCode()).isEqualTo(200);
    }

    /** Sends a POST announcing 1000 bytes, sends 10, and leaves: true if the gateway waited for the rest. */
    boolean halfSentPostIsAdmitted() {
        try (Socket socket = new Socket("127.0.0.1", node.settings().proxyPort())) {
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /flaky/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"a\":12345").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            try {
                byte[] answer = in.readNBytes(12);
                assertThat(new String(answer, StandardCharsets.US_ASCII)).as("a refusal while the circuit is open").isEqualTo("HTTP/1.1 503");
                return false;
            } catch (SocketTimeoutException waitingForTheBody) {
                return true;
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
