package io.gatehouse.billing.stripe;

import com.stripe.StripeClient;
import com.stripe.exception.ApiConnectionException;
import com.stripe.exception.StripeException;
import com.stripe.model.StripeCollection;
import com.stripe.model.billing.Meter;
import com.stripe.model.billing.MeterEventSummary;
import com.stripe.net.HttpURLConnectionClient;
import com.stripe.net.RequestOptions;
import com.stripe.net.StripeRequest;
import com.stripe.net.StripeResponse;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.PriceCreateParams;
import com.stripe.param.ProductCreateParams;
import com.stripe.param.SubscriptionCreateParams;
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
 * Gatehouse's objects as Stripe Billing objects, through stripe-java: a customer per consumer, one meter for API
 * usage, a product per plan with a price per price version (a licensed monthly base price and a metered overage price
 * on the meter), a subscription per paid Gatehouse subscription, and overage as meter events.
 *
 * <p>Every create carries an idempotency key derived from Gatehouse's own ids, so a create retried after a timeout or
 * a crash returns the object made the first time instead of a second one. Calls block: the control plane makes them
 * from its billing thread, never from an event loop. stripe-java's own retries are off: the outbox retries, with its
 * backoff, and records each attempt.
 */
public final class StripeBilling {
    /** Stripe accepts meter events up to 35 days old; older ones are refused, so they are flagged before sending. */
    public static final Duration ACCEPTED_AGE = Duration.ofDays(35);
    /** The meter's event name and the payload keys Gatehouse sends. */
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

    private static final ThreadLocal<String> RETRY_AFTER = new ThreadLocal<>();
    private final StripeClient client;

    /**
     * @param apiBase null for Stripe itself; a local address in tests
     */
    public StripeBilling(String apiKey, String apiBase, Duration timeout) {
        StripeClient.StripeClientBuilder builder = StripeClient.builder().setApiKey(apiKey)
                .setMaxNetworkRetries(0)
                .setConnectTimeout((int) timeout.toMillis())
                .setReadTimeout((int) timeout.toMillis())
                .setHttpClient(new RetryAfterReadingClient());
        if (apiBase != null && !apiBase.isBlank()) {
            builder.setApiBase(apiBase).setMeterEventsBase(apiBase).setFilesBase(apiBase).setConnectBase(apiBase);
        }
        this.client = builder.build();
    }

    /** The active meter for {@link #EVENT_NAME}, created (summing {@code value} per customer) when there is none. */
    public String ensureMeter() throws StripeException {
        StripeCollection<Meter> meters = client.v1().billing().meters().list(MeterListParams.builder()
                .setStatus(MeterListParams.Status.ACTIVE).setLimit(100L).build());
        for (Meter meter : meters.getData()) {
            if (EVENT_NAME.equals(meter.getEventName())) {
                return meter.getId();
            }
        }
        Meter meter = client.v1().billing().meters().create(MeterCreateParams.builder()
                .setDisplayName("Gatehouse API requests")
                .setEventName(EVENT_NAME)
                .setDefaultAggregation(MeterCreateParams.DefaultAggregation.builder()
                        .setFormula(MeterCreateParams.DefaultAggregation.Formula.SUM).build())
                .setCustomerMapping(MeterCreateParams.CustomerMapping.builder()
                        .setType(MeterCreateParams.CustomerMapping.Type.BY_ID).setEventPayloadKey(CUSTOMER_KEY).build())
                .setValueSettings(MeterCreateParams.ValueSettings.builder().setEventPayloadKey(VALUE_KEY).build())
                .build(), key("gatehouse-meter-" + EVENT_NAME));
        return meter.getId();
    }

    public String createCustomer(String consumerId, String name, String email) throws StripeException {
        CustomerCreateParams.Builder params = CustomerCreateParams.builder().setName(name).putMetadata("gatehouse_consumer_id", consumerId);
        if (email != null && !email.isBlank()) {
            params.setEmail(email);
        }
        return client.v1().customers().create(params.build(), key("gatehouse-customer-" + consumerId)).getId();
    }

