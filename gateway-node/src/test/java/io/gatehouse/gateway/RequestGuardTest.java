package io.gatehouse.gateway;

import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.keys.ApiKeys;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an attacker or a sloppy client sends at the edge: encoded dot segments, bad HTTP/1.1 framing, forged internal
 * headers. Raw sockets send the exact bytes; every request must get an answer.
 */
class RequestGuardTest {
    static final String KEY = ApiKeys.generate();
    static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    static Path dir;
    static EchoUpstream demo;
    static GatewayNode node;
    static String base;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        demo = new EchoUpstream("demo");
        ConfigSnapshot snapshot = snapshot(1,
                List.of(api("demo", null, "/demo", demo.url() + "/inside"),
                        allowingEncodedSlashes(api("files", null, "/files", demo.url()))),
                List.of(key("k1", KEY, "app-1", null)),
                List.of(subscription("app-1", "demo"), subscription("app-1", "files")));
        Path file = dir.resolve("snapshot.json");
        Files.writeString(file, Json.write(snapshot));
        node = new GatewayNode(settings(dir.resolve("data"), Map.of("gatehouse.snapshot-file", file.toString()))).start();
        port = node.settings().proxyPort();
        base = "http://127.0.0.1:" + port;
    }

    static ApiDefinition allowingEncodedSlashes(ApiDefinition api) {
        return new ApiDefinition(api.id(), api.name(), api.version(), api.host(), api.basePath(), api.stripBasePath(),
                api.targets(), api.keyHeader(), api.connectTimeoutMs(), api.readTimeoutMs(), api.status(), api.upstreamPolicy(),
                api.canary(), api.shadow(), api.operations(), true);
    }

    @AfterAll
    static void stop() throws Exception {
        node.stop();
        demo.close();
    }

    static RawHttp.Answer raw(String request) throws Exception {
        long start = System.nanoTime();
        RawHttp.Answer answer = RawHttp.exchange(port, request, WAIT);
        long ms = (System.nanoTime() - start) / 1_000_000;
        if (ms > 1_000) {
            System.out.println("slow raw exchange (" + ms + " ms): " + request.lines().limit(3).toList());
        }
        return answer;
    }

    static String get(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY + "\r\n\r\n";
    }

    static JsonObject echoOf(RawHttp.Answer answer) {
        return new JsonObject(answer.text().substring(answer.text().indexOf("\r\n\r\n") + 4));
    }

    @Test
    void dotSegmentsAreRefusedInEverySpelling() throws Exception {
        int before = demo.requests.get();
        for (String path : List.of("/demo/%2e%2e/secret", "/demo/%2E%2E/x", "/demo/..;/secret", "/demo/.%2e/x", "/demo/%2e/x",
                "/demo/..%2Fsecret", "/demo/a/..", "/demo/./x", "/demo/%2e%2e;jsessionid=1/x", "/files/..%2f..%2fetc")) {
            RawHttp.Answer answer = raw(get(path));
            assertThat(answer.status()).as(path).isEqualTo(400);
            assertThat(answer.text()).as(path).contains("\"code\":\"bad_request\"");
        }
        assertThat(demo.requests.get()).as("no dot segment reached the upstream").isEqualTo(before);
    }

    @Test
    void routingAndForwardingSeeOneNormalisedPath() throws Exception {
        RawHttp.Answer merged = raw(get("//demo///a//b?x=%2e%2e&y=1//2"));
        assertThat(merged.status()).isEqualTo(200);
        assertThat(echoOf(merged).getString("path")).isEqualTo("/inside/a/b");
        assertThat(echoOf(merged).getString("query")).as("the query is forwarded as sent").isEqualTo("x=%2e%2e&y=1//2");

        RawHttp.Answer decoded = raw(get("/%64emo/%7Euser/caf%c3%a9/%41"));
        assertThat(decoded.status()).isEqualTo(200);
        assertThat(echoOf(decoded).getString("uri")).isEqualTo("/inside/~user/caf%C3%A9/A");

        RawHttp.Answer dotted = raw(get("/demo/...well/file.json"));
        assertThat(echoOf(dotted).getString("path")).isEqualTo("/inside/...well/file.json");
    }

    @Test
    void encodedSlashesAreRefusedUnlessTheApiKeepsThem() throws Exception {
        assertThat(raw(get("/demo/a%2Fb")).status()).isEqualTo(400);
        assertThat(raw(get("/demo/a%5cb")).status()).isEqualTo(400);
        assertThat(raw(get("/demo/a\\b")).status()).isEqualTo(400);
        RawHttp.Answer kept = raw(get("/files/dir%2fname%5Cx"));
        assertThat(kept.status()).isEqualTo(200);
        assertThat(echoOf(kept).getString("uri")).isEqualTo("/dir%2Fname%5Cx");
    }

    @Test
    void contentLengthWithTransferEncodingIsRefusedAndTheConnectionClosed() throws Exception {
        int before = demo.requests.get();
        RawHttp.Answer answer = raw("POST /demo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY
                + "\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /demo/smuggled HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.closed()).as("the connection is closed").isTrue();
        assertThat(answer.responses()).as("the smuggled request is never answered").isEqualTo(1);
        assertThat(demo.requests.get()).isEqualTo(before);
    }

    @Test
    void anUnsupportedTransferCodingGets501AndAClosedConnection() throws Exception {
        RawHttp.Answer answer = raw("POST /demo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY
                + "\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        assertThat(answer.status()).isEqualTo(501);
        assertThat(answer.text()).contains("\"code\":\"unsupported_transfer_coding\"");
        assertThat(answer.closed()).isTrue();
    }

    @Test
    void aVersionOtherThanHttp10And11Gets505AndAClosedConnection() throws Exception {
        for (String version : new String[] {"HTTP/1.2", "HTTP/3.0"}) {
            RawHttp.Answer answer = raw("GET /demo/x " + version + "\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY + "\r\n\r\n");
            assertThat(answer.status()).as(version).isEqualTo(505);
            assertThat(answer.text()).contains("\"code\":\"http_version_not_supported\"");
            assertThat(answer.closed()).isTrue();
        }
    }

    @Test
    void hostIsRequiredOnceAndMustMatchAnAbsoluteTarget() throws Exception {
        RawHttp.Answer none = raw("GET /demo/x HTTP/1.1\r\nX-API-Key: " + KEY + "\r\n\r\n");
        assertThat(none.status()).isEqualTo(400);
        assertThat(none.closed()).isTrue();

        RawHttp.Answer twice = raw("GET /demo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\nX-API-Key: " + KEY + "\r\n\r\n");
        assertThat(twice.status()).isEqualTo(400);
        assertThat(twice.closed()).isTrue();

        RawHttp.Answer mismatch = raw("GET http://evil.example/demo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY + "\r\n\r\n");
        assertThat(mismatch.status()).isEqualTo(400);

        RawHttp.Answer absolute = raw("GET http://127.0.0.1/demo/%2e%2e/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY + "\r\n\r\n");
        assertThat(absolute.status()).as("an absolute target is normalised too").isEqualTo(400);

        RawHttp.Answer matching = raw("GET http://127.0.0.1/demo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY + "\r\n\r\n");
        assertThat(matching.status()).isEqualTo(200);
        assertThat(echoOf(matching).getString("path")).isEqualTo("/inside/x");

        RawHttp.Answer http10 = raw("GET /demo/x HTTP/1.0\r\nX-API-Key: " + KEY + "\r\n\r\n");
        assertThat(http10.status()).as("HTTP/1.0 has no Host requirement").isEqualTo(200);
    }

    @Test
    void aRequestTheDecoderCannotReadIsStillAnswered() throws Exception {
        RawHttp.Answer badLength = raw("POST /demo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
        assertThat(badLength.status()).isEqualTo(400);
        assertThat(badLength.text()).contains("\"code\":\"malformed_request\"");
        assertThat(badLength.closed()).isTrue();
        RawHttp.Answer hugeHead = raw("GET /demo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(10_000) + "\r\n\r\n");
        assertThat(hugeHead.status()).isEqualTo(431);
        assertThat(hugeHead.text()).contains("\"code\":\"headers_too_large\"");
        RawHttp.Answer badChunk = raw("POST /demo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY
                + "\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
        assertThat(badChunk.answered()).as("a broken chunked body gets an answer: " + badChunk.text()).isTrue();
        assertThat(badChunk.closed()).isTrue();
    }

    /**
     * RFC 9110 (5.5) allows no control character but HTAB in a field value. Forwarded, one would reach an upstream
     * that may read it differently. The HTTP/1.1 decoder refuses the message (400, connection closed), on the buffered
     * path and on the streamed one (a chunked body), and nothing reaches the upstream; HTTP/2 has its own test.
     */
    @Test
    void aControlCharacterInAHeaderValueIsRefusedOnEveryBodyPath() throws Exception {
        int before = demo.requests.get();
        for (String character : List.of("\u000b", "\u0001", "\u007f", "\u001b")) {
            String header = "X-Note: a" + character + "b\r\n";
            RawHttp.Answer plain = raw("GET /demo/ctl HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY + "\r\n" + header + "\r\n");
            assertThat(plain.status()).as("GET with %x", (int) character.charAt(0)).isEqualTo(400);
            RawHttp.Answer streamed = raw("POST /demo/ctl HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY
                    + "\r\nTransfer-Encoding: chunked\r\n" + header + "\r\n5\r\nhello\r\n0\r\n\r\n");
            assertThat(streamed.status()).as("chunked POST with %x", (int) character.charAt(0)).isEqualTo(400);
            assertThat(streamed.closed()).isTrue();
        }
        // A name that is not a token (RFC 9110, 5.1) is refused the same way.
        for (String name : List.of("X(Note", "X@Note", "X{Note")) {
            RawHttp.Answer answer = raw("GET /demo/name HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY + "\r\n" + name + ": v\r\n\r\n");
            assertThat(answer.status()).as(name).isEqualTo(400);
        }
        assertThat(demo.requests.get()).isEqualTo(before);
        // HTAB is allowed and forwarded as sent.
        RawHttp.Answer tab = raw("GET /demo/tab HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY + "\r\nX-Note: a\tb\r\n\r\n");
        assertThat(tab.status()).isEqualTo(200);
        assertThat(echoOf(tab).getJsonObject("headers").getString("x-note")).isEqualTo("a\tb");
    }

    @Test
    void internalHeadersFromClientsNeverReachTheUpstream() throws Exception {
        RawHttp.Answer answer = raw("GET /demo/h HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY
                + "\r\nX-Gatehouse-Shadow: true\r\nX_Gatehouse_Consumer_Id: forged\r\nx_gatehouse_application_id: forged"
                + "\r\nX-Gatehouse-Anything: x\r\nX-Custom: kept\r\nConnection: keep-alive\r\nConnection: x-custom-hop\r\n"
                + "X-Custom-Hop: dropped\r\n\r\n");
        assertThat(answer.status()).isEqualTo(200);
        JsonObject headers = echoOf(answer).getJsonObject("headers");
        assertThat(headers.getString("x-custom")).isEqualTo("kept");
        assertThat(headers.containsKey("x-gatehouse-shadow")).isFalse();
        assertThat(headers.containsKey("x_gatehouse_consumer_id")).isFalse();
        assertThat(headers.containsKey("x_gatehouse_application_id")).isFalse();
        assertThat(headers.containsKey("x-gatehouse-anything")).isFalse();
        assertThat(headers.containsKey("x-custom-hop")).as("named in the second Connection header").isFalse();
        assertThat(headers.getString("x-gatehouse-consumer-id")).isEqualTo("consumer-of-app-1");
    }

    @Test
    void connectionCannotStripTheBodyFraming() throws Exception {
        RawHttp.Answer answer = raw("POST /demo/post HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY
                + "\r\nConnection: content-length, host\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(echoOf(answer).getString("body")).isEqualTo("{\"a\":1}");
    }

    @Test
    void forwardedHeadersFromAnUntrustedPeerAreReplaced() throws Exception {
        RawHttp.Answer answer = raw("GET /demo/f HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY
                + "\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: bank.example\r\n\r\n");
        JsonObject headers = echoOf(answer).getJsonObject("headers");
        assertThat(headers.getString("x-forwarded-for")).isEqualTo("127.0.0.1");
        assertThat(headers.getString("x-forwarded-proto")).isEqualTo("http");
        assertThat(headers.getString("x-forwarded-host")).isEqualTo("127.0.0.1");
    }
}
