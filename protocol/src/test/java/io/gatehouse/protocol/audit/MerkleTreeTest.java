package io.gatehouse.protocol.audit;

import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MerkleTreeTest {
    private static byte[] sha(byte prefix, byte[]... parts) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(prefix);
        for (byte[] part : parts) {
            sha.update(part);
        }
        return sha.digest();
    }

    /** RFC 6962's recursive definition (split at the largest power of two below n), written apart from the tree. */
    private static byte[] referenceRoot(List<byte[]> leaves) throws Exception {
        if (leaves.size() == 1) {
            return leaves.get(0);
        }
        int k = Integer.highestOneBit(leaves.size() - 1);
        return sha((byte) 1, referenceRoot(leaves.subList(0, k)), referenceRoot(leaves.subList(k, leaves.size())));
    }

    private static List<byte[]> leaves(int n) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(MerkleTree.leafHash(("record " + i).getBytes()));
        }
        return out;
    }

    @Test
    void leavesAndInnerNodesAreHashedInTheirOwnDomains() throws Exception {
        byte[] canonical = "a record".getBytes();
        assertThat(MerkleTree.leafHash(canonical)).isEqualTo(sha((byte) 0, canonical));
        List<byte[]> two = leaves(2);
        assertThat(new MerkleTree(two).root()).isEqualTo(sha((byte) 1, two.get(0), two.get(1)));
        // An inner node's input presented as a record is a different leaf: it cannot stand in for the pair below it.
        byte[] concatenated = new byte[64];
        System.arraycopy(two.get(0), 0, concatenated, 0, 32);
        System.arraycopy(two.get(1), 0, concatenated, 32, 32);
        assertThat(MerkleTree.leafHash(concatenated)).isNotEqualTo(new MerkleTree(two).root());
    }

    @Test
    void everyLeafOfEveryBatchSizeLeadsToTheRootTheRfcDefinitionGives() throws Exception {
        for (int n = 1; n <= 70; n++) {
            List<byte[]> leaves = leaves(n);
            MerkleTree tree = new MerkleTree(leaves);
            assertThat(tree.root()).as("root of %d", n).isEqualTo(referenceRoot(leaves));
            for (int i = 0; i < n; i++) {
                byte[] path = tree.path(i);
                assertThat(path.length).isEqualTo(MerkleTree.pathLength(i, n) * 32);
                assertThat(MerkleTree.rootFromPath(leaves.get(i), i, n, path)).as("leaf %d of %d", i, n).isEqualTo(tree.root());
            }
        }
    }

    @Test
    void aLeafMovedToAnotherIndexOrAnotherLeafOnThePathDoesNotReachTheRoot() {
        List<byte[]> leaves = leaves(13);
        MerkleTree tree = new MerkleTree(leaves);
        byte[] root = tree.root();
        for (int i = 0; i < 13; i++) {
            byte[] path = tree.path(i);
            byte[] leaf = leaves.get(i);
            for (int other = 0; other < 13; other++) {
                if (other == i) {
                    continue;
                }
                int at = other;
                if (MerkleTree.pathLength(other, 13) * 32 == path.length) {
                    assertThat(MerkleTree.rootFromPath(leaves.get(i), at, 13, path)).as("leaf %d claimed at %d", i, other).isNotEqualTo(root);
                } else {
                    assertThatThrownBy(() -> MerkleTree.rootFromPath(leaf, at, 13, path))
                            .isInstanceOf(MalformedAuditRecordException.class).hasMessageContaining("does not fit");
                }
                assertThat(MerkleTree.rootFromPath(leaves.get(other), i, 13, path)).isNotEqualTo(root);
            }
        }
        assertThatThrownBy(() -> MerkleTree.rootFromPath(leaves.get(0), 13, 13, tree.path(0)))
                .isInstanceOf(MalformedAuditRecordException.class).hasMessageContaining("outside");
        // Leaf 0 of 13 and of 14 climb the same way, so a path alone does not fix the batch's size: the signed
        // statement does, which is why it names the leaf count.
        assertThat(MerkleTree.rootFromPath(leaves.get(0), 0, 14, tree.path(0))).isEqualTo(root);
        byte[] record = "record 0".getBytes();
        assertThat(new BatchProof(1, 0, 14, tree.path(0)).statement("n", record))
                .isNotEqualTo(new BatchProof(1, 0, 13, tree.path(0)).statement("n", record));
    }

    @Test
    void aBatchSignedRecordTravelsWithItsProofAndAFirstFormRecordStillDecodes() {
        AuditRecord record = AuditRecordTest.sample();
        List<byte[]> leaves = leaves(5);
        leaves.set(3, MerkleTree.leafHash(record.canonical()));
        MerkleTree tree = new MerkleTree(leaves);
        byte[] signature = new byte[64];
        Arrays.fill(signature, (byte) 7);
        SignedAuditRecord signed = new SignedAuditRecord(record, record.canonical(), signature, new BatchProof(42, 3, 5, tree.path(3)));
        byte[] wire = signed.encode();
        assertThat(new String(wire, 0, 4)).isEqualTo("GHSB");
        SignedAuditRecord back = SignedAuditRecord.decode(wire);
        assertThat(back.record()).isEqualTo(record);
        assertThat(back.proof()).isEqualTo(signed.proof());
        assertThat(back.signature()).isEqualTo(signature);
        assertThat(back.signedBytes()).isEqualTo(BatchProof.statement("node-a", 42, 5, tree.root()));
        assertThatThrownBy(() -> SignedAuditRecord.decode(Arrays.copyOf(wire, wire.length - 1))).isInstanceOf(MalformedAuditRecordException.class);
        byte[] longer = Arrays.copyOf(wire, wire.length + 1);
        assertThatThrownBy(() -> SignedAuditRecord.decode(longer)).isInstanceOf(MalformedAuditRecordException.class);

        SignedAuditRecord first = SignedAuditRecord.decode(SignedAuditRecord.of(record, signature).encode());
        assertThat(first.batchSigned()).isFalse();
        assertThat(first.signedBytes()).isEqualTo(record.canonical());
    }

    @Test
    void theBatchStatementNamesNodeBatchSizeAndRoot() {
        byte[] root = new byte[32];
        root[31] = 1;
        String hex = Hex.encode(BatchProof.statement("n", 2, 3, root));
        assertThat(hex).isEqualTo("47484142" + "01" + "00000001" + "6e" + "0000000000000002" + "00000003" + "00".repeat(31) + "01");
        assertThat(BatchProof.statement("n", 2, 3, root)).isNotEqualTo(BatchProof.statement("m", 2, 3, root));
        assertThat(BatchProof.statement("n", 2, 3, root)).isNotEqualTo(BatchProof.statement("n", 2, 4, root));
    }

    @Test
    void aTreeOverLeavesLaidEndToEndIsTheSameTree() throws Exception {
        for (int n : new int[] {1, 2, 3, 7, 64, 100, 1024, 1025}) {
            List<byte[]> leaves = leaves(n);
            byte[] flat = new byte[n * MerkleTree.HASH_BYTES + 32];
            for (int i = 0; i < n; i++) {
                byte[] record = ("record " + i).getBytes();
                // Each leaf hashed where its record lies in a larger buffer, written where the tree wants it.
                byte[] around = new byte[record.length + 9];
                System.arraycopy(record, 0, around, 4, record.length);
                MerkleTree.leafHash(MessageDigest.getInstance("SHA-256"), around, 4, record.length, flat, i * MerkleTree.HASH_BYTES);
            }
            MerkleTree listed = new MerkleTree(leaves);
            MerkleTree laid = new MerkleTree(flat, n, MessageDigest.getInstance("SHA-256"));
            assertThat(laid.root()).as("root of %d", n).isEqualTo(listed.root()).isEqualTo(referenceRoot(leaves));
            for (int i = 0; i < n; i++) {
                byte[] path = laid.path(i);
                assertThat(path).as("path of %d in %d", i, n).isEqualTo(listed.path(i));
                byte[] out = new byte[path.length + 2];
                assertThat(laid.writePath(i, out, 1)).isEqualTo(1 + path.length);
                assertThat(Arrays.copyOfRange(out, 1, 1 + path.length)).isEqualTo(path);
            }
        }
    }
}
