package io.gatehouse.gateway.tls;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509KeyManager;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * The TLS listener's certificates: read from PEM files, checked, and swapped into the running servers when the files
 * change, without a restart. Changes are found by a periodic look at the files' sizes and modification times on a
 * worker thread (a Kubernetes Secret update swaps a symlink, which shows as a new modification time); only then are
 * the files read and checked, and a set that does not load (a key that does not match its certificate, a file
 * half-written) leaves the certificates in service as they are until the next look.
 *
 * <p>Several certificates are chosen by SNI: the default one ({@code GATEHOUSE_TLS_CERT_FILE}) first, then each pair
 * of a directory ({@code GATEHOUSE_TLS_CERT_DIR}): {@code NAME.crt} with {@code NAME.key}, or a subdirectory holding
 * {@code tls.crt} and {@code tls.key} (a mounted Kubernetes TLS Secret). A client that names no known host gets the
 * first certificate.
 */
public final class ServerCertificates {
    private static final Logger LOG = LoggerFactory.getLogger(ServerCertificates.class);

    /** One certificate chain and its key, as file paths. */
    record Pair(Path cert, Path key) {
    }

    /** What was loaded: PEM contents of each pair in order, and the file stamps they were read at. */
    private record Loaded(List<Buffer> certs, List<Buffer> keys, String stamp) {
    }

    private final TlsSettings settings;
    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
    private volatile Loaded current;
    private volatile String lastFailure;
    private volatile int reloads;
    private long timer = -1;

    private ServerCertificates(TlsSettings settings, Loaded loaded) {
        this.settings = settings;
        this.current = loaded;
    }

    /** Reads and checks the certificates; blocking (start-up only). */
    public static ServerCertificates load(TlsSettings settings) {
        checkSuitesKnown(settings.cipherSuites());
        try {
            return new ServerCertificates(settings, read(settings));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("TLS certificates cannot be loaded: " + e.getMessage(), e);
        }
    }

    /** The SSL options of the listener as the certificates stand now. */
    public ServerSSLOptions sslOptions() {
        return sslOptions(settings, current);
    }

    /** How many times new certificates were put in service since the node started. */
    public int reloads() {
        return reloads;
    }

    /** The last reload failure, or null if the files in place are the ones served. */
    public String lastFailure() {
        return lastFailure;
    }

    /** A listening TLS server that must receive new certificates (all servers sharing the port take them from one). */
    public void serving(HttpServer server) {
        servers.add(server);
    }

    /** Starts the periodic look at the files. */
    public void startReloading(Vertx vertx) {
        if (settings.reloadMs() <= 0) {
            return;
        }
        timer = vertx.setPeriodic(settings.reloadMs(), id -> vertx.executeBlocking(this::changed, true)
                .onSuccess(loaded -> {
                    if (loaded != null) {
                        install(loaded);
                    }
                }));
    }

    public void stop(Vertx vertx) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** On a worker: the files' new contents if their stamps moved and they load, else null. */
    private Loaded changed() {
        try {
            String stamp = stamp(pairs(settings));
            if (stamp.equals(current.stamp())) {
                return null;
            }
            Loaded loaded = read(settings);
            if (loaded.certs().equals(current.certs()) && loaded.keys().equals(current.keys())) {
                current = loaded; // touched, or put back as it was: what is served is what is on disk
                lastFailure = null;
                return null;
            }
            return loaded;
        } catch (IOException | RuntimeException e) {
            String failure = e.getMessage();
            if (!failure.equals(lastFailure)) {
                LOG.warn("TLS certificates changed on disk but cannot be used ({}); the ones in service stay", failure);
                lastFailure = failure;
            }
            return null;
        }
    }

    private void install(Loaded loaded) {
        if (servers.isEmpty()) {
            current = loaded;
            return;
        }
        servers.get(0).updateSSLOptions(sslOptions(settings, loaded)).onComplete(result -> {
            if (result.succeeded()) {
                current = loaded;
                lastFailure = null;
                reloads++;
                LOG.info("TLS certificates reloaded ({} in service)", loaded.certs().size());
            } else {
                lastFailure = String.valueOf(result.cause().getMessage());
                LOG.warn("TLS certificates changed on disk but were refused ({}); the ones in service stay", lastFailure);
            }
        });
    }

    static ServerSSLOptions sslOptions(TlsSettings settings, Loaded loaded) {
        ServerSSLOptions options = new ServerSSLOptions()
                .setKeyCertOptions(new PemKeyCertOptions().setCertValues(loaded.certs()).setKeyValues(loaded.keys()))
                .setEnabledSecureTransportProtocols(new java.util.LinkedHashSet<>(settings.protocols()))
                .setSni(true);
        settings.cipherSuites().forEach(options::addEnabledCipherSuite);
        return options;
    }

