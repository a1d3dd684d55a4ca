package io.gatehouse.audit.signing;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/** Checks a node's Ed25519 signature: all anyone needs is the node's public key, no shared secret. */
public final class SignatureCheck {
    private SignatureCheck() {
    }

    /** Parses a base64 X.509 Ed25519 public key; IllegalArgumentException when it is not one. */
    public static PublicKey publicKey(String base64) {
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64.trim())));
        } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
            throw new IllegalArgumentException("not a base64 Ed25519 public key (X.509 SubjectPublicKeyInfo)");
        }
    }

    public static boolean valid(PublicKey key, byte[] data, byte[] signature) {
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(key);
            verifier.update(data);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }
}
