package io.gatehouse.audit.signing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * A gateway node's Ed25519 key pair for signing audit records. Made on the node's first start and kept in its data
 * directory ({@code audit-key.pk8}, mode 0600, PKCS#8; {@code audit-key.pub}, base64 X.509) so a restart signs with
 * the same key; the public half is what an operator registers with the control plane. Not thread-safe: one signer.
 */
public final class NodeKeys {
    public static final String PRIVATE_FILE = "audit-key.pk8";
    public static final String PUBLIC_FILE = "audit-key.pub";
    private final PrivateKey privateKey;
    private final PublicKey publicKey;
    private final Signature signer;

    private NodeKeys(PrivateKey privateKey, PublicKey publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        try {
            this.signer = Signature.getInstance("Ed25519");
            signer.initSign(privateKey);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available in this JDK", e);
        }
    }

    public static NodeKeys generate() {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            return new NodeKeys(pair.getPrivate(), pair.getPublic());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available in this JDK", e);
        }
    }

    /** The node's keys from {@code dir}, made and saved there first if there are none. */
    public static NodeKeys loadOrCreate(Path dir) throws IOException {
        Path privateFile = dir.resolve(PRIVATE_FILE);
        Path publicFile = dir.resolve(PUBLIC_FILE);
        if (Files.exists(privateFile)) {
            try {
                KeyFactory factory = KeyFactory.getInstance("Ed25519");
                PrivateKey privateKey = factory.generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(privateFile)));
                PublicKey publicKey = SignatureCheck.publicKey(Files.readString(publicFile).trim());
                NodeKeys keys = new NodeKeys(privateKey, publicKey);
                if (!SignatureCheck.valid(publicKey, new byte[] {1}, keys.sign(new byte[] {1}))) {
                    throw new IOException(publicFile + " is not the public half of " + privateFile);
                }
                return keys;
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                throw new IOException("audit key in " + dir + " is unreadable: " + e.getMessage(), e);
            }
        }
        Files.createDirectories(dir);
        NodeKeys keys = generate();
        // Written under temporary names and moved into place, so a crash never leaves half a key behind.
        Path tmp = dir.resolve(PRIVATE_FILE + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        Files.write(tmp, keys.privateKey.getEncoded());
        Path tmpPublic = dir.resolve(PUBLIC_FILE + ".tmp");
        Files.writeString(tmpPublic, keys.publicKeyBase64() + "\n");
        Files.move(tmpPublic, publicFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.move(tmp, privateFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return keys;
    }

    public byte[] sign(byte[] data) {
        try {
            signer.update(data);
            return signer.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing failed", e);
        }
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    /** The public key as registered with the control plane and listed in export manifests. */
    public String publicKeyBase64() {
        return Base64.getEncoder().encodeToString(publicKey.getEncoded());
    }
}
