package io.gatehouse.billing.stripe;

import com.stripe.StripeClient;
import com.stripe.exception.ApiConnectionException;
import com.stripe.exception.StripeException;
import com.stripe.model.Invoice;
import com.stripe.model.StripeCollection;
import com.stripe.model.Subscription;
import com.stripe.model.SubscriptionItem;
import com.stripe.model.billing.Meter;
import com.stripe.model.billing.MeterEventSummary;
import com.stripe.net.HttpURLConnectionClient;
import com.stripe.net.RequestOptions;
import com.stripe.net.StripeRequest;
import com.stripe.net.StripeResponse;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.InvoiceListParams;
import com.stripe.param.PriceCreateParams;
import com.stripe.param.ProductCreateParams;
import com.stripe.param.SubscriptionCancelParams;
import com.stripe.param.SubscriptionCreateParams;
import com.stripe.param.SubscriptionUpdateParams;
import com.stripe.param.billing.MeterCreateParams;
import com.stripe.param.billing.MeterEventCreateParams;
import com.stripe.param.billing.MeterEventSummaryListParams;
import com.stripe.param.billing.MeterListParams;
import io.gatehouse.billing.rating.Pricing;
import io.gatehouse.billing.rating.Rating;
import io.gatehouse.billing.rating.Tier;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Gatehouse's objects as Stripe Billing objects, through stripe-java: a customer per consumer, meters for API usage, a
 * product per plan with prices per price version (a licensed monthly base price, and a metered overage price per
 * meter), a subscription per paid Gatehouse subscription, and overage as meter events.
 *
 * <p>A Stripe meter sums a customer's events, and every metered price on that meter bills the customer's whole sum.
 * So a consumer's paid subscriptions never share a meter: each holds a <em>slot</em>, and slot {@code n} is its own
 * meter ({@link #eventName(int)}). Slots are reused, so the number of meters is the most paid subscriptions one
 * consumer holds at once, not the number of subscriptions.
 *
 * <p>Every create carries an idempotency key derived from Gatehouse's own ids, so a create retried after a timeout or
 * a crash returns the object made the first time instead of a second one. Calls block: the control plane makes them
 * from its billing thread, never from an event loop. stripe-java's own retries are off: the outbox retries, with its
 * backoff, and records each attempt.
 *
 * <p>Every request waits its turn in a {@link StripePacer} (Stripe's rate limit is per account, so one pacer per
 * process covers provisioning, events and reads alike). A 429 pauses the pacer for Stripe's {@code Retry-After};
 * provisioning and reads then try again in the same call ({@link #RATE_LIMIT_ATTEMPTS}), meter events go back to the
 * outbox, which records the attempt and retries it.
 */
public final class StripeBilling {
    /** Stripe accepts meter events up to 35 days old; older ones are refused, so they are flagged before sending. */
    public static final Duration ACCEPTED_AGE = Duration.ofDays(35);
    /** The first meter's event name (slot 1), and the payload keys Gatehouse sends. */
    public static final String EVENT_NAME = "gatehouse_api_requests";
    public static final String CUSTOMER_KEY = "stripe_customer_id";
    public static final String VALUE_KEY = "value";

    /** What happened to one meter event send. */
    public sealed interface Outcome {
        /** Stripe took the event. */
        record Acknowledged() implements Outcome {
        }

        /** Stripe had the identifier already: the event counted the first time; nothing more to do. */
        record AlreadyRecorded(String message) implements Outcome {
        }

        /** A passing failure (timeout, 5xx, 429, a concurrent request with the same key): try again later. */
        record Retry(String code, String message, Duration retryAfter) implements Outcome {
        }

        /** Stripe refused the event for good (its error code and message); sending it again would not help. */
        record Failed(String code, String message) implements Outcome {
        }
    }

    /** The ids of the Stripe prices of one price version of a plan; {@code base} is null for a plan without a base price. */
    public record PlanPrices(String product, String base, String usage) {
    }

    /** Stripe's meter total for one customer over [start, end). */
    public record Summary(Instant start, Instant end, BigDecimal value) {
    }

    /** One of a customer's invoices, as the portal lists them; amounts in minor units. */
    public record InvoiceSummary(String id, String number, Instant periodStart, Instant periodEnd, long amountDue, long total,
                                 String currency, String status, String hostedInvoiceUrl) {
    }

    /** A provisioning or read call meeting 429s is tried this many times in all, each after Stripe's Retry-After. */
    public static final int RATE_LIMIT_ATTEMPTS = 5;
    /** The wait after a 429 without a Retry-After (Stripe's libraries back off from half a second). */
    static final Duration RATE_LIMIT_PAUSE = Duration.ofSeconds(1);
    /** A Retry-After longer than this is not waited for on the billing thread: the call fails and the next run retries. */
    static final Duration LONGEST_PAUSE = Duration.ofSeconds(30);

    private static final ThreadLocal<String> RETRY_AFTER = new ThreadLocal<>();
    private final StripeClient client;
    private final StripePacer pacer;

    /**
     * @param apiBase null for Stripe itself; a local address in tests
     */
    public StripeBilling(String apiKey, String apiBase, Duration timeout) {
        this(apiKey, apiBase, timeout, new StripePacer(StripePacer.defaultFor(apiKey)));
    }

    /**
     * @param apiBase null for Stripe itself; a local address in tests
     * @param pacer   every request of this client waits its turn there
     */
    public StripeBilling(String apiKey, String apiBase, Duration timeout, StripePacer pacer) {
        this.pacer = pacer;
        StripeClient.StripeClientBuilder builder = StripeClient.builder().setApiKey(apiKey)
                .setMaxNetworkRetries(0)
                .setConnectTimeout((int) timeout.toMillis())
                .setReadTimeout((int) timeout.toMillis())
                .setHttpClient(new PacedClient(pacer));
        if (apiBase != null && !apiBase.isBlank()) {
            builder.setApiBase(apiBase).setMeterEventsBase(apiBase).setFilesBase(apiBase).setConnectBase(apiBase);
        }
        this.client = builder.build();
    }

    /** The event name of a slot's meter: {@code gatehouse_api_requests}, then {@code gatehouse_api_requests_2}, ... */
    public static String eventName(int slot) {
        if (slot < 1) {
            throw new IllegalArgumentException("meter slots start at 1");
        }
        return slot == 1 ? EVENT_NAME : EVENT_NAME + "_" + slot;
    }

    /** The active meter of a slot, created (summing {@code value} per customer) when there is none. */
    public String ensureMeter(int slot) throws StripeException {
        String eventName = eventName(slot);
        StripeCollection<Meter> meters = paced(() -> client.v1().billing().meters().list(MeterListParams.builder()
                .setStatus(MeterListParams.Status.ACTIVE).setLimit(100L).build()));
        while (true) {
            for (Meter meter : meters.getData()) {
                if (eventName.equals(meter.getEventName())) {
                    return meter.getId();
                }
            }
            if (!Boolean.TRUE.equals(meters.getHasMore()) || meters.getData().isEmpty()) {
                break;
            }
            String after = meters.getData().get(meters.getData().size() - 1).getId();
            meters = paced(() -> client.v1().billing().meters().list(MeterListParams.builder().setStatus(MeterListParams.Status.ACTIVE)
                    .setLimit(100L).setStartingAfter(after).build()));
        }
        MeterCreateParams meterParams = MeterCreateParams.builder()
                .setDisplayName(slot == 1 ? "Gatehouse API requests" : "Gatehouse API requests (" + slot + ")")
                .setEventName(eventName)
                .setDefaultAggregation(MeterCreateParams.DefaultAggregation.builder()
                        .setFormula(MeterCreateParams.DefaultAggregation.Formula.SUM).build())
                .setCustomerMapping(MeterCreateParams.CustomerMapping.builder()
                        .setType(MeterCreateParams.CustomerMapping.Type.BY_ID).setEventPayloadKey(CUSTOMER_KEY).build())
                .setValueSettings(MeterCreateParams.ValueSettings.builder().setEventPayloadKey(VALUE_KEY).build())
                .build();
        return paced(() -> client.v1().billing().meters().create(meterParams, key("gatehouse-meter-" + eventName))).getId();
    }

    public String createCustomer(String consumerId, String name, String email) throws StripeException {
        CustomerCreateParams.Builder params = CustomerCreateParams.builder().setName(name).putMetadata("gatehouse_consumer_id", consumerId);
        if (email != null && !email.isBlank()) {
            params.setEmail(email);
        }
        return paced(() -> client.v1().customers().create(params.build(), key("gatehouse-customer-" + consumerId))).getId();
    }

    /**
     * The product of a plan and the prices of one of its price versions, the metered one on a slot's meter. The product
     * and the base price are the same for every slot (same idempotency key, same parameters: Stripe returns the first).
     */
    public PlanPrices createPrices(String planId, String planName, long version, int slot, Pricing pricing, String meterId) throws StripeException {
        String product = paced(() -> client.v1().products().create(ProductCreateParams.builder().setName("Gatehouse plan " + planName)
                .putMetadata("gatehouse_plan_id", planId).build(), key("gatehouse-product-" + planId))).getId();
        String currency = pricing.currency().toLowerCase(Locale.ROOT);
        String base = null;
        if (pricing.basePrice() > 0) {
            PriceCreateParams baseParams = PriceCreateParams.builder().setCurrency(currency).setProduct(product)
                    .setUnitAmount(pricing.basePrice())
                    .setRecurring(PriceCreateParams.Recurring.builder().setInterval(PriceCreateParams.Recurring.Interval.MONTH)
                            .setUsageType(PriceCreateParams.Recurring.UsageType.LICENSED).build())
                    .putMetadata("gatehouse_plan_id", planId).putMetadata("gatehouse_price_version", String.valueOf(version))
                    .build();
            base = paced(() -> client.v1().prices().create(baseParams, key("gatehouse-price-base-" + planId + "-" + version))).getId();
        }
        PriceCreateParams.Builder usage = PriceCreateParams.builder().setCurrency(currency).setProduct(product)
                .setRecurring(PriceCreateParams.Recurring.builder().setInterval(PriceCreateParams.Recurring.Interval.MONTH)
                        .setUsageType(PriceCreateParams.Recurring.UsageType.METERED).setMeter(meterId).build())
                .putMetadata("gatehouse_plan_id", planId).putMetadata("gatehouse_price_version", String.valueOf(version))
                .putMetadata("gatehouse_meter_slot", String.valueOf(slot));
        if (pricing.tiered()) {
            usage.setBillingScheme(PriceCreateParams.BillingScheme.TIERED).setTiersMode(PriceCreateParams.TiersMode.GRADUATED);
            for (Tier tier : pricing.tiers()) {
                PriceCreateParams.Tier.Builder t = PriceCreateParams.Tier.builder()
                        .setUnitAmountDecimal(new BigDecimal(Rating.stripeUnitAmountDecimal(tier.unitPrice(), pricing.per())));
                if (tier.flatFee() > 0) {
                    t.setFlatAmount(tier.flatFee());
                }
                if (tier.upTo() == null) {
                    t.setUpTo(PriceCreateParams.Tier.UpTo.INF);
                } else {
                    t.setUpTo(tier.upTo());
                }
                usage.addTier(t.build());
            }
        } else {
            usage.setBillingScheme(PriceCreateParams.BillingScheme.PER_UNIT)
                    .setUnitAmountDecimal(new BigDecimal(Rating.stripeUnitAmountDecimal(pricing.unitPrice(), pricing.per())));
        }
        String usageKey = "gatehouse-price-usage-" + planId + "-" + version + (slot == 1 ? "" : "-slot" + slot);
        String usagePrice = paced(() -> client.v1().prices().create(usage.build(), key(usageKey))).getId();
        return new PlanPrices(product, base, usagePrice);
    }

    /**
     * A Stripe subscription whose cycle starts at the Gatehouse period's next start, with Stripe's proration of the first
     * partial period.
     */
    public String createSubscription(String subscriptionId, String customerId, PlanPrices prices, int slot, Instant nextPeriodStart) throws StripeException {
        SubscriptionCreateParams.Builder params = SubscriptionCreateParams.builder().setCustomer(customerId)
                .setBillingCycleAnchor(nextPeriodStart.getEpochSecond())
                .setProrationBehavior(SubscriptionCreateParams.ProrationBehavior.CREATE_PRORATIONS)
                .setCollectionMethod(SubscriptionCreateParams.CollectionMethod.CHARGE_AUTOMATICALLY)
                .putMetadata("gatehouse_subscription_id", subscriptionId)
                .putMetadata("gatehouse_meter_slot", String.valueOf(slot))
                .addItem(SubscriptionCreateParams.Item.builder().setPrice(prices.usage()).build());
        if (prices.base() != null) {
            params.addItem(SubscriptionCreateParams.Item.builder().setPrice(prices.base()).setQuantity(1L).build());
        }
        return paced(() -> client.v1().subscriptions().create(params.build(), key("gatehouse-subscription-" + subscriptionId))).getId();
    }

    /**
     * Moves a Stripe subscription from one price version's prices to another's, when the new version's first period
     * has begun (the subscription's cycle is the Gatehouse period, so the invoice of the period that just ended was
     * made with the old prices). Items are swapped in place, without proration: the new prices apply to the period that
     * started, as Gatehouse rates it. Returns false when the subscription already has the new prices (a run repeated
     * after a crash between Stripe's answer and Gatehouse's record), without calling Stripe to change anything.
     */
    public boolean changePrices(String stripeSubscriptionId, String subscriptionId, PlanPrices from, PlanPrices to, long version) throws StripeException {
        return swapPrices(stripeSubscriptionId, from, to, SubscriptionUpdateParams.ProrationBehavior.NONE,
                java.util.Map.of("gatehouse_price_version", String.valueOf(version)), "gatehouse-subscription-" + subscriptionId + "-v" + version);
    }

    /**
     * Moves a Stripe subscription to another plan's prices mid-period, as Stripe Billing does a plan change: the items
     * are swapped in place with {@code proration_behavior=create_prorations}, so the next invoice credits the unused
     * time of the old base price and charges the rest of the period at the new one, and the metered item bills the
     * period's usage at the new plan's price. The idempotency key names the change ({@code changeNumber}: one per plan
     * change of the subscription), so moving back and forth is never mistaken for a replay. Returns false, calling
     * nothing but a read, when the subscription is already on the new prices (a run repeated after a crash).
     */
    public boolean changePlan(String stripeSubscriptionId, String subscriptionId, PlanPrices from, PlanPrices to, String planId, long version,
                              long changeNumber) throws StripeException {
        return swapPrices(stripeSubscriptionId, from, to, SubscriptionUpdateParams.ProrationBehavior.CREATE_PRORATIONS,
                java.util.Map.of("gatehouse_plan_id", planId, "gatehouse_price_version", String.valueOf(version)),
                "gatehouse-subscription-" + subscriptionId + "-plan-" + changeNumber);
    }

    private boolean swapPrices(String stripeSubscriptionId, PlanPrices from, PlanPrices to, SubscriptionUpdateParams.ProrationBehavior proration,
                               java.util.Map<String, String> metadata, String idempotencyKey) throws StripeException {
        Subscription current = paced(() -> client.v1().subscriptions().retrieve(stripeSubscriptionId));
        SubscriptionUpdateParams.Builder params = SubscriptionUpdateParams.builder().setProrationBehavior(proration);
        metadata.forEach(params::putMetadata);
        boolean changes = false;
        boolean hasBase = false;
        for (SubscriptionItem item : current.getItems().getData()) {
            String price = item.getPrice().getId();
            if (price.equals(from.usage()) && !price.equals(to.usage())) {
                params.addItem(SubscriptionUpdateParams.Item.builder().setId(item.getId()).setPrice(to.usage()).build());
                changes = true;
            } else if (from.base() != null && price.equals(from.base()) && !price.equals(to.base())) {
                if (to.base() == null) {
                    params.addItem(SubscriptionUpdateParams.Item.builder().setId(item.getId()).setDeleted(true).build());
                } else {
                    params.addItem(SubscriptionUpdateParams.Item.builder().setId(item.getId()).setPrice(to.base()).setQuantity(1L).build());
                    hasBase = true;
                }
                changes = true;
            } else if (price.equals(to.base())) {
                hasBase = true;
            }
        }
        if (to.base() != null && !hasBase) {
            params.addItem(SubscriptionUpdateParams.Item.builder().setPrice(to.base()).setQuantity(1L).build());
            changes = true;
        }
        if (!changes) {
            return false;
        }
        paced(() -> client.v1().subscriptions().update(stripeSubscriptionId, params.build(), key(idempotencyKey)));
        return true;
    }

    /**
     * Ends a Stripe subscription now, the way a closed Gatehouse subscription ends: {@code invoice_now=true} makes a
     * final invoice with the usage of the period so far, and {@code prorate=true} credits the base price's unused time
     * (Gatehouse charges the base for the seconds the subscription existed). Stripe does not keep idempotency keys
     * for DELETE, so the call is made idempotent by reading first: a subscription already canceled (a run repeated
     * after a crash, or finance cancelled it in Stripe) is left alone and false returned.
     */
    public boolean cancelSubscription(String stripeSubscriptionId, String subscriptionId) throws StripeException {
        Subscription current = paced(() -> client.v1().subscriptions().retrieve(stripeSubscriptionId));
        if ("canceled".equals(current.getStatus()) || "incomplete_expired".equals(current.getStatus())) {
            return false;
        }
        paced(() -> client.v1().subscriptions().cancel(stripeSubscriptionId,
                SubscriptionCancelParams.builder().setInvoiceNow(true).setProrate(true).build(),
                key("gatehouse-subscription-" + subscriptionId + "-cancel")));
        return true;
    }

    /** A customer's latest invoices, newest first (Stripe's order), at most {@code limit}. */
    public List<InvoiceSummary> invoices(String customerId, int limit) throws StripeException {
        StripeCollection<Invoice> page = paced(() -> client.v1().invoices().list(InvoiceListParams.builder()
                .setCustomer(customerId).setLimit((long) limit).build()));
        List<InvoiceSummary> out = new ArrayList<>();
        for (Invoice i : page.getData()) {
            out.add(new InvoiceSummary(i.getId(), i.getNumber(),
                    i.getPeriodStart() == null ? null : Instant.ofEpochSecond(i.getPeriodStart()),
                    i.getPeriodEnd() == null ? null : Instant.ofEpochSecond(i.getPeriodEnd()),
                    i.getAmountDue() == null ? 0 : i.getAmountDue(), i.getTotal() == null ? 0 : i.getTotal(),
                    i.getCurrency() == null ? "" : i.getCurrency().toUpperCase(Locale.ROOT), i.getStatus(), i.getHostedInvoiceUrl()));
        }
        return out;
    }

    /**
     * Sends one meter event. The identifier doubles as the idempotency key: a resend within Stripe's idempotency window
     * gets the first answer back, and after it Stripe's identifier check refuses the duplicate.
     */
    public Outcome sendMeterEvent(String identifier, int slot, String customerId, long value, Instant timestamp, Instant now) {
        if (timestamp.isBefore(now.minus(ACCEPTED_AGE))) {
            return new Outcome.Failed("timestamp_too_old", "the event is older than the 35 days Stripe accepts; bill it by hand");
        }
        try {
            RETRY_AFTER.remove();
            client.v1().billing().meterEvents().create(MeterEventCreateParams.builder()
                    .setEventName(eventName(slot))
                    .setIdentifier(identifier)
                    .setTimestamp(timestamp.getEpochSecond())
                    .putPayload(CUSTOMER_KEY, customerId)
                    .putPayload(VALUE_KEY, Long.toString(value))
                    .build(), key(identifier));
            return new Outcome.Acknowledged();
        } catch (ApiConnectionException e) {
            return new Outcome.Retry("api_connection", e.getMessage(), null);
        } catch (StripeException e) {
            return classify(e);
        } finally {
            RETRY_AFTER.remove();
        }
    }

    /** Stripe's meter totals for a customer over [start, end), one per day (Stripe's smallest grouping for a long window). */
    public List<Summary> summaries(String meterId, String customerId, Instant start, Instant end) throws StripeException {
        List<Summary> out = new ArrayList<>();
        StripeCollection<MeterEventSummary> page = paced(() -> client.v1().billing().meters().eventSummaries().list(meterId,
                MeterEventSummaryListParams.builder().setCustomer(customerId)
                        .setStartTime(start.getEpochSecond()).setEndTime(end.getEpochSecond()).setLimit(100L).build()));
        while (true) {
            for (MeterEventSummary s : page.getData()) {
                out.add(new Summary(Instant.ofEpochSecond(s.getStartTime()), Instant.ofEpochSecond(s.getEndTime()), s.getAggregatedValue()));
            }
            if (!Boolean.TRUE.equals(page.getHasMore()) || page.getData().isEmpty()) {
                return out;
            }
            String last = page.getData().get(page.getData().size() - 1).getId();
            page = paced(() -> client.v1().billing().meters().eventSummaries().list(meterId, MeterEventSummaryListParams.builder()
                    .setCustomer(customerId).setStartTime(start.getEpochSecond()).setEndTime(end.getEpochSecond())
                    .setLimit(100L).setStartingAfter(last).build()));
        }
    }

    private Outcome classify(StripeException e) {
        int status = e.getStatusCode() == null ? 0 : e.getStatusCode();
        String code = e.getCode() != null ? e.getCode() : e.getStripeError() != null ? e.getStripeError().getType() : "http_" + status;
        String message = e.getStripeError() != null && e.getStripeError().getMessage() != null ? e.getStripeError().getMessage() : e.getMessage();
        if (status == 429 || status >= 500 || status == 409 || status == 0) {
            return new Outcome.Retry(code, message, retryAfter(RETRY_AFTER.get()));
        }
        if ("resource_already_exists".equals(code) || message != null && message.toLowerCase(Locale.ROOT).contains("identifier")
                && message.toLowerCase(Locale.ROOT).contains("already")) {
            return new Outcome.AlreadyRecorded(message);
        }
        return new Outcome.Failed(code, message);
    }

    static Duration retryAfter(String header) {
        if (header == null) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(header.trim())));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static RequestOptions key(String idempotencyKey) {
        return RequestOptions.builder().setIdempotencyKey(idempotencyKey).build();
    }

    private interface Call<T> {
        T run() throws StripeException;
    }

    /**
     * A provisioning or read call, tried again while Stripe answers 429: the client has paused the pacer for Stripe's
     * Retry-After, so the next attempt starts no sooner. A wait longer than {@link #LONGEST_PAUSE}, or too many 429s,
     * fail the call: the next run tries again.
     */
    private <T> T paced(Call<T> call) throws StripeException {
        for (int attempt = 1; ; attempt++) {
            try {
                RETRY_AFTER.remove();
                return call.run();
            } catch (StripeException e) {
                Duration retryAfter = retryAfter(RETRY_AFTER.get());
                if (e.getStatusCode() == null || e.getStatusCode() != 429 || attempt >= RATE_LIMIT_ATTEMPTS
                        || retryAfter != null && retryAfter.compareTo(LONGEST_PAUSE) > 0) {
                    throw e;
                }
            } finally {
                RETRY_AFTER.remove();
            }
        }
    }

    public StripePacer pacer() {
        return pacer;
    }

    /**
     * stripe-java's HTTP client, each request paced, keeping the Retry-After of the last answer for this thread (a 429
     * says how long to wait) and pausing the whole process's requests for it.
     */
    private static final class PacedClient extends HttpURLConnectionClient {
        private final StripePacer pacer;

        PacedClient(StripePacer pacer) {
            this.pacer = pacer;
        }

        @Override
        public StripeResponse request(StripeRequest request) throws ApiConnectionException {
            try {
                pacer.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiConnectionException("interrupted while waiting for a turn under Stripe's rate limit", e);
            }
            StripeResponse response = super.request(request);
            response.headers().firstValue("Retry-After").ifPresentOrElse(RETRY_AFTER::set, RETRY_AFTER::remove);
            if (response.code() == 429) {
                Duration wait = retryAfter(RETRY_AFTER.get());
                wait = wait == null ? RATE_LIMIT_PAUSE : wait;
                pacer.pause(wait.compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : wait);
            }
            return response;
        }
    }
}
