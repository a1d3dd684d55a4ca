package io.gatehouse.management.billing;

import io.gatehouse.billing.stripe.SendPacing;
import io.gatehouse.billing.stripe.StripeBilling;
import io.gatehouse.billing.stripe.StripePacer;
import io.gatehouse.management.GatehouseConfig;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether billing talks to Stripe, and the client when it does. Without a Stripe key nothing is sent: the finance
 * view shows computed charges, marked as not sent, and the platform runs as without billing.
 */
@ApplicationScoped
public class BillingState {
    /** More than this many requests in flight only queues them behind the pacer and holds database connections. */
    static final int MOST_CONCURRENCY = 64;

    @Inject
    GatehouseConfig config;

    private StripeBilling stripe;
    private SendPacing pacing;
    private ExecutorService workers;

    @PostConstruct
    void init() {
        GatehouseConfig.Billing billing = config.billing();
        String key = billing.stripe().apiKey().filter(k -> !k.isBlank()).orElse(null);
        if (key != null) {
            int concurrency = billing.stripe().concurrency();
            if (concurrency < 1 || concurrency > MOST_CONCURRENCY) {
                throw new IllegalArgumentException("GATEHOUSE_STRIPE_CONCURRENCY must be between 1 and " + MOST_CONCURRENCY + ", not " + concurrency);
            }
            // stripe-java speaks HttpURLConnection, whose keep-alive cache holds 5 idle connections per host by default:
            // with more requests in flight, every one past the fifth would open (and handshake) a new connection.
            if (System.getProperty("http.maxConnections") == null && concurrency > 5) {
                System.setProperty("http.maxConnections", Integer.toString(concurrency));
            }
            int perSecond = billing.stripe().requestsPerSecond().orElse(StripePacer.defaultFor(key));
            stripe = new StripeBilling(key, billing.stripe().apiBase().orElse(null), billing.stripe().timeout(), new StripePacer(perSecond));
            AtomicInteger number = new AtomicInteger();
            workers = Executors.newFixedThreadPool(concurrency, r -> {
                Thread t = new Thread(r, "gatehouse-stripe-" + number.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
        pacing = new SendPacing(billing.eventsPerSecond(), billing.retryFirst(), billing.retryMax());
    }

    @PreDestroy
    void stop() {
        if (workers != null) {
            workers.shutdownNow();
        }
    }

    public boolean stripeEnabled() {
        return stripe != null;
    }

    /** The Stripe client; only called when {@link #stripeEnabled()}. */
    public StripeBilling stripe() {
        if (stripe == null) {
            throw new IllegalStateException("billing runs without a Stripe key");
        }
        return stripe;
    }

    public SendPacing pacing() {
        return pacing;
    }

    public GatehouseConfig.Billing settings() {
        return config.billing();
    }

    /** A piece of blocking billing work that calls Stripe. */
    public interface StripeTask {
        void run() throws Exception;
    }

    /**
     * Runs the tasks on the Stripe workers, at most {@code GATEHOUSE_STRIPE_CONCURRENCY} at once (each task's Stripe calls
     * one after another, every call still paced), and returns when all have ended. Called from the billing thread only,
     * so provisioning and sending never hold more than that many requests in flight between them. A task that failed
     * does not stop the others; the first failure is thrown once all have ended, the later ones attached to it.
     */
    public void inParallel(List<? extends StripeTask> tasks) throws InterruptedException {
        if (workers == null) {
            throw new IllegalStateException("billing runs without a Stripe key");
        }
        List<Future<?>> running = new ArrayList<>(tasks.size());
        try {
            for (StripeTask task : tasks) {
                running.add(workers.submit(() -> {
                    task.run();
                    return null;
                }));
            }
            Exception first = null;
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    Exception cause = e.getCause() instanceof Exception c ? c : e;
                    if (first == null) {
                        first = cause;
                    } else if (first != cause) {
                        first.addSuppressed(cause);
                    }
                }
            }
            if (first != null) {
                throw first instanceof RuntimeException r ? r : new IllegalStateException("a billing task failed: " + first.getMessage(), first);
            }
        } finally {
            // Interrupted (shutting down) or failed to submit: nothing of this run keeps going behind the caller's back.
            for (Future<?> f : running) {
                f.cancel(true);
            }
        }
    }
}
