package io.gatehouse.gateway.tls;

import io.vertx.core.Vertx;
import io.vertx.core.net.TrustOptions;

import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.function.Function;

/**
 * The CAs an upstream certificate may chain to when an operator adds a private CA bundle: the JVM's own trusted CAs
 * (its {@code cacerts}, or {@code javax.net.ssl.trustStore}) and the bundle's, together, so an API on a private CA and
 * one on a public certificate both verify. Built when Vert.x first needs it for a client, not per connection.
 */
final class JvmAndBundleTrust implements TrustOptions {
    private final Path bundle;

    JvmAndBundleTrust(Path bundle) {
        this.bundle = bundle;
    }

    @Override
    public TrustOptions copy() {
        return this; // immutable
    }

    @Override
    public TrustManagerFactory getTrustManagerFactory(Vertx vertx) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        TrustManagerFactory jvm = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        jvm.init((KeyStore) null);
        int n = 0;
        for (TrustManager manager : jvm.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                for (X509Certificate ca : x509.getAcceptedIssuers()) {
                    store.setCertificateEntry("jvm-" + n++, ca);
                }
            }
        }
        try (InputStream in = Files.newInputStream(bundle)) {
            for (Certificate ca : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("bundle-" + n++, ca);
            }
        }
        TrustManagerFactory both = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        both.init(store);
        return both;
    }

    @Override
    public Function<String, TrustManager[]> trustManagerMapper(Vertx vertx) {
        return serverName -> null; // no per-name trust: getTrustManagerFactory's serves every name
    }

    /** Equal for the same bundle, so Vert.x builds one TLS context for all the clients that use it. */
    @Override
    public boolean equals(Object other) {
        return other instanceof JvmAndBundleTrust that && that.bundle.equals(bundle);
    }

    @Override
    public int hashCode() {
        return bundle.hashCode();
    }
}
