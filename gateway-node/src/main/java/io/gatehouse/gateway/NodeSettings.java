package io.gatehouse.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

/**
 * A gateway node's settings. Each one is a property (as in {@code gateway.properties}) and an environment variable
 * named after it ({@code gatehouse.proxy.port} is {@code GATEHOUSE_PROXY_PORT}); a JVM system property wins over the
 * environment, which wins over the file. docs/configuration.md lists them all.
 */
public record NodeSettings(
        String proxyHost,
        int proxyPort,
        int statusPort,
        String controlPlaneUrl,
        String nodeToken,
        String nodeId,
        Path dataDir,
        Path snapshotFile,
        int eventLoops,
        long maxBodyBytes,
        int upstreamPoolSize,
        long upstreamIdleTimeoutMs,
        long reconnectMinMs,
        long reconnectMaxMs,
        long heartbeatMs,
        long usageReportMs,
        long usageSpoolMs,
        long leaseWaitMs,
        String dnsServer,
        long dnsRefreshMs,
        ClientSide client,
        io.gatehouse.gateway.audit.AuditSettings audit,
        io.gatehouse.gateway.accesslog.AccessLogSettings accessLog,
        String portalUrl,
        long configLogCompactEntries,
        io.gatehouse.gateway.tls.TlsSettings tls,
        boolean metricsEnabled,
        long drainTimeoutMs,
        long drainFlushTimeoutMs,
        NodeTransport transport) {

    /**
     * What the node allows each client, so that a slow or greedy one cannot hold what others need.
     *
     * @param headerTimeoutMs       from a request's first byte to its last header (slowloris: 408, connection closed)
     * @param idleTimeoutMs         how long a keep-alive connection may sit between requests before it is closed
     * @param bodyTimeoutMs         how long a request body may stall (no byte while the gateway is reading) before 408
     * @param maxConnections        client connections the node holds at once; further ones are closed on accept
     * @param maxPendingPerConsumer requests one consumer may have in flight on the node (429 {@code too_many_pending}
     *                              beyond); 0 for no cap
     * @param trustedProxies        CIDRs of proxies in front of the gateway whose X-Forwarded-* headers are kept
     */
    public record ClientSide(long headerTimeoutMs, long idleTimeoutMs, long bodyTimeoutMs, int maxConnections,
                             int maxPendingPerConsumer, java.util.List<String> trustedProxies) {
        public static final ClientSide DEFAULT = new ClientSide(10_000, 60_000, 30_000, 10_000, 512, java.util.List.of());
    }

    public boolean standalone() {
        return controlPlaneUrl == null || controlPlaneUrl.isBlank();
    }

    public static NodeSettings load(Map<String, String> env) {
        Properties file = new Properties();
        String configPath = lookup("gatehouse.config", env, new Properties());
        Path path = Path.of(configPath != null ? configPath : "gateway.properties");
        if (Files.isRegularFile(path)) {
            try (InputStream in = Files.newInputStream(path)) {
                file.load(in);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read " + path + ": " + e.getMessage(), e);
            }
        }
        Source s = new Source(env, file);
        String nodeId = s.get("gatehouse.node.id", null);
        return distinctPorts(new NodeSettings(
                s.get("gatehouse.proxy.host", "0.0.0.0"),
                s.integer("gatehouse.proxy.port", 8000),
                s.integer("gatehouse.status.port", 8100),
                s.get("gatehouse.control-plane.url", null),
                s.get("gatehouse.node.token", null),
                nodeId != null ? nodeId : defaultNodeId(),
                Path.of(s.get("gatehouse.data-dir", "gatehouse-data")),
                pathOrNull(s.get("gatehouse.snapshot-file", null)),
                s.integer("gatehouse.event-loops", Runtime.getRuntime().availableProcessors()),
                s.longValue("gatehouse.max-body-bytes", 10L * 1024 * 1024),
                s.integer("gatehouse.upstream.pool-size", 128),
                s.between("gatehouse.upstream.idle-timeout-ms", 60_000, 1, 86_400_000),
                s.longValue("gatehouse.reconnect.min-ms", 500),
                s.longValue("gatehouse.reconnect.max-ms", 15_000),
                s.longValue("gatehouse.heartbeat-ms", 5_000),
                s.longValue("gatehouse.usage.report-ms", 1_000),
                s.positive("gatehouse.usage.spool-ms", 100),
                s.longValue("gatehouse.limits.lease-wait-ms", 1_000),
                s.get("gatehouse.dns.server", null),
                s.longValue("gatehouse.dns.refresh-ms", 5_000),
                new ClientSide(
                        s.positive("gatehouse.client.header-timeout-ms", ClientSide.DEFAULT.headerTimeoutMs()),
                        s.positive("gatehouse.client.idle-timeout-ms", ClientSide.DEFAULT.idleTimeoutMs()),
                        s.positive("gatehouse.client.body-timeout-ms", ClientSide.DEFAULT.bodyTimeoutMs()),
                        (int) s.positive("gatehouse.client.max-connections", ClientSide.DEFAULT.maxConnections()),
                        s.integer("gatehouse.client.max-pending-per-consumer", ClientSide.DEFAULT.maxPendingPerConsumer()),
                        list(s.get("gatehouse.trusted-proxies", ""))),
                io.gatehouse.gateway.audit.AuditSettings.load(property -> s.get(property, null)),
                io.gatehouse.gateway.accesslog.AccessLogSettings.load(property -> s.get(property, null)),
                trimSlash(s.get("gatehouse.portal.url", null)),
                s.positive("gatehouse.config.log-compact-entries", 50_000),
                io.gatehouse.gateway.tls.TlsSettings.load(property -> s.get(property, null)),
                s.bool("gatehouse.metrics", true),
                s.positive("gatehouse.drain.timeout-ms", 30_000),
                s.positive("gatehouse.drain.flush-timeout-ms", 10_000),
                NodeTransport.parse(s.get("gatehouse.transport", null))));
    }

    /**
     * Two listeners of one node on one port would not fail to bind: Vert.x shares a port among the servers of one
     * instance and hands each new connection to the next of them in turn, so every other client would reach the
     * status endpoints instead of the proxy.
     */
    private static NodeSettings distinctPorts(NodeSettings settings) {
        Map<Integer, String> taken = new java.util.HashMap<>();
        java.util.function.BiConsumer<Integer, String> claim = (port, property) -> {
            if (port == 0) {
                return; // an ephemeral port: the kernel gives each listener its own
            }
            String other = taken.putIfAbsent(port, property);
            if (other != null) {
                throw new IllegalArgumentException(other + " (" + envName(other) + ") and " + property + " (" + envName(property)
                        + ") must differ, both are " + port);
            }
        };
        io.gatehouse.gateway.tls.TlsSettings tls = settings.tls();
        if (!tls.listenerEnabled() || tls.plainHttp() != io.gatehouse.gateway.tls.TlsSettings.PlainHttp.OFF) {
            claim.accept(settings.proxyPort(), "gatehouse.proxy.port");
        }
        claim.accept(settings.statusPort(), "gatehouse.status.port");
        if (tls.listenerEnabled()) {
            claim.accept(tls.port(), "gatehouse.tls.port");
        }
        return settings;
    }

    static String envName(String property) {
        return property.toUpperCase().replace('.', '_').replace('-', '_');
    }

    private static String lookup(String property, Map<String, String> env, Properties file) {
        String value = System.getProperty(property);
        if (value == null) value = env.get(envName(property));
        if (value == null) value = file.getProperty(property);
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static java.util.List<String> list(String commaSeparated) {
        return java.util.Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(v -> !v.isEmpty()).toList();
    }

    /** The developer portal's base URL without a trailing slash; null when the node is not told it. */
    private static String trimSlash(String url) {
        if (url == null) {
            return null;
        }
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static Path pathOrNull(String value) {
        return value == null ? null : Path.of(value);
    }

    private static String defaultNodeId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "node";
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private record Source(Map<String, String> env, Properties file) {
        String get(String property, String fallback) {
            String value = lookup(property, env, file);
            return value != null ? value : fallback;
        }

        boolean bool(String property, boolean fallback) {
            String value = get(property, null);
            if (value == null) return fallback;
            return switch (value.toLowerCase(java.util.Locale.ROOT)) {
                case "true", "on" -> true;
                case "false", "off" -> false;
                default -> throw new IllegalArgumentException(property + " (" + envName(property) + ") must be true or false, got '" + value + "'");
            };
        }

        int integer(String property, int fallback) {
            return (int) longValue(property, fallback);
        }

        long positive(String property, long fallback) {
            long value = longValue(property, fallback);
            if (value <= 0) {
                throw new IllegalArgumentException(property + " (" + envName(property) + ") must be above 0, got " + value);
            }
            return value;
        }

        long between(String property, long fallback, long min, long max) {
            long value = longValue(property, fallback);
            if (value < min || value > max) {
                throw new IllegalArgumentException(property + " (" + envName(property) + ") must be " + min + " to " + max + ", got " + value);
            }
            return value;
        }

        long longValue(String property, long fallback) {
            String value = get(property, null);
            if (value == null) return fallback;
            try {
                return Long.parseLong(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(property + " (" + envName(property) + ") must be a number, got '" + value + "'");
            }
        }
    }
}
