package io.gatehouse.gateway;

import io.gatehouse.gateway.tls.TestCertificates;
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

    @BeforeAll
    static void startSecureUpstream() throws Exception {
        TestCertificates.Issued ca = TestCertificates.ca("Private Upstream CA");
        caFile = Files.writeString(certs.resolve("upstream-ca.pem"), ca.certPem());
        TestCertificates.Issued cert = TestCertificates.server(ca, "127.0.0.1");
        vertx = Vertx.vertx();
        secureUpstream = vertx.createHttpServer(new HttpServerOptions().setSsl(true)
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
                List.of(api("payments", null, "/payments", "https://127.0.0.1:" + secureUpstream.actualPort())),
                List.of(PLAN), List.of(key("k1", KEY, "app-1", null)),
                List.of(new SubscriptionGrant("sub-1", "app-1", "payments", PLAN.id(), null)));
        startNode(snapshot, settings);
    }

    HttpResponse<String> pay() {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.settings().proxyPort() + "/payments/charge"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"amount\":1250}")), "X-API-Key", KEY);
    }

    @Test
    void anUpstreamWhoseCertificateIsNotTrustedIsRefusedWithAClearCode() throws Exception {
        startGateway(Map.of());
        int before = answered.get();
        HttpResponse<String> refused = pay();
        assertThat(refused.statusCode()).isEqualTo(502);
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
}
