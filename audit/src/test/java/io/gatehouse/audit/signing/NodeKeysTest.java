package io.gatehouse.audit.signing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodeKeysTest {
    @TempDir
    Path dataDir;

    @Test
    void aNodeMakesItsKeyOnFirstStartAndKeepsItAcrossRestarts() throws Exception {
        NodeKeys first = NodeKeys.loadOrCreate(dataDir);
        Path privateFile = dataDir.resolve(NodeKeys.PRIVATE_FILE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(privateFile))).isEqualTo("rw-------");
        assertThat(Files.readString(dataDir.resolve(NodeKeys.PUBLIC_FILE)).trim()).isEqualTo(first.publicKeyBase64());

        NodeKeys again = NodeKeys.loadOrCreate(dataDir);
        assertThat(again.publicKeyBase64()).isEqualTo(first.publicKeyBase64());
        byte[] data = "record".getBytes();
        assertThat(SignatureCheck.valid(SignatureCheck.publicKey(first.publicKeyBase64()), data, again.sign(data))).isTrue();
    }

    @Test
    void aSignatureHoldsOnlyForItsBytesAndItsKey() {
        NodeKeys node = NodeKeys.generate();
        NodeKeys other = NodeKeys.generate();
        byte[] data = "GET /orders 200".getBytes();
        byte[] signature = node.sign(data);
        assertThat(signature).hasSize(64);
        assertThat(SignatureCheck.valid(node.publicKey(), data, signature)).isTrue();
        assertThat(SignatureCheck.valid(other.publicKey(), data, signature)).isFalse();
        byte[] changed = data.clone();
        changed[0] ^= 1;
        assertThat(SignatureCheck.valid(node.publicKey(), changed, signature)).isFalse();
    }

    @Test
    void aMismatchedKeyPairOnDiskIsRefused() throws Exception {
        NodeKeys.loadOrCreate(dataDir);
        Files.writeString(dataDir.resolve(NodeKeys.PUBLIC_FILE), NodeKeys.generate().publicKeyBase64());
        assertThatThrownBy(() -> NodeKeys.loadOrCreate(dataDir)).hasMessageContaining("not the public half");
        assertThatThrownBy(() -> SignatureCheck.publicKey("bm90IGEga2V5")).isInstanceOf(IllegalArgumentException.class);
    }
}
