package io.gatehouse.gateway;

import io.gatehouse.gateway.tls.TestCertificates;
import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.keys.ApiKeys;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An upstream served over https with a certificate from a private CA: the gateway refuses to talk to it until the
 * operator gives it that CA, or says in so many words that upstream certificates are not to be checked.
 */
class UpstreamTlsTest extends StandaloneGateway {
    static final String KEY = ApiKeys.generate();
    static final PlanDefinition PLAN = new PlanDefinition("plan-metered", "metered", 100L, 50L, 1_000L, "HARD", "OPEN");

    @TempDir
    static Path certs;
    static Vertx vertx;
    static HttpServer secureUpstream;
    static Path caFile;
    static final AtomicInteger answered = new AtomicInteger();
    /** An upstream whose CA stands for a public one: the JVM trusts it (through javax.net.ssl.trustStore), the bundle does not hold it. */
    static HttpServer publicUpstream;
    static Path jvmTrustStore;

    @BeforeAll
    static void startSecureUpstream() throws Exception {
        TestCertificates.Issued ca = TestCertificates.ca("Private Upstream CA");
        caFile = Files.writeString(certs.resolve("upstream-ca.pem"), ca.certPem());
        vertx = Vertx.vertx();
        secureUpstream = secureServer(TestCertificates.server(ca, "127.0.0.1"));
        TestCertificates.Issued publicCa = TestCertificates.ca("Public Root CA");
        publicUpstream = secureServer(TestCertificates.server(publicCa, "127.0.0.1"));
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("public-root", publicCa.cert());
        jvmTrustStore = certs.resolve("jvm-cacerts.p12");
        try (var out = Files.newOutputStream(jvmTrustStore)) {
            store.store(out, "changeit".toCharArray());
        }
    }

    static HttpServer secureServer(TestCertificates.Issued cert) throws Exception {
        return vertx.createHttpServer(new HttpServerOptions().setSsl(true)
                        .setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(cert.certPem())).setKeyValue(Buffer.buffer(cert.keyPem()))))
                .requestHandler(request -> request.body().onSuccess(body -> {
                    answered.incrementAndGet();
                    request.response().putHeader("Content-Type", "application/json")
                            .end(new JsonObject().put("secure", request.isSSL()).put("bodyLength", body.length()).encode());
                }))
                .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stopSecureUpstream() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    void startGateway(Map<String, String> settings) throws Exception {
        ConfigSnapshot snapshot = ConfigSnapshot.of(1, Instant.now(),
                List.of(generousConnect(api("payments", null, "/payments", "https://127.0.0.1:" + secureUpstream.actualPort())),
                        generousConnect(api("maps", null, "/maps", "https://127.0.0.1:" + publicUpstream.actualPort()))),
                List.of(PLAN), List.of(key("k1", KEY, "app-1", null)),
                List.of(new SubscriptionGrant("sub-1", "app-1", "payments", PLAN.id(), null),
                        new SubscriptionGrant("sub-2", "app-1", "maps", PLAN.id(), null)));
        startNode(snapshot, settings);
    }

    /** The TLS handshake counts against the connect timeout: on a busy machine a second is not always enough. */
    static ApiDefinition generousConnect(ApiDefinition api) {
        return new ApiDefinition(api.id(), api.name(), api.version(), api.host(), api.basePath(), api.stripBasePath(), api.targets(),
                api.keyHeader(), 15_000, 20_000, api.status(), api.upstreamPolicy(), api.canary(), api.shadow());
    }

    HttpResponse<String> pay() {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.settings().proxyPort() + "/payments/charge"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"amount\":1250}")), "X-API-Key", KEY);
    }

    HttpResponse<String> lookUpMap() {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.settings().proxyPort() + "/maps/tiles/1"))
                .GET(), "X-API-Key", KEY);
    }

    /** Runs with the JVM's default trust being a store that holds the "public" CA, as an operator's cacerts would. */
    void withJvmTrustingThePublicCa(ThrowingRunnable body) throws Exception {
        String[] names = {"javax.net.ssl.trustStore", "javax.net.ssl.trustStorePassword", "javax.net.ssl.trustStoreType"};
        String[] before = new String[names.length];
        for (int i = 0; i < names.length; i++) {
            before[i] = System.getProperty(names[i]);
        }
        System.setProperty(names[0], jvmTrustStore.toString());
        System.setProperty(names[1], "changeit");
        System.setProperty(names[2], "PKCS12");
        try {
            body.run();
        } finally {
            for (int i = 0; i < names.length; i++) {
                if (before[i] == null) {
                    System.clearProperty(names[i]);
                } else {
                    System.setProperty(names[i], before[i]);
                }
            }
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void anUpstreamWhoseCertificateIsNotTrustedIsRefusedWithAClearCode() throws Exception {
        startGateway(Map.of());
        int before = answered.get();
        HttpResponse<String> refused = pay();
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(502);
        assertThat(new JsonObject(refused.body()).getString("code")).isEqualTo("upstream_tls_failed");
        assertThat(answered.get()).as("nothing reached the untrusted upstream").isEqualTo(before);
    }

    @Test
    void theOperatorsCaFileMakesTheUpstreamTrusted() throws Exception {
        startGateway(Map.of("gatehouse.upstream.tls.ca-file", caFile.toString()));
        HttpResponse<String> paid = pay();
        assertThat(paid.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(paid.body()).getBoolean("secure")).isTrue();
        assertThat(new JsonObject(paid.body()).getInteger("bodyLength")).isEqualTo(15);
    }

    @Test
    void trustingEveryUpstreamCertificateTakesAnExplicitSetting() throws Exception {
        startGateway(Map.of("gatehouse.upstream.tls.trust-all", "true"));
        assertThat(pay().statusCode()).isEqualTo(200);
    }

    @Test
    void aPrivateCaBundleIsTrustedBesideTheJvmsCasSoPublicUpstreamsKeepWorking() throws Exception {
        withJvmTrustingThePublicCa(() -> {
            startGateway(Map.of("gatehouse.upstream.tls.ca-file", caFile.toString()));
            assertThat(pay().statusCode()).as("the upstream on the private CA of the bundle").isEqualTo(200);
            HttpResponse<String> map = lookUpMap();
            assertThat(map.statusCode()).as("the upstream on a CA the JVM trusts: " + map.body()).isEqualTo(200);
            assertThat(new JsonObject(map.body()).getBoolean("secure")).isTrue();
        });
    }

    @Test
    void anOperatorCanMakeTheBundleTheOnlyTrustedCas() throws Exception {
        withJvmTrustingThePublicCa(() -> {
            startGateway(Map.of("gatehouse.upstream.tls.ca-file", caFile.toString(), "gatehouse.upstream.tls.ca-mode", "replace"));
            assertThat(pay().statusCode()).isEqualTo(200);
            int before = answered.get();
            HttpResponse<String> map = lookUpMap();
            assertThat(map.statusCode()).isEqualTo(502);
            assertThat(new JsonObject(map.body()).getString("code")).isEqualTo("upstream_tls_failed");
            assertThat(answered.get()).as("nothing reached the upstream outside the bundle").isEqualTo(before);
        });
        assertThat(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> settings(dir.resolve("bad"), Map.of("gatehouse.upstream.tls.ca-mode", "merge"))).getMessage())
                .contains("GATEHOUSE_UPSTREAM_TLS_CA_MODE");
    }
}
