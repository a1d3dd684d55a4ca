package io.gatehouse.gateway.tls;

import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.net.PemTrustOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;

/**
 * How the node checks the servers it calls over TLS. Verification is on unless an operator says otherwise: the
 * certificate chain must lead to a trusted CA (the JVM's; with a PEM bundle configured, the JVM's and the bundle's, or
 * the bundle's alone when the operator says so) and name the host called. Trusting every certificate is a separate, explicit setting for upstreams only, never a fallback.
 */
public final class PeerVerification {
    private static final Logger LOG = LoggerFactory.getLogger(PeerVerification.class);

    private PeerVerification() {
    }

    /** The upstream clients' TLS: applied to every client that calls an upstream (proxying, health checks, shadows). */
    public static HttpClientOptions upstream(HttpClientOptions options, TlsSettings settings) {
        options.setVerifyHost(!settings.upstreamTrustAll());
        if (settings.upstreamTrustAll()) {
            options.setTrustAll(true);
        } else if (settings.upstreamCaFile() != null) {
            PemTrustOptions bundle = trust(settings.upstreamCaFile(), "gatehouse.upstream.tls.ca-file");
            options.setTrustOptions(settings.upstreamCaMode() == TlsSettings.CaMode.REPLACE ? bundle
                    : new JvmAndBundleTrust(settings.upstreamCaFile()));
        }
        return options;
    }

    /** The control plane channel's TLS (used when its URL is https or wss). */
    public static WebSocketClientOptions controlPlane(WebSocketClientOptions options, TlsSettings settings) {
        options.setVerifyHost(true);
        if (settings.controlPlaneCaFile() != null) {
            options.setTrustOptions(trust(settings.controlPlaneCaFile(), "gatehouse.control-plane.ca-file"));
        }
        return options;
    }

    /** Says once, loudly, that upstream certificates go unchecked. */
    public static void warnIfTrustingAll(TlsSettings settings) {
        if (settings.upstreamTrustAll()) {
            LOG.warn("GATEHOUSE_UPSTREAM_TLS_TRUST_ALL=true: upstream TLS certificates are NOT verified; anyone on the path to an upstream can read and change its traffic");
        }
    }

    /**
     * The channel carries node tokens, keys' hashes and every config: outside one machine it belongs on TLS. A plain
     * URL to another host still works (a cluster-internal network, a mesh that adds TLS), but is said at start.
     */
    public static void warnIfPlaintextControlPlane(String controlPlaneUrl) {
        java.net.URI url = java.net.URI.create(controlPlaneUrl);
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(java.util.Locale.ROOT);
        String host = url.getHost() == null ? "" : url.getHost();
        boolean local = host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1");
        if (!scheme.equals("https") && !scheme.equals("wss") && !local) {
            LOG.warn("the control plane channel to {} is not encrypted: use an https:// GATEHOUSE_CONTROL_PLANE_URL outside a trusted network (docs/tls.md)", host);
        }
    }

    private static PemTrustOptions trust(Path caFile, String setting) {
        if (!Files.isReadable(caFile)) {
            throw new IllegalArgumentException(setting + " " + caFile + " is not a readable file");
        }
        try (var in = Files.newInputStream(caFile)) {
            if (java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
                throw new IllegalArgumentException(setting + " " + caFile + " holds no PEM certificate");
            }
        } catch (java.io.IOException | CertificateException e) {
            throw new IllegalArgumentException(setting + " " + caFile + " is not a PEM CA bundle: " + e.getMessage(), e);
        }
        return new PemTrustOptions().addCertPath(caFile.toString());
    }

    /** Whether a failure is the TLS handshake's (an untrusted or mismatched certificate, no common protocol). */
    public static boolean isTlsFailure(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLException || t instanceof CertificateException) {
                return true;
            }
        }
        return false;
    }
}
