import io.gatehouse.billing.stripe.FakeStripe;
import io.gatehouse.local.ControlPlaneProcess;
import io.gatehouse.local.EmbeddedDatabase;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * Billing at 10,000 subscriptions (bench/billing.sh): BENCH_SUBSCRIPTIONS consumers, each with one application
 * subscribed to a paid SOFT-quota plan, and usage past the included requests in the current period, seeded straight
 * into PostgreSQL. The packaged control plane (its own process) then provisions the Stripe objects, rates every
 * period, enqueues one meter event per subscription and sends them to the Stripe-compatible test server at
 * BENCH_EVENTS_PER_SECOND, under BENCH_REQUESTS_PER_SECOND with BENCH_STRIPE_CONCURRENCY requests in flight. Every
 * figure comes from the control plane's own timestamps in the database (Stripe customers made, events sent and
 * acknowledged) or its log (the metering run's rating and enqueueing times), and is checked against what the test
 * server holds; the test server adds the most requests it saw in flight and in any one second.
 */
public class BillingBench {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final String ADMIN = "billing-bench-admin";
    static final String STRIPE_KEY = "sk_test_bench";

    public static void main(String[] args) throws Exception {
        int subscriptions = Integer.parseInt(env("BENCH_SUBSCRIPTIONS", "10000"));
        String eventsPerSecond = env("BENCH_EVENTS_PER_SECOND", "1000");
        Path controlPlaneApp = Path.of(args[0]);
        Path work = Files.createTempDirectory("gatehouse-billing-bench");
        String password = "bench-" + UUID.randomUUID().toString().substring(0, 8);
        try (FakeStripe stripe = new FakeStripe(STRIPE_KEY);
             EmbeddedDatabase database = EmbeddedDatabase.start(work.resolve("db"), 0, password)) {
            int port = freePort();
            String cp = "http://127.0.0.1:" + port;
            // First without Stripe: seed, so that the measured run starts with every subscription and its usage there.
            Map<String, String> env = new HashMap<>(database.controlPlaneEnvironment());
            env.put("GATEHOUSE_ADMIN_TOKEN", ADMIN);
            ControlPlaneProcess seeding = ControlPlaneProcess.start(controlPlaneApp, port, env, BillingBench::errors).awaitReady(Duration.ofMinutes(5));
            // 9.00 USD a month for 1,000 requests, then 0.2 cents a request.
            String planId = field(post(cp, "/admin/plans", "{\"name\":\"bench-metered\",\"ratePerSecond\":100,\"burst\":200,\"monthlyQuota\":1000,"
                    + "\"quotaMode\":\"SOFT\",\"pricing\":{\"currency\":\"USD\",\"basePrice\":900,\"includedUnits\":1000,\"unitPrice\":2,\"per\":10}}"), "id");
            String apiId = field(post(cp, "/admin/apis", "{\"name\":\"bench-billed\",\"version\":\"1\",\"basePath\":\"/billed\",\"status\":\"PUBLISHED\","
                    + "\"targets\":[{\"url\":\"http://127.0.0.1:9\"}]}"), "id");
            seeding.close();
            long expectedUnits;
            try (Connection sql = DriverManager.getConnection(database.jdbcUrl(), "postgres", password);
                 Statement statement = sql.createStatement()) {
                statement.execute("insert into consumers (id, username, email, created_at) select gen_random_uuid(), 'bench-dev-' || n, "
                        + "'bench-dev-' || n || '@example.test', now() - interval '1 hour' from generate_series(1, " + subscriptions + ") n");
                statement.execute("insert into applications (id, consumer_id, name, created_at) select gen_random_uuid(), id, 'app', now() - interval '1 hour' "
                        + "from consumers where username like 'bench-dev-%'");
                statement.execute("insert into subscriptions (id, application_id, api_id, plan_id, status, created_at) "
                        + "select gen_random_uuid(), a.id, '" + apiId + "', '" + planId + "', 'ACTIVE', now() - interval '1 hour' from applications a "
                        + "join consumers c on c.id = a.consumer_id where c.username like 'bench-dev-%'");
                // Each subscription 1,001 to 3,000 requests this hour: 1 to 2,000 past the included 1,000.
                statement.execute("insert into usage_hourly (subscription_id, plan_id, hour, consumer_id, application_id, api_id, admitted, refused) "
                        + "select s.id, s.plan_id, date_trunc('hour', now()), a.consumer_id, a.id, s.api_id, 1001 + (abs(hashtext(s.id::text)) % 2000), 0 "
                        + "from subscriptions s join applications a on a.id = s.application_id where s.plan_id = '" + planId + "'");
                expectedUnits = single(statement, "select sum(admitted - 1000) from usage_hourly where plan_id = '" + planId + "'");
            }
            log("seeded %d subscriptions with %d overage units", subscriptions, expectedUnits);

            env.put("GATEHOUSE_STRIPE_API_KEY", STRIPE_KEY);
            env.put("GATEHOUSE_STRIPE_API_BASE", stripe.url());
            env.put("GATEHOUSE_BILLING_METER_EVERY", "PT5S");
            env.put("GATEHOUSE_BILLING_SEND_EVERY", "PT0.5S");
            env.put("GATEHOUSE_BILLING_EVENTS_PER_SECOND", eventsPerSecond);
            // Every Stripe request is paced; the bench runs at Stripe's live limit rather than the test key's default.
            String requestsPerSecond = env("BENCH_REQUESTS_PER_SECOND", "100");
            env.put("GATEHOUSE_STRIPE_REQUESTS_PER_SECOND", requestsPerSecond);
            String concurrency = env("BENCH_STRIPE_CONCURRENCY", "");
            if (!concurrency.isEmpty()) {
                env.put("GATEHOUSE_STRIPE_CONCURRENCY", concurrency);
            }
            long started = System.nanoTime();
            ControlPlaneProcess controlPlane = ControlPlaneProcess.start(controlPlaneApp, port, env, BillingBench::errors).awaitReady(Duration.ofMinutes(5));
            try (Connection sql = DriverManager.getConnection(database.jdbcUrl(), "postgres", password);
                 Statement statement = sql.createStatement()) {
                await(Duration.ofMinutes(60), () -> single(statement, "select count(*) from meter_event_outbox where state = 'ACKNOWLEDGED'") >= subscriptions);
                log("all %d events acknowledged %d s after the control plane started", subscriptions, (System.nanoTime() - started) / 1_000_000_000L);
                // Each customer row is stamped by its own insert (billing_subscriptions carry the run's start time).
                double provision = seconds(statement, "select extract(epoch from max(created_at) - min(created_at)) from billing_customers");
                // Outbox rows carry the metering run's start as created_at; the run's own log says how long rating and enqueueing took.
                double enqueue = seconds(statement, "select extract(epoch from max(o.created_at) - (select max(created_at) from billing_customers)) "
                        + "from meter_event_outbox o") + (ratedMs + enqueuedMs) / 1000.0;
                double send = seconds(statement, "select extract(epoch from max(acknowledged_at) - min(sent_at)) from meter_event_outbox");
                long acknowledged = single(statement, "select sum(units) from meter_event_outbox where state = 'ACKNOWLEDGED'");
                long attempts = single(statement, "select sum(attempts) from meter_event_outbox");
                long stripeTotal = stripe.meterEvents().stream().mapToLong(FakeStripe.MeterEvent::value).sum();
                if (acknowledged != expectedUnits || stripeTotal != expectedUnits || stripe.meterEvents().size() != subscriptions) {
                    throw new AssertionError("expected " + expectedUnits + " units in " + subscriptions + " events; acknowledged " + acknowledged
                            + ", at Stripe " + stripeTotal + " in " + stripe.meterEvents().size() + " events");
                }
                log("RESULT subscriptions=%d provision_s=%.1f (%.0f/s: a customer and a subscription each) rate_s=%.1f enqueue_s=%.1f "
                                + "(control plane's own log; %.1f s from the last customer made to the last event enqueued) "
                                + "send_s=%.1f (%.0f events/s; pacer %s requests/s, event rate %s/s, concurrency %s) attempts=%d units=%d (Stripe holds the same) "
                                + "stripe_most_in_flight=%d stripe_most_in_a_second=%d stripe_429s=%d",
                        subscriptions, provision, subscriptions / provision, ratedMs / 1000.0, enqueuedMs / 1000.0, enqueue,
                        send, subscriptions / send, requestsPerSecond, eventsPerSecond, concurrency.isEmpty() ? "default" : concurrency,
                        attempts, acknowledged, stripe.mostInFlight(), stripe.mostRequestsInASecond(), stripe.rateLimitedAnswers());
            } finally {
                controlPlane.close();
            }
        }
    }

    /** The metering run's figures from the control plane's log (read by the output's reader thread): read and rated, enqueued. */
    static volatile long ratedMs;
    static volatile long enqueuedMs;
    static final java.util.regex.Pattern METERED = java.util.regex.Pattern.compile(
            "metering: (\\d+) subscription periods read and rated in (\\d+) ms, (\\d+) meter events enqueued in (\\d+) ms");

    static void errors(String line) {
        if (line.contains("ERROR") || line.contains("started in") || line.contains("billing sends") || line.contains("metering:")
                || line.contains("provisioning:")) {
            System.err.println("control-plane: " + line);
        }
        java.util.regex.Matcher m = METERED.matcher(line);
        if (m.find() && Long.parseLong(m.group(3)) > 1) {
            ratedMs = Long.parseLong(m.group(2));
            enqueuedMs = Long.parseLong(m.group(4));
        }
    }

    static long single(Statement statement, String query) {
        try (ResultSet r = statement.executeQuery(query)) {
            r.next();
            return r.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static double seconds(Statement statement, String query) throws java.sql.SQLException {
        try (ResultSet r = statement.executeQuery(query)) {
            r.next();
            return r.getDouble(1);
        }
    }

    static void await(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout);
            }
            Thread.sleep(200);
        }
    }

    static String post(String base, String path, String json) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + ADMIN)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException(path + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    static String field(String json, String name) {
        int at = json.indexOf("\"" + name + "\":\"") + name.length() + 4;
        return json.substring(at, json.indexOf('"', at));
    }

    static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    static void log(String format, Object... args) {
        System.out.println(String.format(format, args));
    }
}
