package io.gatehouse.gateway;

import io.gatehouse.gateway.tls.TestCertificates;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.keys.ApiKeys;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The gateway's TLS listener as an operator sets it up: a certificate and key from PEM files, a second certificate
 * chosen by SNI from a directory, the plain port redirecting to https, and certificates replaced on disk while the
 * node runs. Clients trust only the test's own CA.
 */
class TlsListenerTest {
    static final String KEY = ApiKeys.generate();
    static final String TIGHT_KEY = ApiKeys.generate();
    /** A plan with a rate limit and a quota, as users configure them. */
    static final PlanDefinition METERED = new PlanDefinition("plan-metered", "metered", 50L, 20L, 1_000L, "HARD", "OPEN");
    /** One request a second and no burst: a second request at once is refused, whatever the protocol. */
    static final PlanDefinition TIGHT = new PlanDefinition("plan-tight", "tight", 1L, 1L, 1_000L, "HARD", "OPEN");

    @TempDir
    static Path dir;
    static TestCertificates.Issued ca;
    static EchoUpstream upstream;
    static GatewayNode node;
    static SSLContext trusting;
    static Path certFile;
    static Path keyFile;

    @BeforeAll
    static void start() throws Exception {
        ca = TestCertificates.ca("Gatehouse Test CA");
        trusting = TestCertificates.trusting(ca);
        Path tls = dir.resolve("tls");
        certFile = TestCertificates.server(ca, "127.0.0.1", "localhost").write(tls, "default");
        keyFile = tls.resolve("default.key");
        TestCertificates.server(ca, "api.example.test").write(tls.resolve("sni"), "api");
        upstream = new EchoUpstream("orders");
        ConfigSnapshot snapshot = ConfigSnapshot.of(1, Instant.now(), List.of(api("orders", null, "/orders", upstream.url())),
                List.of(METERED, TIGHT), List.of(key("k1", KEY, "app-1", null), key("k2", TIGHT_KEY, "app-2", null)),
                List.of(new SubscriptionGrant("sub-1", "app-1", "orders", METERED.id(), null),
                        new SubscriptionGrant("sub-2", "app-2", "orders", TIGHT.id(), null)));
        Path file = dir.resolve("snapshot.json");
        Files.writeString(file, Json.write(snapshot));
        node = new GatewayNode(settings(dir.resolve("data"), Map.of(
                "gatehouse.snapshot-file", file.toString(),
                "gatehouse.tls.port", String.valueOf(freePort()),
                "gatehouse.tls.cert-file", certFile.toString(),
                "gatehouse.tls.key-file", keyFile.toString(),
                "gatehouse.tls.cert-dir", tls.resolve("sni").toString(),
                "gatehouse.tls.reload-ms", "100",
                "gatehouse.plain-http", "redirect"))).start();
    }

    @AfterAll
    static void stop() throws Exception {
        node.stop();
        upstream.close();
    }

    static String https(String path) {
        return "https://127.0.0.1:" + node.settings().tls().port() + path;
    }

    static HttpClient client(HttpClient.Version version) {
        return HttpClient.newBuilder().version(version).sslContext(trusting).connectTimeout(Duration.ofSeconds(30)).build();
    }

