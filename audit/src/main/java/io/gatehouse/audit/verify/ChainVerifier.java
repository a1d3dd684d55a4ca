package io.gatehouse.audit.verify;

import io.gatehouse.audit.chain.HashChain;
import io.gatehouse.audit.chain.StoredRecord;
import io.gatehouse.audit.signing.SealCheck;
import io.gatehouse.protocol.audit.Hex;

import java.security.PublicKey;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * Walks stored records in chain order (by partition, then sequence) and finds the first one that breaks the trail:
 * a signature that is not the node's (for a batch-signed record: a leaf and Merkle path that do not lead to a root
 * the node signed; each batch's signature is checked once), content that no longer matches its chain hash (a changed
 * field), or a link that does not follow from the record before it (a row removed, inserted or moved).
 *
 * <p>The live store must be complete: every partition's sequence starts at 1 and has no gaps. An export of a time
 * range may skip records outside the range, so there a gap in the sequence is allowed and only adjacent
 * sequence numbers are linked.
 */
public final class ChainVerifier {
    public enum Scope { STORE, EXPORT }

    /** Where the trail first breaks: {@code where} names the row (line number or partition/sequence). */
    public record Break(String where, String requestId, String reason) {
        @Override
        public String toString() {
            return where + (requestId == null ? "" : " (request " + requestId + ")") + ": " + reason;
        }
    }

    private final Map<String, PublicKey> keys;
    private final Scope scope;
    private final SealCheck seals = new SealCheck();
    private StoredRecord previous;
    private long count;
    private String firstHash;
    private String lastHash;

    public ChainVerifier(Map<String, PublicKey> keys, Scope scope) {
        this.keys = keys;
        this.scope = scope;
    }

    public Optional<Break> accept(StoredRecord row, String where) {
        String requestId = row.record().requestId();
        PublicKey key = keys.get(row.record().nodeId());
        byte[] canonical = row.record().canonical();
        Optional<Break> broken;
        String sealProblem = key == null ? null : seals.problem(key, row.record().nodeId(), canonical, row.signature(), row.proof());
        if (key == null) {
            broken = Optional.of(new Break(where, requestId, "no public key for node " + row.record().nodeId()));
        } else if (sealProblem != null) {
            broken = Optional.of(new Break(where, requestId, sealProblem + (row.proof() == null ? ": a field was changed"
                    : ": a field, the leaf index or the Merkle path was changed") + ", or the node " + row.record().nodeId() + " did not sign it"));
        } else if (!Arrays.equals(HashChain.next(row.prevHash(), canonical), row.chainHash())) {
            broken = Optional.of(new Break(where, requestId, "chain hash does not match the record's content and link"));
        } else {
            broken = link(row, where, requestId);
        }
        if (broken.isPresent()) {
            return broken;
        }
        count++;
        if (firstHash == null) {
            firstHash = Hex.encode(row.chainHash());
        }
        lastHash = Hex.encode(row.chainHash());
        previous = row;
        return Optional.empty();
    }

    private Optional<Break> link(StoredRecord row, String where, String requestId) {
        boolean samePartition = previous != null && previous.partition().equals(row.partition());
        if (!samePartition) {
            if (previous != null && previous.partition().compareTo(row.partition()) > 0) {
                return Optional.of(new Break(where, requestId, "partition " + row.partition() + " after " + previous.partition()));
            }
            if (scope == Scope.STORE && (row.seq() != 1 || !Arrays.equals(row.prevHash(), HashChain.GENESIS))) {
                return Optional.of(new Break(where, requestId, "first record of partition " + row.partition()
                        + " is not the chain's start (sequence " + row.seq() + "): records before it were removed"));
            }
            return Optional.empty();
        }
        if (row.seq() <= previous.seq()) {
            return Optional.of(new Break(where, requestId, "sequence " + row.seq() + " after " + previous.seq() + ": records reordered or duplicated"));
        }
        if (row.seq() == previous.seq() + 1) {
            if (!Arrays.equals(row.prevHash(), previous.chainHash())) {
                return Optional.of(new Break(where, requestId, "does not follow record " + previous.seq()
                        + " (its previous hash is not that record's chain hash): a record was removed, inserted or moved here"));
            }
        } else if (scope == Scope.STORE) {
            return Optional.of(new Break(where, requestId, "records " + (previous.seq() + 1) + ".." + (row.seq() - 1)
                    + " of partition " + row.partition() + " are missing"));
        }
        return Optional.empty();
    }

    /** Ed25519 verifications made so far: one per single-signed record, one per batch for batch-signed ones. */
    public long signatureChecks() {
        return seals.signatureChecks();
    }

    public long count() {
        return count;
    }

    public String firstHash() {
        return firstHash;
    }

    public String lastHash() {
        return lastHash;
    }

    /** The last record accepted, or null. */
    public StoredRecord last() {
        return previous;
    }
}