    static List<Pair> pairs(TlsSettings settings) throws IOException {
        List<Pair> pairs = new ArrayList<>();
        if (settings.certFile() != null) {
            pairs.add(new Pair(settings.certFile(), settings.keyFile()));
        }
        Path dir = settings.certDir();
        if (dir != null) {
            if (!Files.isDirectory(dir)) {
                throw new IOException("GATEHOUSE_TLS_CERT_DIR " + dir + " is not a directory");
            }
            List<Path> entries;
            try (Stream<Path> listed = Files.list(dir)) {
                entries = listed.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
            }
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (Files.isDirectory(entry)) {
                    Path cert = entry.resolve("tls.crt");
                    Path key = entry.resolve("tls.key");
                    if (Files.isRegularFile(cert) && Files.isRegularFile(key)) {
                        pairs.add(new Pair(cert, key));
                    }
                } else if (name.endsWith(".crt")) {
                    Path key = entry.resolveSibling(name.substring(0, name.length() - 4) + ".key");
                    if (!Files.isRegularFile(key)) {
                        throw new IOException(entry + " has no " + key.getFileName() + " beside it");
                    }
                    pairs.add(new Pair(entry, key));
                }
            }
        }
        if (pairs.isEmpty()) {
            throw new IOException("no certificate in " + dir);
        }
        return pairs;
    }

    /** Sizes and modification times of every file, in order: what changes when any file is replaced. */
    private static String stamp(List<Pair> pairs) throws IOException {
        StringBuilder stamp = new StringBuilder();
        for (Pair pair : pairs) {
            for (Path file : List.of(pair.cert(), pair.key())) {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                stamp.append(file).append(':').append(attributes.size()).append(':').append(attributes.lastModifiedTime().toMillis())
                        .append(':').append(attributes.lastModifiedTime().toInstant().getNano()).append(';');
            }
        }
        return stamp.toString();
    }

    private static Loaded read(TlsSettings settings) throws IOException {
        List<Pair> pairs = pairs(settings);
        String stamp = stamp(pairs);
        List<Buffer> certs = new ArrayList<>();
        List<Buffer> keys = new ArrayList<>();
        for (Pair pair : pairs) {
            Buffer cert = Buffer.buffer(Files.readAllBytes(pair.cert()));
            Buffer key = Buffer.buffer(Files.readAllBytes(pair.key()));
            check(pair, cert, key);
            certs.add(cert);
            keys.add(key);
        }
        return new Loaded(certs, keys, stamp);
    }

    /**
     * Parses the pair as the server will, and proves the key belongs to the certificate by signing with one and
     * verifying with the other: a pair caught between two writes would otherwise be served and fail every handshake.
     */
    private static void check(Pair pair, Buffer cert, Buffer key) {
        X509KeyManager manager;
        try {
            KeyManagerFactory factory = new PemKeyCertOptions().setCertValue(cert).setKeyValue(key).getKeyManagerFactory(null);
            manager = firstX509(factory.getKeyManagers());
        } catch (Exception e) {
            throw new IllegalArgumentException(pair.cert() + " / " + pair.key() + " are not a PEM certificate and key: " + e.getMessage(), e);
        }
        String alias = manager.getServerAliases("RSA", null) != null ? manager.getServerAliases("RSA", null)[0] : null;
        if (alias == null) {
            String[] any = manager.getServerAliases("EC", null);
            alias = any != null ? any[0] : null;
        }
        if (alias == null) {
            String[] any = manager.getServerAliases("EdDSA", null);
            alias = any != null ? any[0] : null;
        }
        if (alias == null) {
            throw new IllegalArgumentException(pair.cert() + ": no usable server certificate (RSA, EC or EdDSA)");
        }
        PrivateKey privateKey = manager.getPrivateKey(alias);
        X509Certificate[] chain = manager.getCertificateChain(alias);
        if (privateKey == null || chain == null || chain.length == 0) {
            throw new IllegalArgumentException(pair.cert() + ": no certificate and key found");
        }
        String algorithm = switch (privateKey.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> privateKey.getAlgorithm(); // Ed25519, Ed448, EdDSA
        };
        try {
            byte[] probe = pair.cert().toString().getBytes(StandardCharsets.UTF_8);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(chain[0].getPublicKey());
            verifier.update(probe);
            if (!verifier.verify(signature)) {
                throw new IllegalArgumentException(pair.key() + " is not the key of " + pair.cert());
            }
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException(pair.key() + " is not the key of " + pair.cert() + ": " + e.getMessage(), e);
        }
    }

    private static X509KeyManager firstX509(KeyManager[] managers) {
        for (KeyManager manager : managers) {
            if (manager instanceof X509KeyManager x509) {
                return x509;
            }
        }
        throw new IllegalArgumentException("no X.509 key manager");
    }

    /** A suite the JVM does not know would be dropped silently by the TLS engine: refuse it at start instead. */
    private static void checkSuitesKnown(List<String> suites) {
        Set<String> known;
        try {
            known = new HashSet<>(List.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (String suite : suites) {
            if (!known.contains(suite)) {
                throw new IllegalArgumentException("gatehouse.tls.cipher-suites: this JVM does not know " + suite);
            }
        }
    }
}
