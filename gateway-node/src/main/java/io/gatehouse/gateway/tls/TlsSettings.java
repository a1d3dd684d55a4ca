package io.gatehouse.gateway.tls;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * The node's TLS settings (docs/configuration.md, docs/tls.md): the TLS listener, what the plain listener does beside
 * it, HTTP/2's per-connection limits, and how the node verifies the servers it calls (upstreams, the control plane).
 * The listener is on when a certificate is configured ({@code certFile} or {@code certDir}).
 *
 * @param port                  the TLS listener's port
 * @param certFile              PEM certificate chain of the default certificate, or null
 * @param keyFile               PEM private key of {@code certFile}
 * @param certDir               a directory of further certificates chosen by SNI, or null
 * @param protocols             TLS versions offered (a subset of TLSv1.2 and TLSv1.3)
 * @param cipherSuites          cipher suites offered, in preference order
 * @param reloadMs              how often the certificate files are checked for changes; 0 never
 * @param plainHttp             what the plain-HTTP listener does while TLS is on
 * @param redirectPort          the https port a redirect names (the port clients reach, e.g. 443 behind a load balancer)
 * @param h2MaxConcurrentStreams streams one HTTP/2 connection may have open; more are refused (REFUSED_STREAM)
 * @param h2MaxHeaderListBytes  the largest HTTP/2 header list accepted (431 beyond, GOAWAY far beyond)
 * @param upstreamCaFile        PEM CA bundle upstream certificates are verified against, or null for the JVM's
 * @param upstreamTrustAll      accept any upstream certificate (no verification at all): only when set explicitly
 * @param upstreamCaMode        whether {@code upstreamCaFile}'s CAs are trusted beside the JVM's or instead of them
 * @param controlPlaneCaFile    PEM CA bundle the control plane's certificate is verified against, or null for the JVM's
 */
public record TlsSettings(int port, Path certFile, Path keyFile, Path certDir, List<String> protocols, List<String> cipherSuites,
                          long reloadMs, PlainHttp plainHttp, int redirectPort, int h2MaxConcurrentStreams, int h2MaxHeaderListBytes,
                          Path upstreamCaFile, boolean upstreamTrustAll, Path controlPlaneCaFile, CaMode upstreamCaMode) {

    /** What an upstream CA bundle does to the JVM's trusted CAs. */
    public enum CaMode {
        /** Trusted beside them: upstreams on a private CA and on public certificates both verify (the default). */
        ADD,
        /** Trusted instead of them: only certificates from the bundle's CAs verify (Envoy's {@code trusted_ca}). */
        REPLACE
    }

    /** What the plain-HTTP listener (GATEHOUSE_PROXY_PORT) does while the TLS listener is on. */
    public enum PlainHttp {
        /** Serves every API as on the TLS listener (Kong's default: both proxy listeners serve). */
        SERVE,
        /** Answers every request with 308 to the same URL over https, so methods and bodies are kept on the retry. */
        REDIRECT,
        /** No plain listener. */
        OFF
    }

    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /**
     * AEAD suites only, all with forward secrecy (Mozilla's "intermediate" profile without DHE): the three TLS 1.3
     * suites, then ECDHE with AES-GCM or ChaCha20-Poly1305 for TLS 1.2. CBC, RSA key exchange, SHA-1 MACs, 3DES and
     * RC4 are not offered, so a client that has nothing better is refused at the handshake.
     */
    public static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    public boolean listenerEnabled() {
        return certFile != null || certDir != null;
    }

    /** @param property a setting's value by property name, or null when it is not set */
    public static TlsSettings load(UnaryOperator<String> property) {
        Path certFile = path(property, "gatehouse.tls.cert-file");
        Path keyFile = path(property, "gatehouse.tls.key-file");
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("gatehouse.tls.cert-file and gatehouse.tls.key-file (GATEHOUSE_TLS_CERT_FILE, GATEHOUSE_TLS_KEY_FILE) go together");
        }
        int port = (int) number(property, "gatehouse.tls.port", 8443);
        List<String> protocols = list(property.apply("gatehouse.tls.protocols"), PROTOCOLS);
        for (String protocol : protocols) {
            if (!PROTOCOLS.contains(protocol)) {
                throw new IllegalArgumentException("gatehouse.tls.protocols (GATEHOUSE_TLS_PROTOCOLS) allows TLSv1.2 and TLSv1.3 only, got '" + protocol + "'");
            }
        }
        String plain = property.apply("gatehouse.plain-http");
        PlainHttp plainHttp;
        try {
            plainHttp = plain == null ? PlainHttp.SERVE : PlainHttp.valueOf(plain.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("gatehouse.plain-http (GATEHOUSE_PLAIN_HTTP) is serve, redirect or off, got '" + plain + "'");
        }
        String caMode = property.apply("gatehouse.upstream.tls.ca-mode");
        CaMode upstreamCaMode;
        try {
            upstreamCaMode = caMode == null ? CaMode.ADD : CaMode.valueOf(caMode.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("gatehouse.upstream.tls.ca-mode (GATEHOUSE_UPSTREAM_TLS_CA_MODE) is add or replace, got '" + caMode + "'");
        }
        TlsSettings settings = new TlsSettings(
                port, certFile, keyFile, path(property, "gatehouse.tls.cert-dir"),
                protocols,
                list(property.apply("gatehouse.tls.cipher-suites"), CIPHER_SUITES),
                number(property, "gatehouse.tls.reload-ms", 5_000),
                plainHttp,
                (int) number(property, "gatehouse.tls.redirect-port", port),
                (int) number(property, "gatehouse.h2.max-concurrent-streams", 100),
                (int) number(property, "gatehouse.h2.max-header-list-bytes", 8_192),
                path(property, "gatehouse.upstream.tls.ca-file"),
                Boolean.parseBoolean(property.apply("gatehouse.upstream.tls.trust-all")),
                path(property, "gatehouse.control-plane.ca-file"),
                upstreamCaMode);
        if (settings.plainHttp != PlainHttp.SERVE && !settings.listenerEnabled()) {
            throw new IllegalArgumentException("gatehouse.plain-http=" + plain + " needs the TLS listener: set GATEHOUSE_TLS_CERT_FILE/GATEHOUSE_TLS_KEY_FILE or GATEHOUSE_TLS_CERT_DIR");
        }
        if (settings.h2MaxConcurrentStreams < 1 || settings.h2MaxHeaderListBytes < 1024 || settings.reloadMs < 0) {
            throw new IllegalArgumentException("gatehouse.h2.max-concurrent-streams must be at least 1, gatehouse.h2.max-header-list-bytes at least 1024,"
                    + " gatehouse.tls.reload-ms not negative");
        }
        if (settings.upstreamTrustAll && settings.upstreamCaFile != null) {
            throw new IllegalArgumentException("gatehouse.upstream.tls.trust-all and gatehouse.upstream.tls.ca-file exclude each other");
        }
        return settings;
    }

    private static Path path(UnaryOperator<String> property, String name) {
        String value = property.apply(name);
        return value == null ? null : Path.of(value);
    }

    private static List<String> list(String commaSeparated, List<String> fallback) {
        if (commaSeparated == null) {
            return fallback;
        }
        List<String> values = Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(v -> !v.isEmpty()).toList();
        return values.isEmpty() ? fallback : values;
    }

    private static long number(UnaryOperator<String> property, String name, long fallback) {
        String value = property.apply(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, got '" + value + "'");
        }
    }
}
