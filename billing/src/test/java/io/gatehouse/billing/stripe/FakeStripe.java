package io.gatehouse.billing.stripe;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Stripe-compatible HTTP server for tests (Stripe is a paid external service, the one part of Gatehouse's tests that
 * is not the real thing). It reproduces the Stripe behaviours Gatehouse depends on, and checks that Gatehouse uses
 * them as Stripe requires:
 * <ul>
 *   <li>{@code Authorization: Bearer <secret key>} on every request; a wrong key gets 401 with an
 *       {@code invalid_request_error}.</li>
 *   <li>Form-encoded POST bodies ({@code application/x-www-form-urlencoded}, nested keys as {@code a[b]}); anything
 *       else is refused 400. JSON answers in Stripe's shapes: objects with {@code id} and {@code object}, lists as
 *       {@code {"object":"list","data":[...],"has_more":false}}, errors as {@code {"error":{"type","code","message"}}}.</li>
 *   <li>An {@code Idempotency-Key} on every POST (stripe-java always sends one): a repeated key with the same body
 *       replays the first answer ({@code Idempotent-Replayed: true}) without doing anything again; with another body it
 *       is refused 400 {@code idempotency_error}. Failures injected as 5xx/429 are not remembered, as Stripe does not
 *       store results of requests that failed on its side.</li>
 *   <li>Billing Meters: meters with an {@code event_name}; meter events need {@code event_name} of an active meter,
 *       {@code payload[stripe_customer_id]} of an existing customer, an integer {@code payload[value]}, a timestamp no
 *       older than 35 days and no more than 5 minutes ahead, and an {@code identifier}; an identifier seen before is
 *       refused 400 {@code resource_already_exists} (Stripe deduplicates identifiers for at least 24 hours).</li>
 *   <li>{@code GET /v1/billing/meters/{id}/event_summaries?customer=&start_time=&end_time=}: the sum of the
 *       customer's event values on that meter (by event name) with timestamps in [start, end), as one summary.</li>
 *   <li>What Stripe would invoice a subscription ({@link #upcomingInvoice}): a metered price bills the sum of its
 *       meter's events <em>for the customer</em> in the subscription's period, whichever subscription they were meant
 *       for (that is how Stripe meters work, and why a customer's subscriptions must not share a meter); per-unit
 *       prices at {@code unit_amount_decimal} and graduated tiers, each line rounded half up to a minor unit; a
 *       licensed price is {@code unit_amount × quantity}.</li>
 * </ul>
 * <ul>
 *   <li>Subscription updates ({@code POST /v1/subscriptions/{id}}: items swapped, added or deleted, the proration
 *       behaviour kept) and cancellation ({@code DELETE /v1/subscriptions/{id}} with {@code invoice_now} and
 *       {@code prorate}): the subscription becomes {@code canceled}; with {@code invoice_now} a final invoice bills the
 *       metered usage of the period so far and credits the base price's unused time. Cancelling a canceled subscription,
 *       or updating one, is refused 400. Stripe keeps no idempotency keys for DELETE, and neither does this server.</li>
 *   <li>{@code GET /v1/invoices?customer=&limit=}: the customer's invoices, newest first.</li>
 *   <li>Stripe's rate limit ({@link #limitRate}): more requests than the limit in any second are answered 429 with
 *       {@code Retry-After: 1}, as are the next {@code n} requests of a burst ({@link #rateLimitNext}); the server
 *       records when each request arrived, so a test can read the most requests any one second held.</li>
 *   <li>Stripe's meter event concurrency limit: one call in flight per customer and meter; a second one arriving
 *       meanwhile is answered 429 and counted ({@link #concurrentCallsForOneCustomerMeter}).</li>
 * </ul>
 * Tests can slow every answer down ({@link #answerAfter}) and read the most requests it was answering at once
 * ({@link #mostInFlight}).
 * Tests can make meter event calls fail (500, 429 with Retry-After, or answer after the client's timeout having
 * recorded the event, like a response lost on the way back), can hold the answer to a customer's next event for as
 * long as the test wants (to kill the caller mid-send), and can drop a recorded event, as if lost on Stripe's side.
 */
public final class FakeStripe implements AutoCloseable {

    /** How the next meter event calls fail. */
    public enum Failure {
        /** 500 api_error, nothing recorded. */
        SERVER_ERROR,
        /** 429 rate_limit with Retry-After: 1, nothing recorded. */
        RATE_LIMITED,
        /** The event is recorded, then the answer comes too late for the client: it sees a timeout. */
        RECORD_THEN_TIME_OUT
    }

    /** One meter event Stripe holds. */
    public record MeterEvent(String identifier, String eventName, String customer, long value, Instant timestamp) {
    }

    /** One line of an invoice: the price, the quantity billed (a metered price's: its meter's sum) and the amount. */
    public record InvoiceLine(String price, boolean metered, long quantity, long amount) {
    }

    /** What Stripe would invoice a subscription for its current period. */
    public record Invoice(String subscription, String customer, List<InvoiceLine> lines, long total) {
    }

    private record Stored(String bodyKey, int status, String body) {
    }

    private final List<Long> arrivals = Collections.synchronizedList(new ArrayList<>());
    private final java.util.concurrent.atomic.AtomicInteger rateLimitBurst = new java.util.concurrent.atomic.AtomicInteger();
    private final AtomicLong rateLimited = new AtomicLong();
    private volatile int ratePerSecond = Integer.MAX_VALUE;
    private volatile boolean unreachable;
    private final Map<String, List<String>> cancelKeys = new ConcurrentHashMap<>();
    private final Map<String, List<String>> postKeys = new ConcurrentHashMap<>();
    private final List<JsonObject> invoices = Collections.synchronizedList(new ArrayList<>());

    private final HttpServer server;
    private final String apiKey;
    private final Map<String, Stored> idempotency = new ConcurrentHashMap<>();
    private final Map<String, Map<String, JsonObject>> objects = new ConcurrentHashMap<>();
    private final Map<String, MeterEvent> events = Collections.synchronizedMap(new LinkedHashMap<>());
    private final ConcurrentLinkedDeque<Failure> failures = new ConcurrentLinkedDeque<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong meterEventCalls = new AtomicLong();
    private final List<String> refusedDuplicates = Collections.synchronizedList(new ArrayList<>());
    private volatile Duration lateAnswer = Duration.ofSeconds(3);
    private final Map<String, AtomicLong> callsByIdentifier = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicReference<String> holdFor = new java.util.concurrent.atomic.AtomicReference<>();
    private final java.util.concurrent.CompletableFuture<String> held = new java.util.concurrent.CompletableFuture<>();
    private final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    private volatile Duration answerAfter = Duration.ZERO;
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger mostInFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final Map<String, Object> meterEventLanes = new ConcurrentHashMap<>();
    private final AtomicLong concurrentForOneCustomerMeter = new AtomicLong();

    public FakeStripe(String apiKey) {
        this.apiKey = apiKey;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        // Unbounded: the server must be able to see every request a client keeps in flight, not just as many as it has threads.
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-stripe");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The next {@code count} meter event calls fail this way. */
    public void failNext(int count, Failure failure) {
        for (int i = 0; i < count; i++) {
            failures.add(failure);
        }
    }

    /** How late a {@link Failure#RECORD_THEN_TIME_OUT} answer comes (longer than the client's read timeout). */
    public void lateAnswer(Duration delay) {
        this.lateAnswer = delay;
    }

    /**
     * The next meter event for this customer is recorded and answered only when {@link #release()} is called (or the
     * caller goes away): a test kills the caller while it waits. Completes the returned future with the event's
     * identifier once it is recorded.
     */
    public java.util.concurrent.CompletableFuture<String> holdNextAnswer(String customer) {
        if (!holdFor.compareAndSet(null, customer)) {
            throw new IllegalStateException("one hold per server");
        }
        return held;
    }

    /** Every request is answered no sooner than this after it arrived, as a slow or far away Stripe would. */
    public void answerAfter(Duration delay) {
        this.answerAfter = delay;
    }

    /** The most requests this server was answering at one time (since the last {@link #resetMostInFlight()}). */
    public int mostInFlight() {
        return mostInFlight.get();
    }

    public void resetMostInFlight() {
        mostInFlight.set(inFlight.get());
    }

    /**
     * Meter event calls that arrived while another call for the same customer and meter was in flight: Stripe allows
     * one concurrent call per customer and meter, and this server refuses the second with 429 as Stripe's limiter does.
     */
    public long concurrentCallsForOneCustomerMeter() {
        return concurrentForOneCustomerMeter.get();
    }

    /** Lets a held answer go. */
    public void release() {
        release.countDown();
    }

    /** Meter event POSTs received with this identifier, failed and replayed ones included. */
    public long callsFor(String identifier) {
        AtomicLong calls = callsByIdentifier.get(identifier);
        return calls == null ? 0 : calls.get();
    }

    public List<MeterEvent> meterEvents() {
        synchronized (events) {
            return List.copyOf(events.values());
        }
    }

    public long meterEventTotal(String customer) {
        return meterEvents().stream().filter(e -> e.customer().equals(customer)).mapToLong(MeterEvent::value).sum();
    }

    /** Meter event POSTs received, failed and replayed ones included. */
    public long meterEventCalls() {
        return meterEventCalls.get();
    }

    /** Identifiers refused because Stripe had them already. */
    public List<String> refusedDuplicates() {
        return List.copyOf(refusedDuplicates);
    }

    /** Answers 429 (Retry-After: 1) to every request past {@code perSecond} in the last second, as Stripe's limiter does. */
    public void limitRate(int perSecond) {
        this.ratePerSecond = perSecond;
    }

    /** The next {@code count} requests, of any kind, are answered 429 with Retry-After: 1 and change nothing. */
    public void rateLimitNext(int count) {
        rateLimitBurst.addAndGet(count);
    }

    /** Requests answered 429 for the rate limit (injected bursts included). */
    public long rateLimitedAnswers() {
        return rateLimited.get();
    }

    /** The most requests that arrived within any one second (a sliding window over every request received). */
    public int mostRequestsInASecond() {
        List<Long> sorted;
        synchronized (arrivals) {
            sorted = new ArrayList<>(arrivals);
        }
        Collections.sort(sorted);
        int most = 0;
        int from = 0;
        for (int to = 0; to < sorted.size(); to++) {
            while (sorted.get(to) - sorted.get(from) >= 1_000_000_000L) {
                from++;
            }
            most = Math.max(most, to - from + 1);
        }
        return most;
    }

    /** Requests received, refused ones included. */
    public int requests() {
        return arrivals.size();
    }

    /** While true, every connection is closed without an answer, as when Stripe cannot be reached. */
    public void unreachable(boolean unreachable) {
        this.unreachable = unreachable;
    }

    /** The Idempotency-Key of each POST to this path that Stripe answered (replays included), in order. */
    public List<String> postKeys(String path) {
        return List.copyOf(postKeys.getOrDefault(path, List.of()));
    }

    /** The Idempotency-Key of each DELETE (cancel) received for a subscription, in order. */
    public List<String> cancelCalls(String subscriptionId) {
        return List.copyOf(cancelKeys.getOrDefault(subscriptionId, List.of()));
    }

    /** An invoice Stripe issued to a customer (as made by Stripe at a period's end), for the portal to list. */
    public JsonObject issueInvoice(String customer, String number, Instant periodStart, Instant periodEnd, long amountDue, String currency,
                                   String status, String hostedUrl) {
        JsonObject invoice = new JsonObject();
        invoice.addProperty("id", "in_test" + ids.incrementAndGet());
        invoice.addProperty("object", "invoice");
        invoice.addProperty("customer", customer);
        invoice.addProperty("number", number);
        invoice.addProperty("period_start", periodStart.getEpochSecond());
        invoice.addProperty("period_end", periodEnd.getEpochSecond());
        invoice.addProperty("amount_due", amountDue);
        invoice.addProperty("total", amountDue);
        invoice.addProperty("currency", currency.toLowerCase(java.util.Locale.ROOT));
        invoice.addProperty("status", status);
        if (hostedUrl != null) {
            invoice.addProperty("hosted_invoice_url", hostedUrl);
        }
        invoice.addProperty("created", Instant.now().getEpochSecond());
        invoice.addProperty("livemode", false);
        invoices.add(invoice);
        return invoice;
    }

    public List<JsonObject> invoices() {
        synchronized (invoices) {
            return List.copyOf(invoices);
        }
    }

    /** Forgets every idempotency key, as Stripe does after 24 hours: only identifiers still guard against duplicates. */
    public void forgetIdempotencyKeys() {
        idempotency.clear();
    }

    /** Loses a recorded event, as if Stripe had never counted it. */
    public void drop(String identifier) {
        events.remove(identifier);
    }

    public Map<String, JsonObject> objects(String type) {
        return Map.copyOf(objects.getOrDefault(type, Map.of()));
    }

    /** The customer Stripe holds for a Gatehouse consumer, by the metadata Gatehouse set; null when none. */
    public String customerOf(String consumerId) {
        return objects("customer").values().stream()
                .filter(c -> consumerId.equals(c.getAsJsonObject("metadata").get("gatehouse_consumer_id").getAsString()))
                .map(c -> c.get("id").getAsString()).findFirst().orElse(null);
    }

    /**
     * What Stripe would invoice the subscription for its current period (from its creation to its billing cycle
     * anchor), by Stripe's rules: a metered item bills its meter's total for the customer, not for the subscription.
     */
    public Invoice upcomingInvoice(String subscriptionId) {
        return periodInvoice(subscriptionId, Long.MAX_VALUE - 1);
    }

    /** The subscription's current period's lines, usage counted up to {@code until} (epoch seconds). */
    private Invoice periodInvoice(String subscriptionId, long until) {
        JsonObject subscription = objects("subscription").get(subscriptionId);
        JsonObject form = objects("subscription.form").get(subscriptionId);
        if (subscription == null) {
            throw new IllegalArgumentException("no such subscription " + subscriptionId);
        }
        String customer = form.get("customer").getAsString();
        long from = subscription.get("created").getAsLong();
        long to = Math.min(until + 1, form.get("billing_cycle_anchor").getAsLong());
        List<InvoiceLine> lines = new ArrayList<>();
        JsonArray items;
        synchronized (subscription) {
            items = subscription.getAsJsonObject("items").getAsJsonArray("data").deepCopy();
        }
        for (var element : items) {
            JsonObject item = element.getAsJsonObject();
            String priceId = item.getAsJsonObject("price").get("id").getAsString();
            JsonObject price = objects("price.form").get(priceId);
            if (price.has("recurring[meter]")) {
                JsonObject meter = objects("billing.meter").get(price.get("recurring[meter]").getAsString());
                String eventName = meter.get("event_name").getAsString();
                long used = meterEvents().stream().filter(e -> e.customer().equals(customer) && e.eventName().equals(eventName)
                        && e.timestamp().getEpochSecond() >= from && e.timestamp().getEpochSecond() < to).mapToLong(MeterEvent::value).sum();
                lines.add(new InvoiceLine(priceId, true, used, meteredAmount(price, used)));
            } else {
                long quantity = item.has("quantity") ? item.get("quantity").getAsLong() : 1;
                lines.add(new InvoiceLine(priceId, false, quantity, price.get("unit_amount").getAsLong() * quantity));
            }
        }
        return new Invoice(subscriptionId, customer, lines, lines.stream().mapToLong(InvoiceLine::amount).sum());
    }

    /** Per unit at unit_amount_decimal, or graduated tiers (each tier's line rounded on its own, plus its flat amount). */
    private static long meteredAmount(JsonObject price, long quantity) {
        java.math.BigDecimal total = java.math.BigDecimal.ZERO;
        if (!price.has("tiers[0][unit_amount_decimal]")) {
            return new java.math.BigDecimal(price.get("unit_amount_decimal").getAsString()).multiply(java.math.BigDecimal.valueOf(quantity))
                    .setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
        }
        long below = 0;
        for (int i = 0; price.has("tiers[" + i + "][unit_amount_decimal]") && below < quantity; i++) {
            String upTo = price.get("tiers[" + i + "][up_to]").getAsString();
            long top = upTo.equals("inf") ? Long.MAX_VALUE : Long.parseLong(upTo);
            long inTier = Math.min(quantity, top) - below;
            total = total.add(new java.math.BigDecimal(price.get("tiers[" + i + "][unit_amount_decimal]").getAsString())
                    .multiply(java.math.BigDecimal.valueOf(inTier)).setScale(0, java.math.RoundingMode.HALF_UP));
            if (price.has("tiers[" + i + "][flat_amount]")) {
                total = total.add(new java.math.BigDecimal(price.get("tiers[" + i + "][flat_amount]").getAsString()));
            }
            below = top;
        }
        return total.longValueExact();
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        if (unreachable) {
            // Closed without an answer: the client sees the connection end, as when Stripe cannot be reached.
            exchange.close();
            return;
        }
        int now = inFlight.incrementAndGet();
        mostInFlight.accumulateAndGet(now, Math::max);
        try (exchange) {
            answer(exchange);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /** One request's answer; a failure of this server itself is Stripe's 500, sent before the exchange closes. */
    private void answer(HttpExchange exchange) throws IOException {
        try {
            long arrived = System.nanoTime();
            boolean overLimit;
            synchronized (arrivals) {
                arrivals.add(arrived);
                long inLastSecond = 0;
                for (int i = arrivals.size() - 1; i >= 0 && arrived - arrivals.get(i) < 1_000_000_000L; i--) {
                    inLastSecond++;
                }
                overLimit = inLastSecond > ratePerSecond;
            }
            if (overLimit || rateLimitBurst.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                rateLimited.incrementAndGet();
                exchange.getResponseHeaders().add("Retry-After", "1");
                send(exchange, 429, error("invalid_request_error", "rate_limit",
                        "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits."));
                return;
            }
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            if (auth == null || !auth.equals("Bearer " + apiKey)) {
                send(exchange, 401, error("invalid_request_error", null, "Invalid API Key provided"));
                return;
            }
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            if (!(method.equals("POST") && path.equals("/v1/billing/meter_events"))) {
                // A meter event's wait is taken while it holds its customer and meter (below).
                slowly();
            }
            if (method.equals("GET")) {
                get(exchange, path, form(exchange.getRequestURI().getRawQuery()));
                return;
            }
            if (method.equals("DELETE") && path.startsWith("/v1/subscriptions/")) {
                String id = path.substring("/v1/subscriptions/".length());
                cancelKeys.computeIfAbsent(id, k -> Collections.synchronizedList(new ArrayList<>()))
                        .add(String.valueOf(exchange.getRequestHeaders().getFirst("Idempotency-Key")));
                Map<String, String> params = form(exchange.getRequestURI().getRawQuery());
                try (InputStream in = exchange.getRequestBody()) {
                    params.putAll(form(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                }
                int[] status = {200};
                String answer = cancel(id, params, status);
                send(exchange, status[0], answer);
                return;
            }
            if (!method.equals("POST")) {
                send(exchange, 405, error("invalid_request_error", null, "Unsupported method " + method));
                return;
            }
            String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
            if (contentType == null || !contentType.startsWith("application/x-www-form-urlencoded")) {
                send(exchange, 400, error("invalid_request_error", null, "POST bodies must be application/x-www-form-urlencoded"));
                return;
            }
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
            if (key == null || key.isBlank()) {
                send(exchange, 400, error("invalid_request_error", "idempotency_key_missing", "this server expects an Idempotency-Key on every POST"));
                return;
            }
            boolean meterEvent = path.equals("/v1/billing/meter_events");
            Map<String, String> params = form(body);
            if (!meterEvent) {
                post(exchange, path, body, key, params, false, () -> { });
                return;
            }
            String lane = params.get("payload[stripe_customer_id]") + " " + params.get("event_name");
            Object call = new Object();
            if (meterEventLanes.putIfAbsent(lane, call) != null) {
                concurrentForOneCustomerMeter.incrementAndGet();
                rateLimited.incrementAndGet();
                exchange.getResponseHeaders().add("Retry-After", "1");
                send(exchange, 429, error("invalid_request_error", "rate_limit",
                        "Only one concurrent meter event call per customer and meter is allowed."));
                return;
            }
            // The customer and meter are free again once the event is processed, even if its answer is then held or late.
            Runnable processed = () -> meterEventLanes.remove(lane, call);
            try {
                slowly();
                post(exchange, path, body, key, params, true, processed);
            } finally {
                processed.run();
            }
        } catch (RuntimeException e) {
            send(exchange, 500, error("api_error", null, String.valueOf(e)));
        }
    }

    private void slowly() {
        Duration delay = answerAfter;
        if (!delay.isZero()) {
            try {
                Thread.sleep(delay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A form-encoded POST with its idempotency key: replayed, failed as injected, or done. */
    private void post(HttpExchange exchange, String path, String body, String key, Map<String, String> params, boolean meterEvent,
                      Runnable processed) throws IOException {
        try {
            postKeys.computeIfAbsent(path, p -> Collections.synchronizedList(new ArrayList<>())).add(key);
            if (meterEvent) {
                meterEventCalls.incrementAndGet();
                callsByIdentifier.computeIfAbsent(String.valueOf(params.get("identifier")), i -> new AtomicLong()).incrementAndGet();
            }
            Stored earlier = idempotency.get(key);
            String bodyKey = path + "?" + body;
            if (earlier != null) {
                if (!earlier.bodyKey().equals(bodyKey)) {
                    send(exchange, 400, error("idempotency_error", null,
                            "Keys for idempotent requests can only be used with the same parameters they were first used with."));
                    return;
                }
                exchange.getResponseHeaders().add("Idempotent-Replayed", "true");
                send(exchange, earlier.status(), earlier.body());
                return;
            }
            Failure failure = meterEvent ? failures.poll() : null;
            if (failure == Failure.SERVER_ERROR) {
                send(exchange, 500, error("api_error", null, "An unknown error occurred"));
                return;
            }
            if (failure == Failure.RATE_LIMITED) {
                exchange.getResponseHeaders().add("Retry-After", "1");
                send(exchange, 429, error("invalid_request_error", "rate_limit", "Too many requests hit the API too quickly."));
                return;
            }
            int[] status = {200};
            String answer = post(path, params, status);
            if (status[0] < 500) {
                idempotency.put(key, new Stored(bodyKey, status[0], answer));
            }
            processed.run();
            String customer = params.get("payload[stripe_customer_id]");
            String holding = holdFor.get();
            // compareAndSet compares references: the expected value must be the very string read.
            if (meterEvent && status[0] == 200 && customer != null && customer.equals(holding) && holdFor.compareAndSet(holding, "")) {
                // Recorded and remembered; the answer waits until the test lets it go (or kills the caller).
                held.complete(params.get("identifier"));
                try {
                    release.await(2, java.util.concurrent.TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (failure == Failure.RECORD_THEN_TIME_OUT) {
                try {
                    Thread.sleep(lateAnswer.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            send(exchange, status[0], answer);
        } catch (RuntimeException e) {
            send(exchange, 500, error("api_error", null, String.valueOf(e)));
        }
    }

    private String post(String path, Map<String, String> params, int[] status) {
        switch (path) {
            case "/v1/customers":
                return create("customer", "cus_", params).toString();
            case "/v1/products":
                return create("product", "prod_", params).toString();
            case "/v1/prices": {
                if (!params.containsKey("currency") || !params.containsKey("product")) {
                    status[0] = 400;
                    return error("invalid_request_error", "parameter_missing", "currency and product are required");
                }
                String meter = params.get("recurring[meter]");
                if (meter != null && !objects.getOrDefault("billing.meter", Map.of()).containsKey(meter)) {
                    status[0] = 400;
                    return error("invalid_request_error", "resource_missing", "No such meter: '" + meter + "'");
                }
                return create("price", "price_", params).toString();
            }
            case "/v1/subscriptions": {
                String customer = params.get("customer");
                if (customer == null || !objects.getOrDefault("customer", Map.of()).containsKey(customer)) {
                    status[0] = 400;
                    return error("invalid_request_error", "resource_missing", "No such customer: '" + customer + "'");
                }
                JsonObject subscription = create("subscription", "sub_", params);
                subscription.addProperty("status", "active");
                JsonArray items = new JsonArray();
                for (int i = 0; params.containsKey("items[" + i + "][price]"); i++) {
                    items.add(item(params.get("items[" + i + "][price]"), params.get("items[" + i + "][quantity]")));
                }
                JsonObject stored = objects.get("subscription").get(subscription.get("id").getAsString());
                stored.addProperty("status", "active");
                stored.add("items", listOf(items, "/v1/subscription_items"));
                return stored.toString();
            }
            case "/v1/billing/meters": {
                JsonObject meter = create("billing.meter", "mtr_", params);
                meter.addProperty("event_name", params.get("event_name"));
                meter.addProperty("status", "active");
                return meter.toString();
            }
            case "/v1/billing/meter_events":
                return meterEvent(params, status);
            default:
                if (path.startsWith("/v1/subscriptions/")) {
                    return updateSubscription(path.substring("/v1/subscriptions/".length()), params, status);
                }
                status[0] = 404;
                return error("invalid_request_error", "resource_missing", "Unrecognized request URL (POST: " + path + ")");
        }
    }

    private JsonObject item(String price, String quantity) {
        JsonObject item = new JsonObject();
        item.addProperty("id", "si_test" + ids.incrementAndGet());
        item.addProperty("object", "subscription_item");
        JsonObject priceObject = new JsonObject();
        priceObject.addProperty("id", price);
        priceObject.addProperty("object", "price");
        item.add("price", priceObject);
        if (quantity != null) {
            item.addProperty("quantity", Long.parseLong(quantity));
        }
        return item;
    }

    /**
     * Stripe's subscription update, for items: {@code items[i][id]} with {@code [price]} swaps an item's price, with
     * {@code [deleted]=true} removes it; an entry without an id adds an item. The proration behaviour asked for is kept.
     */
    private String updateSubscription(String id, Map<String, String> params, int[] status) {
        JsonObject subscription = objects.getOrDefault("subscription", Map.of()).get(id);
        if (subscription == null) {
            status[0] = 404;
            return error("invalid_request_error", "resource_missing", "No such subscription: '" + id + "'");
        }
        synchronized (subscription) {
            if (subscription.has("status") && "canceled".equals(subscription.get("status").getAsString())) {
                status[0] = 400;
                return error("invalid_request_error", null, "A canceled subscription can only update its cancellation_details and metadata.");
            }
            JsonArray items = subscription.getAsJsonObject("items").getAsJsonArray("data");
            for (int i = 0; params.containsKey("items[" + i + "][id]") || params.containsKey("items[" + i + "][price]"); i++) {
                String itemId = params.get("items[" + i + "][id]");
                if (itemId == null) {
                    items.add(item(params.get("items[" + i + "][price]"), params.get("items[" + i + "][quantity]")));
                    continue;
                }
                JsonObject found = null;
                for (var element : items) {
                    if (element.getAsJsonObject().get("id").getAsString().equals(itemId)) {
                        found = element.getAsJsonObject();
                    }
                }
                if (found == null) {
                    status[0] = 400;
                    return error("invalid_request_error", "resource_missing", "No such subscription item: '" + itemId + "'");
                }
                if ("true".equals(params.get("items[" + i + "][deleted]"))) {
                    items.remove(found);
                } else if (params.containsKey("items[" + i + "][price]")) {
                    found.getAsJsonObject("price").addProperty("id", params.get("items[" + i + "][price]"));
                }
            }
            if (params.containsKey("proration_behavior")) {
                subscription.addProperty("proration_behavior", params.get("proration_behavior"));
            }
            params.forEach((k, v) -> {
                if (k.startsWith("metadata[") && k.endsWith("]")) {
                    subscription.getAsJsonObject("metadata").addProperty(k.substring("metadata[".length(), k.length() - 1), v);
                }
            });
            return subscription.toString();
        }
    }

    /**
     * Ends a subscription now. With {@code invoice_now} a final invoice bills the period's metered usage so far (its
     * meter's total for the customer since the period began) and, with {@code prorate}, credits the base price for the
     * unused rest of the period, rounded half up.
     */
    private String cancel(String id, Map<String, String> params, int[] status) {
        JsonObject subscription = objects.getOrDefault("subscription", Map.of()).get(id);
        if (subscription == null) {
            status[0] = 404;
            return error("invalid_request_error", "resource_missing", "No such subscription: '" + id + "'");
        }
        synchronized (subscription) {
            if (subscription.has("status") && "canceled".equals(subscription.get("status").getAsString())) {
                status[0] = 400;
                return error("invalid_request_error", null, "This subscription is already canceled.");
            }
            long now = Instant.now().getEpochSecond();
            subscription.addProperty("status", "canceled");
            subscription.addProperty("canceled_at", now);
            subscription.addProperty("ended_at", now);
            subscription.addProperty("cancel_invoice_now", String.valueOf(params.get("invoice_now")));
            subscription.addProperty("cancel_prorate", String.valueOf(params.get("prorate")));
            if ("true".equals(params.get("invoice_now"))) {
                Invoice usage = periodInvoice(id, now);
                long total = 0;
                long credit = 0;
                for (InvoiceLine line : usage.lines()) {
                    if (line.metered()) {
                        total += line.amount();
                    } else if ("true".equals(params.get("prorate"))) {
                        JsonObject form = objects("subscription.form").get(id);
                        long from = subscription.get("created").getAsLong();
                        long to = form.get("billing_cycle_anchor").getAsLong();
                        credit += java.math.BigDecimal.valueOf(line.amount()).multiply(java.math.BigDecimal.valueOf(Math.max(0, to - now)))
                                .divide(java.math.BigDecimal.valueOf(Math.max(1, to - from)), 0, java.math.RoundingMode.HALF_UP).longValueExact();
                    }
                }
                JsonObject invoice = issueInvoice(usage.customer(), "FINAL-" + id, Instant.ofEpochSecond(subscription.get("created").getAsLong()),
                        Instant.ofEpochSecond(now), Math.max(0, total - credit), "usd", "open", "https://invoice.stripe.test/i/" + id);
                invoice.addProperty("subscription", id);
                invoice.addProperty("billing_reason", "subscription_cycle");
                invoice.addProperty("metered_amount", total);
                invoice.addProperty("proration_credit", credit);
                invoice.addProperty("metered_quantity", usage.lines().stream().filter(InvoiceLine::metered).mapToLong(InvoiceLine::quantity).sum());
            }
            return subscription.toString();
        }
    }

    private String meterEvent(Map<String, String> params, int[] status) {
        String eventName = params.get("event_name");
        String identifier = params.get("identifier");
        String customer = params.get("payload[stripe_customer_id]");
        String value = params.get("payload[value]");
        String timestamp = params.get("timestamp");
        boolean knownMeter = objects.getOrDefault("billing.meter", Map.of()).values().stream()
                .anyMatch(m -> m.get("event_name").getAsString().equals(eventName));
        if (!knownMeter) {
            status[0] = 400;
            return error("invalid_request_error", "resource_missing", "No active meter found for event_name " + eventName);
        }
        if (identifier == null || customer == null || value == null || timestamp == null) {
            status[0] = 400;
            return error("invalid_request_error", "parameter_missing", "identifier, timestamp, payload[stripe_customer_id] and payload[value] are required");
        }
        if (!objects.getOrDefault("customer", Map.of()).containsKey(customer)) {
            status[0] = 400;
            return error("invalid_request_error", "resource_missing", "No such customer: '" + customer + "'");
        }
        long v;
        Instant at;
        try {
            v = Long.parseLong(value);
            at = Instant.ofEpochSecond(Long.parseLong(timestamp));
        } catch (NumberFormatException e) {
            status[0] = 400;
            return error("invalid_request_error", "parameter_invalid_integer", "value and timestamp must be integers");
        }
        Instant now = Instant.now();
        if (at.isBefore(now.minus(Duration.ofDays(35))) || at.isAfter(now.plus(Duration.ofMinutes(5)))) {
            status[0] = 400;
            return error("invalid_request_error", "timestamp_outside_window",
                    "Timestamp must be within the past 35 days and no more than 5 minutes in the future");
        }
        synchronized (events) {
            if (events.containsKey(identifier)) {
                refusedDuplicates.add(identifier);
                status[0] = 400;
                return error("invalid_request_error", "resource_already_exists",
                        "An event with identifier " + identifier + " already exists");
            }
            events.put(identifier, new MeterEvent(identifier, eventName, customer, v, at));
        }
        JsonObject event = new JsonObject();
        event.addProperty("object", "billing.meter_event");
        event.addProperty("event_name", eventName);
        event.addProperty("identifier", identifier);
        event.addProperty("timestamp", at.getEpochSecond());
        event.addProperty("created", now.getEpochSecond());
        event.addProperty("livemode", false);
        JsonObject payload = new JsonObject();
        payload.addProperty("stripe_customer_id", customer);
        payload.addProperty("value", value);
        event.add("payload", payload);
        return event.toString();
    }

    private void get(HttpExchange exchange, String path, Map<String, String> query) throws IOException {
        if (path.startsWith("/v1/subscriptions/")) {
            JsonObject subscription = objects.getOrDefault("subscription", Map.of()).get(path.substring("/v1/subscriptions/".length()));
            if (subscription == null) {
                send(exchange, 404, error("invalid_request_error", "resource_missing", "No such subscription"));
            } else {
                synchronized (subscription) {
                    send(exchange, 200, subscription.toString());
                }
            }
            return;
        }
        if (path.equals("/v1/invoices")) {
            String customer = query.get("customer");
            int limit = query.containsKey("limit") ? Integer.parseInt(query.get("limit")) : 10;
            List<JsonObject> mine = new ArrayList<>(invoices().stream()
                    .filter(i -> customer == null || customer.equals(i.get("customer").getAsString())).toList());
            Collections.reverse(mine);
            JsonArray data = new JsonArray();
            mine.stream().limit(limit).forEach(data::add);
            JsonObject list = listOf(data, "/v1/invoices");
            list.addProperty("has_more", mine.size() > limit);
            send(exchange, 200, list.toString());
            return;
        }
        if (path.equals("/v1/billing/meters")) {
            JsonArray data = new JsonArray();
            objects.getOrDefault("billing.meter", Map.of()).values().forEach(data::add);
            send(exchange, 200, list(data, "/v1/billing/meters"));
            return;
        }
        if (path.startsWith("/v1/billing/meters/") && path.endsWith("/event_summaries")) {
            String meter = path.substring("/v1/billing/meters/".length(), path.length() - "/event_summaries".length());
            if (!objects.getOrDefault("billing.meter", Map.of()).containsKey(meter)) {
                send(exchange, 404, error("invalid_request_error", "resource_missing", "No such meter: '" + meter + "'"));
                return;
            }
            String customer = query.get("customer");
            if (customer == null || query.get("start_time") == null || query.get("end_time") == null) {
                send(exchange, 400, error("invalid_request_error", "parameter_missing", "customer, start_time and end_time are required"));
                return;
            }
            long start = Long.parseLong(query.get("start_time"));
            long end = Long.parseLong(query.get("end_time"));
            String eventName = objects.get("billing.meter").get(meter).get("event_name").getAsString();
            long sum = meterEvents().stream().filter(e -> e.customer().equals(customer) && e.eventName().equals(eventName)
                    && e.timestamp().getEpochSecond() >= start && e.timestamp().getEpochSecond() < end).mapToLong(MeterEvent::value).sum();
            JsonObject summary = new JsonObject();
            summary.addProperty("id", "mtrusg_" + meter + "_" + customer + "_" + start);
            summary.addProperty("object", "billing.meter_event_summary");
            summary.addProperty("aggregated_value", sum);
            summary.addProperty("start_time", start);
            summary.addProperty("end_time", end);
            summary.addProperty("livemode", false);
            summary.addProperty("meter", meter);
            JsonArray data = new JsonArray();
            data.add(summary);
            send(exchange, 200, list(data, path));
            return;
        }
        send(exchange, 404, error("invalid_request_error", "resource_missing", "Unrecognized request URL (GET: " + path + ")"));
    }

    private JsonObject create(String type, String prefix, Map<String, String> params) {
        JsonObject object = new JsonObject();
        String id = prefix + "test" + ids.incrementAndGet();
        object.addProperty("id", id);
        object.addProperty("object", type);
        object.addProperty("created", Instant.now().getEpochSecond());
        object.addProperty("livemode", false);
        JsonObject metadata = new JsonObject();
        params.forEach((k, v) -> {
            if (k.startsWith("metadata[") && k.endsWith("]")) {
                metadata.addProperty(k.substring("metadata[".length(), k.length() - 1), v);
            } else if (!k.contains("[")) {
                object.addProperty(k, v);
            }
        });
        object.add("metadata", metadata);
        JsonObject form = new JsonObject();
        params.forEach(form::addProperty);
        objects.computeIfAbsent(type, t -> new ConcurrentHashMap<>()).put(id, object);
        JsonObject answer = object.deepCopy();
        // Kept beside the object for tests to read what was sent (tiers, recurring[meter], items).
        objects.computeIfAbsent(type + ".form", t -> new ConcurrentHashMap<>()).put(id, form);
        return answer;
    }

    private static String list(JsonArray data, String url) {
        return listOf(data, url).toString();
    }

    private static JsonObject listOf(JsonArray data, String url) {
        JsonObject list = new JsonObject();
        list.addProperty("object", "list");
        list.add("data", data);
        list.addProperty("has_more", false);
        list.addProperty("url", url);
        return list;
    }

    private static String error(String type, String code, String message) {
        JsonObject error = new JsonObject();
        error.addProperty("type", type);
        if (code != null) {
            error.addProperty("code", code);
        }
        error.addProperty("message", message);
        JsonObject wrapper = new JsonObject();
        wrapper.add("error", error);
        return wrapper.toString();
    }

    private static Map<String, String> form(String raw) {
        Map<String, String> params = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.put(key, value);
        }
        return params;
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Request-Id", "req_test" + System.nanoTime());
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        } catch (IOException e) {
            // The client gave up waiting (a timeout the test asked for): the answer has nowhere to go.
        }
    }
}
