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
 * Counts failed sign-ins per account and per source address in a sliding window; once either reaches its limit,
 * sign-in is refused (429) until the oldest failure leaves the window. Kept in memory: the control plane runs as
 * one process, and a restart forgetting the count is acceptable for a throttle (accounts are not locked out).
 */
@ApplicationScoped
public class SignInLimiter {

    @Inject
    AccountsConfig config;

    Clock clock = Clock.systemUTC();

    private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();

    /** How long until sign-in is allowed again for this account or address; zero when allowed now. */
    public Duration blockedFor(String email, String address) {
        Duration account = blockedFor(accountKey(email), config.signInMaxFailures());
        Duration source = blockedFor(addressKey(address), config.signInMaxFailuresPerAddress());
        return account.compareTo(source) >= 0 ? account : source;
    }

    public void recordFailure(String email, String address) {
        Instant now = clock.instant();
        for (String key : new String[]{accountKey(email), addressKey(address)}) {
            failures.compute(key, (k, times) -> {
                Deque<Instant> list = times == null ? new ArrayDeque<>() : times;
                prune(list, now);
                list.addLast(now);
                return list;
            });
        }
    }

    /** A successful sign-in clears the account's failures (not the address's: one address may try many accounts). */
    public void recordSuccess(String email) {
        failures.remove(accountKey(email));
    }

    /** Forgets every failure: for an operator lifting a block after an incident, and for tests. */
    public void clear() {
        failures.clear();
    }

    private Duration blockedFor(String key, int limit) {
        Instant now = clock.instant();
        Duration[] wait = {Duration.ZERO};
        failures.computeIfPresent(key, (k, list) -> {
            prune(list, now);
            if (list.size() >= limit) {
                wait[0] = Duration.between(now, list.peekFirst().plus(config.signInWindow()));
            }
            return list.isEmpty() ? null : list;
        });
        return wait[0];
    }

    private void prune(Deque<Instant> list, Instant now) {
        Instant horizon = now.minus(config.signInWindow());
        while (!list.isEmpty() && !list.peekFirst().isAfter(horizon)) {
            list.removeFirst();
        }
    }

    private static String accountKey(String email) {
        return "account:" + (email == null ? "" : email.trim().toLowerCase(Locale.ROOT));
    }

    private static String addressKey(String address) {
        return "address:" + address;
    }
}
