package io.gatehouse.audit.verify;

import java.util.Optional;

/**
 * The verify command's answer: how many records held, and the first break if there is one.
 *
 * @param retiredPartitions partitions of the live store that retention dropped, their heads kept (0 for an export)
 */
public record Verification(long verified, Optional<ChainVerifier.Break> broken, String chainHead, int retiredPartitions) {
    public Verification(long verified, Optional<ChainVerifier.Break> broken, String chainHead) {
        this(verified, broken, chainHead, 0);
    }

    public boolean ok() {
        return broken.isEmpty();
    }

    public String describe() {
        return broken.map(b -> "BROKEN at " + b + " (" + verified + " records verified before it)")
                .orElse("OK: " + verified + " records verified" + (chainHead == null ? "" : ", last chain hash " + chainHead)
                        + (retiredPartitions == 0 ? "" : "; " + retiredPartitions + " older partitions dropped by retention, their heads kept"));
    }
}
