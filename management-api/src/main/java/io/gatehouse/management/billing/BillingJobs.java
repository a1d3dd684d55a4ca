package io.gatehouse.management.billing;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The billing thread: one thread runs every billing job (Stripe calls block, and one thread means no two runs of a
 * job overlap); a job hands its Stripe calls to the Stripe workers and waits for them, so at most
 * {@code GATEHOUSE_STRIPE_CONCURRENCY} requests are in flight whichever job runs. Every {@code sendEvery}: send due meter events, apply payment standing. Every {@code meterEvery}:
 * make the Stripe objects new paid subscriptions need (and move changed plans), then put new overage in the outbox,
 * then cancel at Stripe the subscriptions that ended and have nothing left to send. Without a Stripe key only
 * payment standing runs.
 */
@ApplicationScoped
public class BillingJobs {
    private static final Logger LOG = Logger.getLogger(BillingJobs.class);

    @Inject
    BillingState state;
    @Inject
    OverageMeter meter;
    @Inject
    StripeProvisioner provisioner;
    @Inject
    MeterEventSender sender;
    @Inject
    PaymentStanding standing;

    private ScheduledExecutorService thread;

    void onStart(@Observes StartupEvent event) {
        thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gatehouse-billing");
            t.setDaemon(true);
            return t;
        });
        Duration send = state.settings().sendEvery();
        Duration meterEvery = state.settings().meterEvery();
        thread.scheduleWithFixedDelay(() -> guarded("send", this::sendStep), send.toMillis(), send.toMillis(), TimeUnit.MILLISECONDS);
        if (state.stripeEnabled()) {
            thread.scheduleWithFixedDelay(() -> guarded("meter", this::meterStep), meterEvery.toMillis(), meterEvery.toMillis(), TimeUnit.MILLISECONDS);
            LOG.infof("billing sends to Stripe: overage metered every %s, events sent every %s at up to %s per second",
                    meterEvery, send, state.settings().eventsPerSecond());
        } else {
            LOG.info("billing runs without a Stripe key: charges are computed and shown, nothing is sent");
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        if (thread != null) {
            thread.shutdownNow();
        }
    }

    /** Runs every job once on the billing thread and waits for it: the finance page's "run now", and tests. */
    public void runNow(Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
        Future<?> done = thread.submit(() -> {
            guarded("meter", this::meterStep);
            guarded("send", this::sendStep);
        });
        done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Asks for a payment standing check now (after a paid invoice: the suspension lifts within seconds). */
    public void checkStandingSoon() {
        if (thread != null) {
            thread.execute(() -> guarded("standing", () -> standing.enforce(Instant.now())));
        }
    }

    private void sendStep() throws Exception {
        if (state.stripeEnabled()) {
            sender.sendDue(Instant.now());
        }
        standing.enforce(Instant.now());
    }

    /** Stripe objects first, so the events enqueued next have a customer to go to. */
    private void meterStep() throws InterruptedException {
        if (state.stripeEnabled()) {
            long started = System.nanoTime();
            int made = provisioner.provision(Instant.now());
            if (made > 0) {
                LOG.infof("provisioning: %d Stripe subscriptions made in %d ms", made, (System.nanoTime() - started) / 1_000_000);
            }
            // Events are stamped after provisioning: Stripe bills a subscription only the events from its creation on.
            meter.enqueue(Instant.now()).await().atMost(Duration.ofMinutes(5));
            // After metering: a subscription that ended is cancelled at Stripe only once its last overage was answered.
            provisioner.cancelEnded(Instant.now());
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void guarded(String name, Step step) {
        try {
            step.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception | Error e) {
            if (Thread.currentThread().isInterrupted()) {
                // Shutting down: the run was cut off on purpose.
                return;
            }
            LOG.errorf(e, "billing %s run failed; it runs again on schedule", name);
        }
    }
}
