package io.gatehouse.gateway;

import io.gatehouse.audit.signing.NodeKeys;
import io.gatehouse.audit.signing.SealCheck;
import io.gatehouse.audit.signing.SignatureCheck;
import io.gatehouse.audit.spool.Spool;
import io.gatehouse.gateway.audit.GatewayAudit;
import io.gatehouse.protocol.audit.AuditRecord;
import io.gatehouse.protocol.audit.SignedAuditRecord;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.gatehouse.gateway.TestSupport.HTTP;
import static io.gatehouse.gateway.TestSupport.api;
import static io.gatehouse.gateway.TestSupport.awaitTrue;
import static io.gatehouse.gateway.TestSupport.key;
import static io.gatehouse.gateway.TestSupport.snapshot;
import static io.gatehouse.gateway.TestSupport.subscription;
import static org.assertj.core.api.Assertions.assertThat;

class AuditTrailTest extends StandaloneGateway {
    private static final String KEY = io.gatehouse.protocol.keys.ApiKeys.generate();

    /** What the client sent and received for one request, to hold the audit record against. */
    record Sent(String method, String path, byte[] requestBody, int status, byte[] responseBody) {
    }

    private Sent call(String base, String requestId, String method, String path, byte[] body, boolean streamed, boolean withKey) throws Exception {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : streamed ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
                : HttpRequest.BodyPublishers.ofByteArray(body);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).method(method, publisher)
                .header("X-Request-Id", requestId).timeout(Duration.ofSeconds(30));
        if (withKey) {
            request.header("X-API-Key", KEY);
        }
        HttpResponse<byte[]> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        String pathOnly = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        return new Sent(method, pathOnly, body == null ? new byte[0] : body, response.statusCode(), response.body());
    }

    @Test
    void everyRequestLeavesOneSignedRecordWithTheHashesOfItsBodies() throws Exception {
        EchoUpstream orders = upstream("orders", "127.0.0.1", 0, 0);
        startNode(snapshot(1, List.of(api("orders", null, "/orders", orders.url())),
                        List.of(key("k1", KEY, "app-1", null)), List.of(subscription("app-1", "orders"))),
                Map.of("gatehouse.audit.enabled", "true", "gatehouse.node.id", "node-audit-1"));
        String base = "http://127.0.0.1:" + node.settings().proxyPort();
        byte[] upload = new byte[5 * 1024 * 1024 + 17];
        new Random(11).nextBytes(upload);

        Map<String, Sent> sent = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            sent.put("get-" + i, call(base, "get-" + i, "GET", "/orders/items/" + i, null, false, true));
        }
        sent.put("post-small", call(base, "post-small", "POST", "/orders/new", "{\"item\":42}".getBytes(), false, true));
        sent.put("put-streamed", call(base, "put-streamed", "PUT", "/orders/upload", upload, true, true));
        sent.put("download", call(base, "download", "GET", "/orders/download?bytes=" + (3 * 1024 * 1024 + 5), null, false, true));
        sent.put("no-key", call(base, "no-key", "GET", "/orders/secret", null, false, false));
        sent.put("no-route", call(base, "no-route", "GET", "/nowhere", null, false, true));
        assertThat(sent.get("put-streamed").status()).isEqualTo(200);
        assertThat(sent.get("download").responseBody()).hasSize(3 * 1024 * 1024 + 5);
        assertThat(sent.get("no-key").status()).isEqualTo(401);
        assertThat(sent.get("no-route").status()).isEqualTo(404);

        Duration took = awaitTrue(Duration.ofSeconds(20), "every record spooled", () -> node.audit().written() >= sent.size());
        long batches = node.audit().batchesSigned();
        System.out.printf("%d records spooled %d ms after the last answer, in %d signed batches%n", sent.size(), took.toMillis(), batches);
        Path data = node.settings().dataDir();
        node.stop();
        node = null;

        PublicKey key = SignatureCheck.publicKey(Files.readString(data.resolve(NodeKeys.PUBLIC_FILE)));
        Map<String, AuditRecord> records = new HashMap<>();
        SealCheck seals = new SealCheck();
        try (Spool spool = new Spool(data.resolve(GatewayAudit.SPOOL_DIR), 1L << 30, 64L << 20)) {
            for (Spool.Entry entry : spool.read(1_000)) {
                SignedAuditRecord signed = SignedAuditRecord.decode(entry.payload());
                assertThat(signed.batchSigned()).isTrue();
                assertThat(seals.problem(key, signed.record().nodeId(), signed.canonical(), signed.signature(), signed.proof())).isNull();
                assertThat(records.put(signed.record().requestId(), signed.record())).as("one record per request").isNull();
            }
        }
        assertThat(records.keySet()).containsExactlyInAnyOrderElementsOf(sent.keySet());
        assertThat(seals.signatureChecks()).as("one signature per batch the node signed").isEqualTo(batches);
        for (Map.Entry<String, Sent> expected : sent.entrySet()) {
            AuditRecord record = records.get(expected.getKey());
            Sent what = expected.getValue();
            assertThat(record.nodeId()).isEqualTo("node-audit-1");
            assertThat(record.method()).isEqualTo(what.method());
            assertThat(record.path()).isEqualTo(what.path());
            assertThat(record.status()).as(expected.getKey()).isEqualTo(what.status());
            assertThat(record.requestBodySha256()).as(expected.getKey()).isEqualTo(EchoUpstream.sha256(what.requestBody()));
            assertThat(record.responseBodySha256()).as(expected.getKey()).isEqualTo(EchoUpstream.sha256(what.responseBody()));
            assertThat(record.bytesIn()).isEqualTo(what.requestBody().length);
            assertThat(record.bytesOut()).isEqualTo(what.responseBody().length);
            assertThat(record.clientAddress()).isEqualTo("127.0.0.1");
            assertThat(record.time()).isBetween(Instant.now().minusSeconds(120), Instant.now());
            assertThat(record.latencyMicros()).isPositive();
        }
        AuditRecord ok = records.get("post-small");
        assertThat(ok.consumerId()).isEqualTo("consumer-of-app-1");
        assertThat(ok.applicationId()).isEqualTo("app-1");
        assertThat(ok.apiId()).isEqualTo("orders");
        assertThat(ok.errorCode()).isNull();
        assertThat(records.get("no-key").errorCode()).isEqualTo("missing_api_key");
        assertThat(records.get("no-key").consumerId()).isNull();
        assertThat(records.get("no-route").errorCode()).isEqualTo("no_route");
        assertThat(records.get("no-route").apiId()).isNull();
    }

    @Test
    void recordsNameTheDocumentedOperationAndPassThroughLeavesItEmpty() throws Exception {
        EchoUpstream shop = upstream("shop", "127.0.0.1", 0, 0);
        io.gatehouse.protocol.config.ApiDefinition documented = api("orders", null, "/shop", shop.url()).withOperations(List.of(
                new io.gatehouse.protocol.config.ApiOperation("GET", "/orders/{id}"),
                new io.gatehouse.protocol.config.ApiOperation("POST", "/orders"),
                new io.gatehouse.protocol.config.ApiOperation("GET", "/orders/summary")));
        startNode(snapshot(1, List.of(documented, api("legacy", null, "/legacy", shop.url())), List.of(key("k1", KEY, "app-1", null)),
                        List.of(subscription("app-1", "orders"), subscription("app-1", "legacy"))),
                Map.of("gatehouse.audit.enabled", "true", "gatehouse.node.id", "node-audit-ops"));
        String base = "http://127.0.0.1:" + node.settings().proxyPort();
        Map<String, Sent> sent = new HashMap<>();
        sent.put("one-order", call(base, "one-order", "GET", "/shop/orders/42", null, false, true));
        sent.put("summary", call(base, "summary", "GET", "/shop/orders/summary?month=11", null, false, true));
        sent.put("place", call(base, "place", "POST", "/shop/orders", "{\"sku\":\"a\"}".getBytes(), false, true));
        sent.put("head", call(base, "head", "HEAD", "/shop/orders/7", null, false, true));
        sent.put("wrong-method", call(base, "wrong-method", "DELETE", "/shop/orders/42", null, false, true));
        sent.put("legacy", call(base, "legacy", "GET", "/legacy/anything", null, false, true));
        assertThat(sent.get("one-order").status()).isEqualTo(200);
        assertThat(sent.get("wrong-method").status()).isEqualTo(405);

        awaitTrue(Duration.ofSeconds(20), "every record spooled", () -> node.audit().written() >= sent.size());
        Path data = node.settings().dataDir();
        node.stop();
        node = null;
        Map<String, AuditRecord> records = new HashMap<>();
        try (Spool spool = new Spool(data.resolve(GatewayAudit.SPOOL_DIR), 1L << 30, 64L << 20)) {
            for (Spool.Entry entry : spool.read(1_000)) {
                AuditRecord record = SignedAuditRecord.decode(entry.payload()).record();
                records.put(record.requestId(), record);
            }
        }
        assertThat(records.get("one-order").operation()).isEqualTo("GET /orders/{id}");
        assertThat(records.get("summary").operation()).as("a literal path wins over a template").isEqualTo("GET /orders/summary");
        assertThat(records.get("place").operation()).isEqualTo("POST /orders");
        assertThat(records.get("head").operation()).as("HEAD is answered by the documented GET").isEqualTo("GET /orders/{id}");
        assertThat(records.get("wrong-method").operation()).as("no documented operation was reached").isNull();
        assertThat(records.get("legacy").operation()).as("a pass-through API has no operations").isNull();
        assertThat(records.get("legacy").apiId()).isEqualTo("legacy");
    }

    @Test
    void auditIsOffUnlessKafkaOrTheFlagIsSet() throws Exception {
        EchoUpstream orders = upstream("orders", "127.0.0.1", 0, 0);
        startNode(snapshot(1, List.of(api("orders", null, "/orders", orders.url())), List.of(), List.of()), Map.of());
        assertThat(node.audit().publicKey()).isNull();
        assertThat(node.settings().audit().enabled()).isFalse();
        assertThat(Files.exists(node.settings().dataDir().resolve(GatewayAudit.SPOOL_DIR))).isFalse();
    }
}
