package io.gatehouse.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.gatehouse.protocol.Json;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A gateway node in its own JVM (GatewayMain), as a container runs it: configured through its environment, its output
 * (access log included) to a file, and signals that reach the node itself — SIGTERM drains it, SIGKILL takes it down
 * with nothing flushed. A restart keeps its ports, credential and data directory.
 */
final class GatewayProcess implements AutoCloseable {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    final String nodeId;
    final Path dataDir;
    final int proxyPort;
    final int statusPort;
    private final Map<String, String> environment;
    private final Path log;
    private Process process;

    /**
     * @param settings more environment (e.g. the audit trail's Kafka), which wins over the platform's choices
     * @param log      where the node's output goes, emptied now and appended to by every start
     */
    GatewayProcess(Platform platform, String nodeId, Map<String, String> settings, Path log) throws IOException {
        this.nodeId = nodeId;
        this.environment = new HashMap<>(platform.nodeEnvironment(nodeId, platform.credential(nodeId), nodeId, platform.controlPlaneUrl()));
        environment.putAll(settings);
        this.dataDir = Path.of(environment.get("GATEHOUSE_DATA_DIR"));
        this.proxyPort = Integer.parseInt(environment.get("GATEHOUSE_PROXY_PORT"));
        this.statusPort = Integer.parseInt(environment.get("GATEHOUSE_STATUS_PORT"));
        this.log = log;
        Files.deleteIfExists(log);
    }

    GatewayProcess start() throws IOException {
        ProcessBuilder builder = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.gatehouse.gateway.GatewayMain"));
        builder.environment().putAll(environment);
        process = builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return this;
    }

    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + proxyPort + pathAndQuery);
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** SIGTERM: the node drains and exits in its own time. */
    void terminate() {
        process.destroy();
    }

    /** Whether the node exited within the timeout. */
    boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    int exitValue() {
        return process.exitValue();
    }

    /** SIGKILL to the node's JVM: no shutdown hook runs, nothing is flushed. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    /** SIGTERM, and SIGKILL if the node has not exited within 30 s. */
    void stop() throws InterruptedException {
        terminate();
        if (!awaitExit(Duration.ofSeconds(30))) {
            process.destroyForcibly();
        }
    }

    /** The status of /status/ready, or -1 while nothing answers on the status port. */
    int readiness() {
        try {
            return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statusPort + "/status/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The node's /status document (missing while it is down). */
    JsonNode status() {
        try {
            HttpResponse<String> status = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statusPort + "/status"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return Json.read(status.body(), JsonNode.class);
        } catch (IOException e) {
            return MissingNode.getInstance();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return MissingNode.getInstance();
        }
    }

    /** Everything the node has written since this object was made, over every start. */
    String output() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() {
        if (alive()) {
            process.destroyForcibly();
        }
    }
}
