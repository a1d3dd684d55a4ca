package io.gatehouse.gateway;

import io.gatehouse.gateway.ConfigChannelTest.ScriptedControlPlane;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static io.gatehouse.gateway.TestSupport.settings;

/** A real gateway node, an upstream, and a control plane whose every message the test writes: the config channel tests' stage. */
abstract class NodeOnScriptedControlPlane {
    @TempDir
    Path dir;
    EchoUpstream upstream;
    ScriptedControlPlane controlPlane;
    GatewayNode node;

    @BeforeEach
    void startUpstreamAndControlPlane() throws Exception {
        upstream = new EchoUpstream("orders");
        controlPlane = new ScriptedControlPlane();
    }

    @AfterEach
    void stopNodeUpstreamAndControlPlane() throws Exception {
        if (node != null) node.stop();
        controlPlane.close();
        upstream.close();
    }

    /**
     * A node dialling the scripted control plane under {@code nodeId}, with {@code extra} settings on top. Redials
     * stay under a second apart, so a control plane back after a slow restart is found well within the tests' 10 s
     * waits (the default ceiling is 15 s).
     */
    GatewayNode startNode(String nodeId, Map<String, String> extra) {
        Map<String, String> overrides = new HashMap<>(Map.of(
                "gatehouse.control-plane.url", "http://127.0.0.1:" + controlPlane.port(),
                "gatehouse.node.token", "node-secret",
                "gatehouse.node.id", nodeId,
                "gatehouse.reconnect.max-ms", "1000"));
        overrides.putAll(extra);
        return new GatewayNode(settings(dir.resolve("data"), overrides)).start();
    }
}
