package io.gatehouse.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.gateway.GatewayNode;
import io.gatehouse.local.AdminClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;

import static io.gatehouse.system.Http.await;
import static io.gatehouse.system.Http.json;
import static io.gatehouse.system.Http.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Gateway nodes against the real control plane process: each node has its own credential, bound to its id, that an
 * operator can revoke; the control plane listens on loopback only unless told otherwise; a bad date cannot stop
 * config from reaching the nodes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeIdentityTest {
    @TempDir
    static Path dir;
    Platform platform;

    @BeforeAll
    void start() throws Exception {
        platform = new Platform(dir);
    }

    @AfterAll
    void stop() throws Exception {
        platform.close();
    }

    @Test
    void aNodeWithAnotherNodesCredentialCannotTakeOverItsId() {
        Platform.Tenant tenant = platform.newTenant("takeover");
        GatewayNode victim = platform.startGateway("edge-victim");
        await(Duration.ofSeconds(10), "the victim to serve", () -> status(victim, tenant.basePath(), tenant.key()) == 200);

        // A node holding a valid credential of its own names itself after the victim.
        // (It runs on a machine of its own: a data directory serves one running node.)
        GatewayNode impostor = platform.startGateway("edge-victim", platform.credential("edge-impostor"), "edge-impostor");
        await(Duration.ofSeconds(5), "the impostor's refusal",
                () -> !json(Http.nodeStatus(impostor, "/status")).path("controlPlane").path("lastError").isNull());
        assertThat(json(Http.nodeStatus(impostor, "/status")).path("controlPlane").path("connected").asBoolean()).isFalse();

        assertThat(node("edge-victim").path("connected").asBoolean()).isTrue();
        assertThat(json(Http.nodeStatus(victim, "/status")).path("controlPlane").path("connected").asBoolean()).isTrue();
        // And the victim still gets every change.
        String laterKey = platform.admin.create("/admin/applications/" + tenant.applicationId() + "/keys", Map.of()).path("key").asText();
        await(Duration.ofSeconds(5), "the victim to learn a new key", () -> status(victim, tenant.basePath(), laterKey) == 200);
        impostor.stop();
    }

    @Test
    void revokingANodesCredentialDisconnectsItAtOnceAndKeepsItOut() {
        Platform.Tenant tenant = platform.newTenant("revoked-node");
        String[] credential = platform.issueCredential("edge-revoked");
        GatewayNode node = platform.startGateway("edge-revoked", credential[1]);
        await(Duration.ofSeconds(10), "the node to serve", () -> status(node, tenant.basePath(), tenant.key()) == 200);

        AdminClient.Reply revoked = platform.admin.send("DELETE", "/admin/nodes/credentials/" + credential[0]);
        assertThat(revoked.status()).isEqualTo(200);
        Duration gone = await(Duration.ofSeconds(5), "the node to be disconnected",
                () -> !node("edge-revoked").path("connected").asBoolean()
                        && !json(Http.nodeStatus(node, "/status")).path("controlPlane").path("connected").asBoolean());
        System.out.printf("revoked node disconnected within %d ms%n", gone.toMillis());

        // It keeps trying (100 ms to 1 s apart) and is refused every time: it learns no new key.
        String laterKey = platform.admin.create("/admin/applications/" + tenant.applicationId() + "/keys", Map.of()).path("key").asText();
        GatewayNode witness = platform.startGateway("edge-witness");
        await(Duration.ofSeconds(10), "a node in good standing to learn the key", () -> status(witness, tenant.basePath(), laterKey) == 200);
        assertThat(status(node, tenant.basePath(), laterKey)).isEqualTo(401);
        assertThat(node("edge-revoked").path("connected").asBoolean()).isFalse();
        node.stop();
    }

    @Test
    void aKeyDateInYear20260IsRefusedAndKeysKeepReachingTheGateways() {
        Platform.Tenant tenant = platform.newTenant("dates");
        GatewayNode node = platform.startGateway("edge-dates");
        await(Duration.ofSeconds(10), "the node to serve", () -> status(node, tenant.basePath(), tenant.key()) == 200);

        AdminClient.Reply refused = platform.admin.post("/admin/applications/" + tenant.applicationId() + "/keys",
                Map.of("expiresAt", "+20260-01-01T00:00:00Z"));
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().path("code").asText()).isEqualTo("timestamp_out_of_range");

        String laterKey = platform.admin.create("/admin/applications/" + tenant.applicationId() + "/keys", Map.of()).path("key").asText();
        await(Duration.ofSeconds(5), "the next key to reach the gateway", () -> status(node, tenant.basePath(), laterKey) == 200);
        assertThat(platform.admin.get("/admin/config/problems").body().path("items").size()).isZero();
    }

    @Test
    void theControlPlaneListensOnLoopbackOnly() throws IOException {
        Optional<InetAddress> external = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .filter(i -> {
                    try {
                        return i.isUp() && !i.isLoopback();
                    } catch (IOException e) {
                        return false;
                    }
                })
                .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
                .findFirst();
        assumeThat(external).as("a non-loopback IPv4 address to try").isPresent();
        assertThat(platform.admin.get("/admin/config").status()).isEqualTo(200);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(external.get(), platform.controlPlanePort), 2_000);
            throw new AssertionError("the control plane answered on " + external.get());
        } catch (IOException expected) {
            assertThat(expected.getMessage()).containsIgnoringCase("refused");
        }
    }

    private JsonNode node(String nodeId) {
        for (JsonNode node : platform.admin.all("/admin/nodes")) {
            if (nodeId.equals(node.path("nodeId").asText())) {
                return node;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
}
