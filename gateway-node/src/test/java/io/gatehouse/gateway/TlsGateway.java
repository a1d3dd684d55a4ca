package io.gatehouse.gateway;

import io.gatehouse.gateway.tls.TestCertificates;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.vertx.core.json.JsonObject;

import javax.net.ssl.SSLContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A standalone gateway node with its TLS listener (HTTP/2 by ALPN) on a certificate of a test CA, serving a snapshot
 * file and writing an access log: what the HTTP/2 tests talk to frame by frame.
 *
 * @param trusting a client context that trusts the node's certificate
 */
record TlsGateway(GatewayNode node, SSLContext trusting, Path accessLog) {

    /** Starts the node in {@code dir} with the TLS listener on a free port, plus {@code settings}. */
    static TlsGateway start(Path dir, ConfigSnapshot snapshot, Map<String, String> settings) throws Exception {
        TestCertificates.Issued ca = TestCertificates.ca("Gatehouse Test CA");
        Path cert = TestCertificates.server(ca, "127.0.0.1").write(dir.resolve("tls"), "gateway");
        Path file = dir.resolve("snapshot.json");
        Files.writeString(file, Json.write(snapshot));
        Path log = dir.resolve("access.log");
        Map<String, String> all = new HashMap<>(settings);
        all.put("gatehouse.snapshot-file", file.toString());
        all.put("gatehouse.access-log", log.toString());
        all.put("gatehouse.tls.port", String.valueOf(TestSupport.freePort()));
        all.put("gatehouse.tls.cert-file", cert.toString());
        all.put("gatehouse.tls.key-file", dir.resolve("tls/gateway.key").toString());
        GatewayNode node = new GatewayNode(TestSupport.settings(dir.resolve("data"), all)).start();
        return new TlsGateway(node, TestCertificates.trusting(ca), log);
    }

    int port() {
        return node.settings().tls().port();
    }

    /** The access log lines of one request id; none while the log does not hold a whole line yet. */
    List<JsonObject> accessLogLines(String requestId) {
        try {
            return Files.readAllLines(accessLog).stream().filter(l -> !l.isBlank()).map(JsonObject::new)
                    .filter(l -> requestId.equals(l.getString("requestId"))).toList();
        } catch (Exception e) {
            return List.of();
        }
    }
}
