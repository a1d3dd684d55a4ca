package io.gatehouse.gateway;

import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.keys.ApiKeys;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/** A standalone gateway node from a snapshot file, in front of real upstream servers. */
class GatewayProxyTest {
    static final String KEY = ApiKeys.generate();
    static final String EXPIRED_KEY = ApiKeys.generate();
    static final String OTHER_APP_KEY = ApiKeys.generate();

    @TempDir
    static Path dir;
    static EchoUpstream orders;
    static EchoUpstream ordersV2;
    static EchoUpstream partners;
    static GatewayNode node;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        orders = new EchoUpstream("orders");
        ordersV2 = new EchoUpstream("orders-v2");
        partners = new EchoUpstream("partners");
        int closedPort = freePort();
        ConfigSnapshot snapshot = snapshot(1,
                List.of(api("orders", null, "/orders", orders.url() + "/internal"),
                        api("orders-v2", null, "/orders/v2", ordersV2.url()),
                        api("partners", "partners.example.com", "/orders", partners.url()),
                        api("down", null, "/down", "http://127.0.0.1:" + closedPort),
                        withReadTimeout(api("slow", null, "/slow-api", orders.url()), 300),
                        api("private", null, "/private", orders.url())),
                List.of(key("k1", KEY, "app-1", null),
                        key("k2", EXPIRED_KEY, "app-1", Instant.now().minusSeconds(60)),
                        key("k3", OTHER_APP_KEY, "app-2", null)),
                List.of(subscription("app-1", "orders"), subscription("app-1", "orders-v2"),
                        subscription("app-1", "partners"), subscription("app-1", "down"), subscription("app-1", "slow"),
                        subscription("app-2", "orders")));
        // Written without its hash, as a hand-written GitOps file would be.
        Path file = dir.resolve("snapshot.json");
        Files.writeString(file, Json.write(snapshot.withHash(null)));
        node = new GatewayNode(settings(dir.resolve("data"), Map.of(
                "gatehouse.snapshot-file", file.toString(),
                "gatehouse.max-body-bytes", String.valueOf(8 * 1024 * 1024)))).start();
        base = "http://127.0.0.1:" + node.settings().proxyPort();
    }

    @AfterAll
    static void stop() throws Exception {
        node.stop();
        orders.close();
        ordersV2.close();
        partners.close();
    }

    static JsonObject json(HttpResponse<String> response) {
        return new JsonObject(response.body());
    }

    @Test
    void developerCallsTheApiAndTheUpstreamSeesTheRequestIntact() {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(base + "/orders/42/items?sort=desc&tag=a&tag=b"))
                        .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"qty\":3}")),
                "X-API-Key", KEY, "Content-Type", "application/json", "X-Custom", "kept", "X-Request-Id", "trace-123",
                "X-Gatehouse-Consumer-Id", "forged");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Upstream")).contains("orders");
        assertThat(response.headers().firstValue("X-Request-Id")).contains("trace-123");
        JsonObject echo = json(response);
        assertThat(echo.getString("method")).isEqualTo("PATCH");
        assertThat(echo.getString("path")).isEqualTo("/internal/42/items");
        assertThat(echo.getString("query")).isEqualTo("sort=desc&tag=a&tag=b");
        assertThat(echo.getString("body")).isEqualTo("{\"qty\":3}");
        JsonObject headers = echo.getJsonObject("headers");
        assertThat(headers.getString("content-type")).isEqualTo("application/json");
        assertThat(headers.getString("x-custom")).isEqualTo("kept");
        assertThat(headers.getString("x-forwarded-for")).isEqualTo("127.0.0.1");
        assertThat(headers.getString("x-forwarded-proto")).isEqualTo("http");
        assertThat(headers.getString("x-forwarded-host")).isEqualTo("127.0.0.1:" + node.settings().proxyPort());
        assertThat(headers.getString("x-request-id")).isEqualTo("trace-123");
        assertThat(headers.getString("x-gatehouse-consumer-id")).isEqualTo("consumer-of-app-1");
        assertThat(headers.getString("x-gatehouse-application-id")).isEqualTo("app-1");
        assertThat(headers.containsKey("x-api-key")).as("the key never reaches the upstream").isFalse();
    }

    @Test
    void aBearerKeyWorksAndStatusCodesPassThrough() {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(base + "/orders/created"))
                .POST(HttpRequest.BodyPublishers.ofString("x")), "Authorization", "Bearer " + KEY);
        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(json(response).getJsonObject("headers").containsKey("authorization")).isFalse();
        assertThat(response.headers().firstValue("X-Request-Id").orElseThrow()).hasSize(32);
    }

    @Test
    void theLongestBasePathAndTheNamedHostWin() {
        assertThat(json(get(base + "/orders/v2/list", "X-API-Key", KEY)).getString("upstream")).isEqualTo("orders-v2");
        assertThat(json(get(base + "/orders/v2/list", "X-API-Key", KEY)).getString("path")).isEqualTo("/list");
        assertThat(json(get(base + "/orders/v22", "X-API-Key", KEY)).getString("upstream")).isEqualTo("orders");
        assertThat(json(get(base + "/orders", "X-API-Key", KEY)).getString("path")).isEqualTo("/internal");
        assertThat(json(get(base + "/orders/1", "X-API-Key", KEY, "Host", "partners.example.com")).getString("upstream"))
                .isEqualTo("partners");
        assertThat(json(get(base + "/orders/1", "X-API-Key", KEY, "Host", "PARTNERS.example.com:8000")).getString("upstream"))
                .isEqualTo("partners");
    }

    @Test
    void everyGatewayErrorIsJsonWithAStableCode() {
        assertError(get(base + "/nowhere", "X-API-Key", KEY), 404, "no_route");
        assertError(get(base + "/orders-archive", "X-API-Key", KEY), 404, "no_route");
        assertError(get(base + "/orders/1"), 401, "missing_api_key");
        assertError(get(base + "/orders/1", "X-API-Key", "ghk_not-a-real-key"), 401, "invalid_api_key");
        assertError(get(base + "/orders/1", "X-API-Key", ApiKeys.generate()), 401, "invalid_api_key");
        assertError(get(base + "/orders/1", "X-API-Key", EXPIRED_KEY), 401, "expired_api_key");
        assertError(get(base + "/orders/v2/1", "X-API-Key", OTHER_APP_KEY), 403, "not_subscribed");
        assertError(get(base + "/private", "X-API-Key", KEY), 403, "not_subscribed");
        assertError(get(base + "/down/1", "X-API-Key", KEY), 502, "upstream_unavailable");
        assertError(get(base + "/slow-api/slow?ms=3000", "X-API-Key", KEY), 504, "upstream_timeout");
        assertError(get(base + "/orders/../admin", "X-API-Key", KEY), 400, "bad_request");
        assertThat(get(base + "/orders/1").headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"gatehouse\"");
    }

    @Test
    void anOversizedBodyIsRefusedWhetherItsLengthIsAnnouncedOrNot() {
        byte[] nineMegabytes = new byte[9 * 1024 * 1024];
        HttpResponse<String> announced = send(HttpRequest.newBuilder(URI.create(base + "/orders/upload"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(nineMegabytes)), "X-API-Key", KEY);
        assertError(announced, 413, "payload_too_large");

        int before = orders.requests.get();
        HttpResponse<String> chunked = send(HttpRequest.newBuilder(URI.create(base + "/orders/upload"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(nineMegabytes))), "X-API-Key", KEY);
        assertError(chunked, 413, "payload_too_large");
        assertThat(orders.requests.get()).as("a refused upload is not answered by the upstream").isEqualTo(before);

        // The gateway is still fine afterwards.
        assertThat(get(base + "/orders/1", "X-API-Key", KEY).statusCode()).isEqualTo(200);
    }

    @Test
    void largeBodiesStreamBothWays() {
        byte[] upload = new byte[5 * 1024 * 1024 + 17];
        new java.util.Random(7).nextBytes(upload);
        HttpResponse<String> streamed = send(HttpRequest.newBuilder(URI.create(base + "/orders/upload"))
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(upload))), "X-API-Key", KEY);
        assertThat(streamed.statusCode()).isEqualTo(200);
        assertThat(json(streamed).getInteger("bodyLength")).isEqualTo(upload.length);
        assertThat(json(streamed).getString("bodySha256")).isEqualTo(EchoUpstream.sha256(upload));

        HttpResponse<String> announced = send(HttpRequest.newBuilder(URI.create(base + "/orders/upload"))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(upload)), "X-API-Key", KEY);
        assertThat(json(announced).getString("bodySha256")).isEqualTo(EchoUpstream.sha256(upload));

        HttpResponse<String> download = get(base + "/orders/download?bytes=" + (3 * 1024 * 1024 + 5), "X-API-Key", KEY);
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body()).hasSize(3 * 1024 * 1024 + 5);
    }

    @Test
    void theReadTimeoutCountsFromTheLastByteSentUpstream() {
        // A streamed (chunked) upload to an upstream that does not answer within the API's 300 ms: 504, as without a body.
        byte[] upload = new byte[200 * 1024];
        new java.util.Random(3).nextBytes(upload);
        long start = System.nanoTime();
        HttpResponse<String> unanswered = send(HttpRequest.newBuilder(URI.create(base + "/slow-api/slow?ms=3000"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(upload))), "X-API-Key", KEY);
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("streamed upload to a silent upstream answered after %d ms (read timeout 300 ms)%n", tookMs);
        assertError(unanswered, 504, "upstream_timeout");
        assertThat(tookMs).as("answered by the read timeout, not by the upstream's 3 s").isLessThan(2_500);

        // A client trickling its body for four times the read timeout is not cut: the clock starts at its last byte.
        HttpResponse<String> trickled = send(HttpRequest.newBuilder(URI.create(base + "/slow-api/upload"))
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new TrickleStream(upload, 8, 150))), "X-API-Key", KEY);
        assertThat(trickled.statusCode()).isEqualTo(200);
        assertThat(json(trickled).getString("bodySha256")).isEqualTo(EchoUpstream.sha256(upload));
    }

    /** A body sent in {@code parts} pieces with a pause before each: a slow client, not a wait for a condition. */
    static final class TrickleStream extends java.io.InputStream {
        private final byte[] bytes;
        private final int partSize;
        private final long pauseMs;
        private int position;

        TrickleStream(byte[] bytes, int parts, long pauseMs) {
            this.bytes = bytes;
            this.partSize = (bytes.length + parts - 1) / parts;
            this.pauseMs = pauseMs;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] target, int offset, int length) {
            if (position >= bytes.length) {
                return -1;
            }
            if (position % partSize == 0) {
                try {
                    Thread.sleep(pauseMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            int n = Math.min(length, Math.min(bytes.length - position, partSize - position % partSize));
            System.arraycopy(bytes, position, target, offset, n);
            position += n;
            return n;
        }
    }

    @Test
    void theStatusPortReportsWhatTheNodeServes() {
        String status = "http://127.0.0.1:" + node.settings().statusPort();
        assertThat(get(status + "/status/ready").statusCode()).isEqualTo(200);
        JsonObject body = json(get(status + "/status"));
        assertThat(body.getLong("configVersion")).isEqualTo(1L);
        assertThat(body.getString("configHash")).hasSize(64);
        assertThat(body.getString("configSource")).startsWith("file:");
    }

    static void assertError(HttpResponse<String> response, int status, String code) {
        HttpResponseAssert.error(response, status, code);
    }
}