    static HttpResponse<String> call(HttpClient client, HttpRequest.Builder request) throws Exception {
        return client.send(request.header("X-API-Key", KEY).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void developerCallsTheSameApiOverHttp2AndHttp11WithTheSameKeyAndPlan() throws Exception {
        byte[] small = "{\"qty\":3,\"note\":\"small enough to be read whole\"}".getBytes();
        byte[] large = new byte[300_000];
        ThreadLocalRandom.current().nextBytes(large);
        int calls = 0;
        for (HttpClient.Version version : List.of(HttpClient.Version.HTTP_2, HttpClient.Version.HTTP_1_1)) {
            HttpClient client = client(version);
            HttpResponse<String> got = call(client, HttpRequest.newBuilder(URI.create(https("/orders/42"))).GET());
            assertThat(got.statusCode()).isEqualTo(200);
            assertThat(got.version()).as("negotiated by ALPN").isEqualTo(version);
            JsonObject echo = new JsonObject(got.body());
            assertThat(echo.getString("path")).as("the base path is stripped").isEqualTo("/42");
            assertThat(echo.getJsonObject("headers").getString("x-forwarded-proto")).isEqualTo("https");
            assertThat(echo.getJsonObject("headers").getString("x-gatehouse-consumer-id")).isEqualTo("consumer-of-app-1");
            assertThat(echo.getJsonObject("headers").containsKey("x-api-key")).as("the key stays at the gateway").isFalse();
            for (byte[] body : List.of(small, large)) {
                HttpResponse<String> posted = call(client, HttpRequest.newBuilder(URI.create(https("/orders")))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
                assertThat(posted.statusCode()).isEqualTo(200);
                JsonObject received = new JsonObject(posted.body());
                assertThat(received.getInteger("bodyLength")).isEqualTo(body.length);
                assertThat(received.getString("bodySha256")).as("the body arrives byte-exact over " + version).isEqualTo(EchoUpstream.sha256(body));
            }
            HttpResponse<String> chunked = call(client, HttpRequest.newBuilder(URI.create(https("/orders")))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(large))));
            assertThat(new JsonObject(chunked.body()).getString("bodySha256")).as("a body of unknown length over " + version)
                    .isEqualTo(EchoUpstream.sha256(large));
            calls += 4;
            assertThat(node.limits().quotaUsed("sub-1")).as("quota units spent after the calls over " + version).isEqualTo(calls);

            // The rate limit refuses over either protocol: three calls at once on a plan of one a second.
            List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> atOnce = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                atOnce.add(client.sendAsync(HttpRequest.newBuilder(URI.create(https("/orders/tight"))).header("X-API-Key", TIGHT_KEY)
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            List<String> codes = new java.util.ArrayList<>();
            for (var future : atOnce) {
                HttpResponse<String> response = future.get();
                codes.add(response.statusCode() == 200 ? "200" : new JsonObject(response.body()).getString("code"));
            }
            assertThat(codes).as("three calls at once over " + version).contains("rate_limited");
        }
    }

    @Test
    void plainHttpIsRedirectedToHttpsKeepingPathQueryAndMethod() {
        int plain = node.settings().proxyPort();
        int forwarded = upstream.requests.get();
        HttpResponse<String> got = get("http://127.0.0.1:" + plain + "/orders/7?expand=items", "X-API-Key", KEY);
        assertThat(got.statusCode()).isEqualTo(308);
        assertThat(got.headers().firstValue("Location")).hasValue(https("/orders/7?expand=items"));
        HttpResponse<String> posted = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plain + "/orders"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(posted.statusCode()).as("308 keeps the method, unlike 301").isEqualTo(308);
        assertThat(upstream.requests.get()).as("nothing sent in the clear reaches an upstream").isEqualTo(forwarded);
    }

    @Test
    void theCertificateIsChosenByTheNameTheClientAsksFor() throws Exception {
        assertThat(peer(null, null, null).getSubjectX500Principal().getName()).isEqualTo("CN=127.0.0.1");
        assertThat(peer("api.example.test", null, null).getSubjectX500Principal().getName()).isEqualTo("CN=api.example.test");
        assertThat(peer("unknown.example.test", null, null).getSubjectX500Principal().getName())
                .as("an unknown name gets the default certificate").isEqualTo("CN=127.0.0.1");
    }

    @Test
    void onlyTls12And13WithModernCiphersAreAccepted() throws Exception {
        assertThat(handshake(null, null).getProtocol()).isEqualTo("TLSv1.3");
        assertThat(handshake(new String[] {"TLSv1.2"}, null).getCipherSuite()).contains("_GCM_").startsWith("TLS_ECDHE_ECDSA_");
        // The refusal must come from the gateway (an alert it sent), not from this JVM declining to offer TLS 1.1.
        assertThatThrownBy(() -> handshake(new String[] {"TLSv1.1"}, null))
                .isInstanceOf(SSLHandshakeException.class).hasMessageContaining("Received fatal alert");
        assertThatThrownBy(() -> handshake(new String[] {"TLSv1"}, null))
                .isInstanceOf(SSLHandshakeException.class).hasMessageContaining("Received fatal alert");
        assertThatThrownBy(() -> handshake(new String[] {"TLSv1.2"},
                new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"}))
                .as("a client offering only CBC suites").isInstanceOf(SSLHandshakeException.class).hasMessageContaining("Received fatal alert");
    }

    @Test
    void aCertificateReplacedOnDiskIsServedToNewConnectionsWithoutRestart() throws Exception {
        BigInteger before = peer(null, null, null).getSerialNumber();
        TestCertificates.Issued renewed = TestCertificates.server(ca, "127.0.0.1", "localhost");
        int reloads = node.certificates().reloads();
        // Key first, then certificate: in between, the pair on disk does not match and must not be served.
        Files.writeString(keyFile, renewed.keyPem());
        Files.writeString(certFile, renewed.certPem());
        Duration took = awaitTrue(Duration.ofSeconds(30), "the renewed certificate on new connections",
                () -> renewed.serial().equals(serialOrNull()));
        System.out.println("renewed certificate served after " + took.toMillis() + " ms");
        assertThat(renewed.serial()).isNotEqualTo(before);
        assertThat(node.certificates().reloads()).isGreaterThan(reloads);
        assertThat(call(client(HttpClient.Version.HTTP_2), HttpRequest.newBuilder(URI.create(https("/health-of-nothing"))).GET())
                .statusCode()).as("the listener serves on").isEqualTo(404);

        // A broken file is not served: the renewed certificate stays until a good one is in place.
        Files.writeString(certFile, "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
        awaitTrue(Duration.ofSeconds(30), "the broken file noticed", () -> node.certificates().lastFailure() != null);
        assertThat(serialOrNull()).isEqualTo(renewed.serial());
        Files.writeString(certFile, renewed.certPem());
        awaitTrue(Duration.ofSeconds(30), "the good file noticed again", () -> node.certificates().lastFailure() == null);
    }

    private static BigInteger serialOrNull() {
        try {
            return peer(null, null, null).getSerialNumber();
        } catch (Exception e) {
            return null;
        }
    }

    static X509Certificate peer(String serverName, String[] protocols, String[] suites) throws Exception {
        try (SSLSocket socket = connect(serverName, protocols, suites)) {
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    static javax.net.ssl.SSLSession handshake(String[] protocols, String[] suites) throws Exception {
        try (SSLSocket socket = connect(null, protocols, suites)) {
            socket.startHandshake();
            return socket.getSession();
        }
    }

    private static SSLSocket connect(String serverName, String[] protocols, String[] suites) throws Exception {
        // Trusts anything: these checks are about what the server offers, and the tests compare certificates themselves.
        SSLContext any = SSLContext.getInstance("TLS");
        any.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String type) {
            }

            public void checkServerTrusted(X509Certificate[] chain, String type) {
            }

            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        SSLSocket socket = (SSLSocket) any.getSocketFactory().createSocket("127.0.0.1", node.settings().tls().port());
        socket.setSoTimeout(20_000);
        SSLParameters parameters = socket.getSSLParameters();
        if (serverName != null) {
            parameters.setServerNames(List.of(new SNIHostName(serverName)));
        }
        if (protocols != null) {
            parameters.setProtocols(protocols);
        }
        if (suites != null) {
            parameters.setCipherSuites(suites);
        }
        socket.setSSLParameters(parameters);
        return socket;
    }
}
