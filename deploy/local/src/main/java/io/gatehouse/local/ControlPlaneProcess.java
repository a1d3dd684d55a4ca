package io.gatehouse.local;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The packaged control plane (a Quarkus application, which carries its own Vert.x 4) run as a separate process,
 * as it runs in production.
 */
public final class ControlPlaneProcess implements AutoCloseable {
    private final Process process;
    private final int port;

    private ControlPlaneProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** The packaged application: an explicit path, or the build output next to the working directory. */
    public static Path locateApp() {
        String explicit = System.getProperty("gatehouse.controlPlaneApp", System.getenv("GATEHOUSE_CONTROL_PLANE_APP"));
        Path app = explicit != null ? Path.of(explicit) : Path.of("management-api/target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(app)) {
            throw new IllegalStateException("control plane not built: " + app.toAbsolutePath() + " is missing (run ./mvnw -DskipTests package)");
        }
        return app;
    }

    public static ControlPlaneProcess start(Path app, int port, Map<String, String> environment, Consumer<String> log) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        // The heap is the control plane's own setting: it must not grow with the number of keys, and tests prove it small.
        String heap = environment.getOrDefault("GATEHOUSE_CONTROL_PLANE_HEAP", "512m");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx" + heap, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", app.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        // Loopback unless told otherwise: the admin API and the node channel share this port.
        builder.environment().putIfAbsent("GATEHOUSE_HTTP_HOST", "127.0.0.1");
        builder.environment().put("GATEHOUSE_HTTP_PORT", String.valueOf(port));
        Process process = builder.start();
        Thread pump = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    log.accept(line);
                }
            } catch (IOException ignored) {
                // The process went away; its exit is reported by whoever waits for it.
            }
        }, "control-plane-log");
        pump.setDaemon(true);
        pump.start();
        return new ControlPlaneProcess(process, port);
    }

    public int port() {
        return port;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The process id, for tools that read its memory. */
    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Waits for the readiness endpoint; fails early if the process dies. */
    public ControlPlaneProcess awaitReady(Duration timeout) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("control plane exited with status " + process.exitValue() + " before it was ready");
            }
            try {
                HttpResponse<Void> response = client.send(HttpRequest.newBuilder(URI.create(url() + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return this;
                }
            } catch (IOException e) {
                // Not listening yet.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the control plane");
            }
            try {
                process.waitFor(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the control plane");
            }
        }
        throw new IllegalStateException("control plane not ready on " + url() + " within " + timeout);
    }

    /** Stops it the way an operator would: SIGTERM, then a kill if it has not gone within 20 s. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
