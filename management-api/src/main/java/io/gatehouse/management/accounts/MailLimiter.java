package io.gatehouse.management.accounts;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Limits what makes the control plane mail a stranger: registering and asking for a new verification link. Each
 * costs a mail to an address the asker need not own, so without a limit the portal would be a free mail cannon
 * against any inbox, and registration a cheap way to fill the accounts table. Counted per recipient address and per
 * source address in a sliding window; kept in memory per control plane instance, like {@link SignInLimiter}.
 */
@ApplicationScoped
public class MailLimiter {

    @Inject
    AccountsConfig config;

    Clock clock = Clock.systemUTC();

    private final Map<String, Deque<Instant>> sent = new ConcurrentHashMap<>();

    /**
     * Takes one mail for this recipient from this source address, if both are under their limits; otherwise takes
     * nothing and says how long until the older of the two blocking requests leaves the window.
     *
     * @return zero when the mail may go; otherwise how long to wait
     */
    public synchronized Duration acquire(String recipient, String sourceAddress) {
        Instant now = clock.instant();
        String byRecipient = "to:" + (recipient == null ? "" : recipient.trim().toLowerCase(Locale.ROOT));
        String bySource = "from:" + (sourceAddress == null ? "unknown" : sourceAddress);
        Duration wait = max(waitFor(byRecipient, config.mailMaxPerRecipient(), now), waitFor(bySource, config.mailMaxPerAddress(), now));
        if (!wait.isZero()) {
            return wait;
        }
        sent.computeIfAbsent(byRecipient, k -> new ArrayDeque<>()).addLast(now);
        sent.computeIfAbsent(bySource, k -> new ArrayDeque<>()).addLast(now);
        return Duration.ZERO;
    }

    /** Forgets every count: for an operator after an incident, and for tests. */
    public synchronized void clear() {
        sent.clear();
    }

    private Duration waitFor(String key, int limit, Instant now) {
        Deque<Instant> times = sent.get(key);
        if (times == null) {
            return Duration.ZERO;
        }
        Instant horizon = now.minus(config.mailWindow());
        while (!times.isEmpty() && !times.peekFirst().isAfter(horizon)) {
            times.removeFirst();
        }
        if (times.isEmpty()) {
            sent.remove(key);
            return Duration.ZERO;
        }
        return times.size() < limit ? Duration.ZERO : Duration.between(now, times.peekFirst().plus(config.mailWindow()));
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
