package io.gatehouse.gateway.routing;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/** The targets of one variant of an API (stable, or canary), and how one of them is chosen. */
final class TargetGroup {
    private final TargetState[] targets;
    /** Target indexes, each repeated by its weight: weighted round robin and weighted random picks. */
    private final int[] slots;
    private final AtomicInteger cursor = new AtomicInteger();

    TargetGroup(TargetState[] targets, int[] slots) {
        this.targets = targets;
        this.slots = slots;
    }

    TargetState[] targets() {
        return targets;
    }

    boolean contains(TargetState target) {
        for (TargetState t : targets) {
            if (t == target) {
                return true;
            }
        }
        return false;
    }

    int outstanding() {
        int pending = 0;
        for (TargetState t : targets) {
            pending += t.outstanding();
        }
        return pending;
    }

    /**
     * Chooses a target, never {@code avoid} (a target that just failed the request) unless it is the only one.
     * Ejected targets are skipped; if every target is ejected, all are used again (better a struggling upstream
     * than none).
     */
    TargetState choose(String loadBalancing, TargetState avoid) {
        boolean panic = takingTraffic() == 0;
        return switch (loadBalancing) {
            case "ROUND_ROBIN" -> roundRobin(avoid, panic);
            case "LEAST_REQUEST" -> leastRequest(avoid, panic);
            default -> powerOfTwoChoices(avoid, panic);
        };
    }

    private boolean usable(TargetState t, TargetState avoid, boolean panic) {
        return t != avoid && (panic || !t.ejected());
    }

    private TargetState roundRobin(TargetState avoid, boolean panic) {
        for (int i = 0; i < slots.length; i++) {
            TargetState t = targets[slots[(cursor.getAndIncrement() & Integer.MAX_VALUE) % slots.length]];
            if (usable(t, avoid, panic)) {
                return t;
            }
        }
        return avoid != null ? avoid : targets[0];
    }

    private TargetState leastRequest(TargetState avoid, boolean panic) {
        TargetState best = null;
        for (TargetState t : targets) {
            if (usable(t, avoid, panic) && (best == null || t.load() < best.load())) {
                best = t;
            }
        }
        return best != null ? best : (avoid != null ? avoid : targets[0]);
    }

    /** Two weighted random picks, the less loaded wins: near least-request balance without scanning every target. */
    private TargetState powerOfTwoChoices(TargetState avoid, boolean panic) {
        if (targets.length == 1) {
            return targets[0];
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        TargetState a = null;
        TargetState b = null;
        for (int tries = 0; tries < 8 && (a == null || b == null); tries++) {
            TargetState t = targets[slots[random.nextInt(slots.length)]];
            if (!usable(t, avoid, panic)) {
                continue;
            }
            if (a == null) {
                a = t;
            } else if (t != a) {
                b = t;
            }
        }
        if (a == null) {
            return leastRequest(avoid, panic);
        }
        return b == null || a.load() <= b.load() ? a : b;
    }

    /** Targets not ejected. */
    int takingTraffic() {
        int n = 0;
        for (TargetState t : targets) {
            if (!t.ejected()) {
                n++;
            }
        }
        return n;
    }

}
