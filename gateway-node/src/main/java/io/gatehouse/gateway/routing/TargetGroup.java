package io.gatehouse.gateway.routing;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The targets of one variant of an API (stable, or canary), and how one of them is chosen. A group whose targets
 * come from DNS changes its members when discovery finds other addresses; a request reads the members once.
 */
final class TargetGroup {
    /** One configured target and the endpoints it stands for now (itself, unless it is discovered). */
    static final class Spec {
        final String apiId;
        final io.gatehouse.protocol.config.UpstreamTarget target;
        final io.gatehouse.protocol.config.UpstreamUrl url;
        volatile TargetState[] endpoints;

        Spec(String apiId, io.gatehouse.protocol.config.UpstreamTarget target, io.gatehouse.protocol.config.UpstreamUrl url,
             TargetState[] endpoints) {
            this.apiId = apiId;
            this.target = target;
            this.url = url;
            this.endpoints = endpoints;
        }
    }

    private record Members(TargetState[] targets, int[] slots) {
    }

    private final Spec[] specs;
    private volatile Members members;
    private final AtomicInteger cursor = new AtomicInteger();

    TargetGroup(Spec[] specs) {
        this.specs = specs;
        rebuild();
    }

    Spec[] specs() {
        return specs;
    }

    /** Recomputes the members from the specs' current endpoints (after discovery changed some). */
    synchronized void rebuild() {
        java.util.List<TargetState> all = new java.util.ArrayList<>();
        java.util.List<Integer> weighted = new java.util.ArrayList<>();
        for (Spec spec : specs) {
            for (TargetState t : spec.endpoints) {
                for (int i = 0; i < t.weight(); i++) {
                    weighted.add(all.size());
                }
                all.add(t);
            }
        }
        Members next = new Members(all.toArray(TargetState[]::new), weighted.stream().mapToInt(Integer::intValue).toArray());
        members = next;
    }

    TargetState[] targets() {
        return members.targets();
    }

    boolean contains(TargetState target) {
        for (TargetState t : members.targets()) {
            if (t == target) {
                return true;
            }
        }
        return false;
    }

    int outstanding() {
        int pending = 0;
        for (TargetState t : members.targets()) {
            pending += t.outstanding();
        }
        return pending;
    }

    /**
     * Chooses a target, never {@code avoid} (a target that just failed the request) unless it is the only one.
     * Ejected targets are skipped; if every target is ejected, all are used again (better a struggling upstream
     * than none).
     */
    TargetState choose(io.gatehouse.protocol.config.LoadBalancing loadBalancing, TargetState avoid) {
        Members m = members;
        return choose(loadBalancing, avoid, m.targets(), m.slots());
    }

    private TargetState choose(io.gatehouse.protocol.config.LoadBalancing loadBalancing, TargetState avoid, TargetState[] targets, int[] slots) {
        boolean panic = takingTraffic(targets) == 0;
        return switch (loadBalancing) {
            case ROUND_ROBIN -> roundRobin(avoid, panic, targets, slots);
            case LEAST_REQUEST -> leastRequest(avoid, panic, targets);
            case P2C -> powerOfTwoChoices(avoid, panic, targets, slots);
        };
    }

    private boolean usable(TargetState t, TargetState avoid, boolean panic) {
        return t != avoid && (panic || !t.ejected());
    }

    private TargetState roundRobin(TargetState avoid, boolean panic, TargetState[] targets, int[] slots) {
        for (int i = 0; i < slots.length; i++) {
            TargetState t = targets[slots[(cursor.getAndIncrement() & Integer.MAX_VALUE) % slots.length]];
            if (usable(t, avoid, panic)) {
                return t;
            }
        }
        return avoid != null ? avoid : targets[0];
    }

    private TargetState leastRequest(TargetState avoid, boolean panic, TargetState[] targets) {
        TargetState best = null;
        for (TargetState t : targets) {
            if (usable(t, avoid, panic) && (best == null || t.load() < best.load())) {
                best = t;
            }
        }
        return best != null ? best : (avoid != null ? avoid : targets[0]);
    }

    /** Two weighted random picks, the less loaded wins: near least-request balance without scanning every target. */
    private TargetState powerOfTwoChoices(TargetState avoid, boolean panic, TargetState[] targets, int[] slots) {
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
            return leastRequest(avoid, panic, targets);
        }
        return b == null || a.load() <= b.load() ? a : b;
    }

    /** Targets not ejected. */
    int takingTraffic() {
        return takingTraffic(members.targets());
    }

    private static int takingTraffic(TargetState[] targets) {
        int n = 0;
        for (TargetState t : targets) {
            if (!t.ejected()) {
                n++;
            }
        }
        return n;
    }

}