    /** The product of a plan and the prices of one of its price versions. */
    public PlanPrices createPrices(String planId, String planName, long version, Pricing pricing, String meterId) throws StripeException {
        String product = client.v1().products().create(ProductCreateParams.builder().setName("Gatehouse plan " + planName)
                .putMetadata("gatehouse_plan_id", planId).build(), key("gatehouse-product-" + planId)).getId();
        String currency = pricing.currency().toLowerCase(Locale.ROOT);
        String base = null;
        if (pricing.basePrice() > 0) {
            base = client.v1().prices().create(PriceCreateParams.builder().setCurrency(currency).setProduct(product)
                    .setUnitAmount(pricing.basePrice())
                    .setRecurring(PriceCreateParams.Recurring.builder().setInterval(PriceCreateParams.Recurring.Interval.MONTH)
                            .setUsageType(PriceCreateParams.Recurring.UsageType.LICENSED).build())
                    .putMetadata("gatehouse_plan_id", planId).putMetadata("gatehouse_price_version", String.valueOf(version))
                    .build(), key("gatehouse-price-base-" + planId + "-" + version)).getId();
        }
        PriceCreateParams.Builder usage = PriceCreateParams.builder().setCurrency(currency).setProduct(product)
                .setRecurring(PriceCreateParams.Recurring.builder().setInterval(PriceCreateParams.Recurring.Interval.MONTH)
                        .setUsageType(PriceCreateParams.Recurring.UsageType.METERED).setMeter(meterId).build())
                .putMetadata("gatehouse_plan_id", planId).putMetadata("gatehouse_price_version", String.valueOf(version));
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
        String usagePrice = client.v1().prices().create(usage.build(), key("gatehouse-price-usage-" + planId + "-" + version)).getId();
        return new PlanPrices(product, base, usagePrice);
    }

    /**
     * A Stripe subscription whose cycle starts at the Gatehouse period's next start, with Stripe's proration of the first
     * partial period.
     */
    public String createSubscription(String subscriptionId, String customerId, PlanPrices prices, Instant nextPeriodStart) throws StripeException {
        SubscriptionCreateParams.Builder params = SubscriptionCreateParams.builder().setCustomer(customerId)
                .setBillingCycleAnchor(nextPeriodStart.getEpochSecond())
                .setProrationBehavior(SubscriptionCreateParams.ProrationBehavior.CREATE_PRORATIONS)
                .setCollectionMethod(SubscriptionCreateParams.CollectionMethod.CHARGE_AUTOMATICALLY)
                .putMetadata("gatehouse_subscription_id", subscriptionId)
                .addItem(SubscriptionCreateParams.Item.builder().setPrice(prices.usage()).build());
        if (prices.base() != null) {
            params.addItem(SubscriptionCreateParams.Item.builder().setPrice(prices.base()).setQuantity(1L).build());
        }
        return client.v1().subscriptions().create(params.build(), key("gatehouse-subscription-" + subscriptionId)).getId();
    }

    /**
     * Sends one meter event. The identifier doubles as the idempotency key: a resend within Stripe's idempotency window
     * gets the first answer back, and after it Stripe's identifier check refuses the duplicate.
     */
    public Outcome sendMeterEvent(String identifier, String customerId, long value, Instant timestamp, Instant now) {
        if (timestamp.isBefore(now.minus(ACCEPTED_AGE))) {
            return new Outcome.Failed("timestamp_too_old", "the event is older than the 35 days Stripe accepts; bill it by hand");
        }
        try {
            RETRY_AFTER.remove();
            client.v1().billing().meterEvents().create(MeterEventCreateParams.builder()
                    .setEventName(EVENT_NAME)
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
        StripeCollection<MeterEventSummary> page = client.v1().billing().meters().eventSummaries().list(meterId,
                MeterEventSummaryListParams.builder().setCustomer(customerId)
                        .setStartTime(start.getEpochSecond()).setEndTime(end.getEpochSecond()).setLimit(100L).build());
        while (true) {
            for (MeterEventSummary s : page.getData()) {
                out.add(new Summary(Instant.ofEpochSecond(s.getStartTime()), Instant.ofEpochSecond(s.getEndTime()), s.getAggregatedValue()));
            }
            if (!Boolean.TRUE.equals(page.getHasMore()) || page.getData().isEmpty()) {
                return out;
            }
            String last = page.getData().get(page.getData().size() - 1).getId();
            page = client.v1().billing().meters().eventSummaries().list(meterId, MeterEventSummaryListParams.builder()
                    .setCustomer(customerId).setStartTime(start.getEpochSecond()).setEndTime(end.getEpochSecond())
                    .setLimit(100L).setStartingAfter(last).build());
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

    /** stripe-java's HTTP client, keeping the Retry-After of the last answer for this thread: a 429 says how long to wait. */
    private static final class RetryAfterReadingClient extends HttpURLConnectionClient {
        @Override
        public StripeResponse request(StripeRequest request) throws ApiConnectionException {
            StripeResponse response = super.request(request);
            response.headers().firstValue("Retry-After").ifPresentOrElse(RETRY_AFTER::set, RETRY_AFTER::remove);
            return response;
        }
    }
}
