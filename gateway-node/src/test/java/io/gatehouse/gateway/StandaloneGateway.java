package io.gatehouse.gateway;

import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.ConfigSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** For tests of one standalone gateway node in front of upstreams they start: both are stopped after each test. */
abstract class StandaloneGateway {
    @TempDir
    Path dir;
    final List<EchoUpstream> upstreams = new ArrayList<>();
    GatewayNode node;

    @AfterEach
    void stopGatewayAndUpstreams() throws Exception {
        if (node != null) node.stop();
        for (EchoUpstream u : upstreams) u.close();
    }

    EchoUpstream upstream(String name, String host, int port, long delayMs) throws Exception {
        EchoUpstream u = new EchoUpstream(name, host, port, delayMs);
        upstreams.add(u);
        return u;
    }

    /** Starts the node on this snapshot, written to a file as an operator would, with extra settings. */
    GatewayNode startNode(ConfigSnapshot snapshot, Map<String, String> settings) throws Exception {
        Path file = dir.resolve("snapshot.json");
        Files.writeString(file, Json.write(snapshot));
        Map<String, String> all = new HashMap<>(settings);
        all.put("gatehouse.snapshot-file", file.toString());
        node = new GatewayNode(TestSupport.settings(dir.resolve("data"), all)).start();
        return node;
    }
}
