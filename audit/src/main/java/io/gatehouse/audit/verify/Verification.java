package io.gatehouse.audit.verify;

import java.util.Optional;

/** The verify command's answer: how many records held, and the first break if there is one. */
public record Verification(long verified, Optional<ChainVerifier.Break> broken, String chainHead) {
    public boolean ok() {
        return broken.isEmpty();
    }

    public String describe() {
        return broken.map(b -> "BROKEN at " + b + " (" + verified + " records verified before it)")
                .orElse("OK: " + verified + " records verified" + (chainHead == null ? "" : ", last chain hash " + chainHead));
    }
}
