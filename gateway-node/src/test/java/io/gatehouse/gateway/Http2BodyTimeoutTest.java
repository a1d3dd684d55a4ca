package io.gatehouse.gateway;

import io.gatehouse.gateway.tls.RawH2;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.keys.ApiKeys;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An HTTP/2 client that opens a stream, sends its headers and part of its body and then stalls gets, after the body
 * timeout HTTP/1.1 also has, a 408 on that stream and a reset of it; the other streams of its connection (one of
 * them sending its body slowly but steadily) and another client are served as if nothing happened.
 */
class Http2BodyTimeoutTest {
    static final String KEY = ApiKeys.generate();
    static final PlanDefinition PLAN = new PlanDefinition("plan-uploads", "uploads", 1_000L, 500L, 1_000_000L, "HARD", "OPEN");
    static final long BODY_TIMEOUT_MS = 1_000;

    @TempDir
    static Path dir;
    static EchoUpstream upstream;
    static TlsGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = new EchoUpstream("uploads");
        ConfigSnapshot snapshot = ConfigSnapshot.of(1, Instant.now(), List.of(api("uploads", null, "/uploads", upstream.url())),
                List.of(PLAN), List.of(key("k1", KEY, "app-1", null)),
                List.of(new SubscriptionGrant("sub-1", "app-1", "uploads", PLAN.id(), null)));
        gateway = TlsGateway.start(dir, snapshot, Map.of("gatehouse.client.body-timeout-ms", String.valueOf(BODY_TIMEOUT_MS)));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.node().stop();
        upstream.close();
    }

    @Test
    void aStalledStreamIsAnswered408AndResetWhileItsConnectionAndOtherClientsAreServed() throws Exception {
        int port = gateway.port();
        try (RawH2 h2 = new RawH2(gateway.trusting(), port); RawH2 other = new RawH2(gateway.trusting(), port)) {
            long opened = System.nanoTime();
            h2.headers(1, RawH2.request("POST", "/uploads/stalled", "x-api-key", KEY, "x-request-id", "stalled-upload",
                    "content-length", "1000"), false);
            h2.data(1, new byte[100], false);

            // A slow but steady body on the same connection: a chunk every 0.4 s, 1.2 s in all, longer than the
            // timeout; each chunk restarts its stream's clock, so it must be answered by the upstream.
            // Header blocks are sent from this thread only: HPACK's table is shared by the connection's blocks.
            h2.headers(3, RawH2.request("POST", "/uploads/steady", "x-api-key", KEY, "content-length", "300"), false);
            h2.headers(5, RawH2.request("GET", "/uploads/meanwhile", "x-api-key", KEY), true);
            AtomicReference<Exception> writerFailed = new AtomicReference<>();
            Thread steady = new Thread(() -> {
                try {
                    for (int i = 0; i < 3; i++) {
                        Thread.sleep(BODY_TIMEOUT_MS * 2 / 5); // the client's own pace, not a wait for a condition
                        h2.data(3, new byte[100], i == 2);
                    }
                } catch (Exception e) {
                    writerFailed.set(e);
                }
            }, "steady-uploader");
            steady.start();

            other.headers(1, RawH2.request("GET", "/uploads/elsewhere", "x-api-key", KEY), true);
            assertThat(Streams.read(other, 1).status()).as("another client during the stall").isEqualTo("200");

            Streams streams = new Streams();
            long answeredAt = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (!(streams.ended(1) && streams.reset(1) && streams.ended(3) && streams.ended(5))) {
                assertThat(System.nanoTime()).as("frames so far: " + streams.frames.keySet()).isLessThan(deadline);
                RawH2.Frame frame = h2.next();
                streams.add(frame);
                if (frame.stream() == 1 && frame.type() == RawH2.HEADERS && answeredAt == 0) {
                    answeredAt = System.nanoTime();
                }
            }
            steady.join(10_000);
            assertThat(writerFailed.get()).isNull();

            Duration stalledFor = Duration.ofNanos(answeredAt - opened);
            System.out.println("the stalled stream was answered after " + stalledFor.toMillis() + " ms (body timeout " + BODY_TIMEOUT_MS + " ms)");
            assertThat(streams.status(1)).as("the stalled stream").isEqualTo("408");
            JsonObject refusal = new JsonObject(new String(streams.body(1)));
            assertThat(refusal.getString("code")).isEqualTo("request_timeout");
            assertThat(refusal.getString("requestId")).isEqualTo("stalled-upload");
            assertThat(stalledFor).as("not before the body timeout").isGreaterThanOrEqualTo(Duration.ofMillis(BODY_TIMEOUT_MS * 9 / 10));
            assertThat(stalledFor).as("within a few sweeps of it").isLessThan(Duration.ofMillis(BODY_TIMEOUT_MS * 5));
            assertThat(streams.resetCode(1)).as("RST_STREAM NO_ERROR after the complete answer (RFC 9113, 8.1)").isZero();

            assertThat(streams.status(3)).as("the slow but steady body").isEqualTo("200");
            assertThat(new JsonObject(new String(streams.body(3))).getInteger("bodyLength")).isEqualTo(300);
            assertThat(streams.status(5)).as("a request on the same connection").isEqualTo("200");

            h2.headers(7, RawH2.request("GET", "/uploads/after", "x-api-key", KEY), true);
            assertThat(Streams.read(h2, 7).status()).as("the connection serves on after the reset").isEqualTo("200");
        }
        awaitTrue(Duration.ofSeconds(10), "the consumer's in-flight slots given back", () -> gateway.node().pendingRequestsOf("consumer-of-app-1") == 0);
        awaitTrue(Duration.ofSeconds(10), "the stalled request's access log line", () -> linesOf("stalled-upload").size() == 1);
        JsonObject line = linesOf("stalled-upload").get(0);
        assertThat(line.getInteger("status")).isEqualTo(408);
        assertThat(line.getString("error")).isEqualTo("request_timeout");
        assertThat(linesOf("stalled-upload")).as("the completion ran once").hasSize(1);
    }

    /** The frames one connection received, by stream. */
    static final class Streams {
        final Map<Integer, List<RawH2.Frame>> frames = new HashMap<>();

        void add(RawH2.Frame frame) {
            frames.computeIfAbsent(frame.stream(), s -> new ArrayList<>()).add(frame);
        }

        List<RawH2.Frame> of(int stream) {
            return frames.getOrDefault(stream, List.of());
        }

        boolean ended(int stream) {
            return of(stream).stream().anyMatch(f -> (f.flags() & RawH2.END_STREAM) != 0 || f.type() == RawH2.RST_STREAM);
        }

        boolean reset(int stream) {
            return of(stream).stream().anyMatch(f -> f.type() == RawH2.RST_STREAM);
        }

        long resetCode(int stream) {
            return of(stream).stream().filter(f -> f.type() == RawH2.RST_STREAM).findFirst().orElseThrow().errorCode();
        }

        String status(int stream) {
            return of(stream).stream().filter(f -> f.type() == RawH2.HEADERS).findFirst().map(RawH2.Frame::status).orElse(null);
        }

        byte[] body(int stream) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            of(stream).stream().filter(f -> f.type() == RawH2.DATA).forEach(f -> body.writeBytes(f.payload()));
            return body.toByteArray();
        }

        /** Reads until this stream's answer has ended, and returns its response HEADERS. */
        static RawH2.Frame read(RawH2 h2, int stream) throws Exception {
            Streams streams = new Streams();
            while (!streams.ended(stream)) {
                streams.add(h2.next());
            }
            return streams.of(stream).stream().filter(f -> f.type() == RawH2.HEADERS).findFirst().orElseThrow();
        }
    }

    static List<JsonObject> linesOf(String requestId) {
        return gateway.accessLogLines(requestId);
    }
}
