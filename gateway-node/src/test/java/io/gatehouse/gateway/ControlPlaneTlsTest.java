package io.gatehouse.gateway;

import io.gatehouse.gateway.tls.TestCertificates;
import io.gatehouse.protocol.keys.ApiKeys;
import io.gatehouse.protocol.sync.ControlMessage;
import io.gatehouse.protocol.sync.NodeMessage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The node's channel to a control plane served over https: it runs as wss, and only with the control plane's
 * certificate verified against the CA the operator named.
 */
class ControlPlaneTlsTest {
    static final String KEY = ApiKeys.generate();

    @TempDir
    Path dir;
    EchoUpstream upstream;
    ConfigChannelTest.ScriptedControlPlane controlPlane;
    GatewayNode node;
    Path caFile;

    @BeforeEach
    void start() throws Exception {
        TestCertificates.Issued ca = TestCertificates.ca("Control Plane CA");
        caFile = Files.writeString(dir.resolve("cp-ca.pem"), ca.certPem());
        TestCertificates.Issued cert = TestCertificates.server(ca, "127.0.0.1");
        upstream = new EchoUpstream("orders");
        controlPlane = new ConfigChannelTest.ScriptedControlPlane(0, new HttpServerOptions().setSsl(true)
                .setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(cert.certPem())).setKeyValue(Buffer.buffer(cert.keyPem()))));
    }

    @AfterEach
    void stop() throws Exception {
        if (node != null) node.stop();
        controlPlane.close();
        upstream.close();
    }

    GatewayNode startNode(Map<String, String> extra) {
        Map<String, String> settings = new HashMap<>(Map.of(
                "gatehouse.control-plane.url", "https://127.0.0.1:" + controlPlane.port(),
                "gatehouse.node.token", "node-secret",
                "gatehouse.node.id", "node-over-tls",
                "gatehouse.reconnect.max-ms", "500"));
        settings.putAll(extra);
        return new GatewayNode(TestSupport.settings(dir.resolve("data"), settings)).start();
    }

    @Test
    void aNodeGivenTheControlPlanesCaTalksToItOverWss() throws Exception {
        node = startNode(Map.of("gatehouse.control-plane.ca-file", caFile.toString()));
        // A first TLS handshake on a loaded machine can take seconds: wait for it longer than for a message.
        Duration took = awaitTrue(Duration.ofSeconds(60), "the node's hello over wss", () -> !controlPlane.received.isEmpty());
        System.out.println("connected over wss in " + took.toMillis() + " ms");
        NodeMessage.Hello hello = (NodeMessage.Hello) controlPlane.next();
        assertThat(hello.nodeId()).isEqualTo("node-over-tls");
        assertThat(controlPlane.lastAuthorization).isEqualTo("Bearer node-secret");
        assertThat(controlPlane.socket.isSsl()).isTrue();
        var config = snapshot(1, List.of(api("orders", null, "/orders", upstream.url())),
                List.of(key("k1", KEY, "app-1", null)), List.of(subscription("app-1", "orders")));
        controlPlane.push(new ControlMessage.Snapshot(config));
        assertThat(((NodeMessage.Ack) controlPlane.next()).version()).isEqualTo(1);
        assertThat(get("http://127.0.0.1:" + node.settings().proxyPort() + "/orders/1", "X-API-Key", KEY).statusCode()).isEqualTo(200);
    }

    @Test
    void aControlPlaneWhoseCertificateIsNotTrustedNeverGetsTheNodesCredential() throws Exception {
        node = startNode(Map.of());
        String status = "http://127.0.0.1:" + node.settings().statusPort() + "/status";
        awaitTrue(Duration.ofSeconds(30), "the node to report the refused certificate", () -> {
            String error = new JsonObject(get(status).body()).getJsonObject("controlPlane").getString("lastError");
            return error != null && !error.isBlank();
        });
        String error = new JsonObject(get(status).body()).getJsonObject("controlPlane").getString("lastError");
        System.out.println("the node's last error: " + error);
        assertThat(error).as("the node says the certificate was not trusted").containsIgnoringCase("certification path");
        assertThat(controlPlane.received).as("nothing reached the untrusted control plane").isEmpty();
        assertThat(controlPlane.lastAuthorization).as("the credential was never sent").isNull();
    }
}
