package io.gatehouse.management;

import io.smallrye.config.ConfigMapping;

import java.time.Duration;

/** The control plane's own settings (the datasource and HTTP ones are Quarkus's). */
@ConfigMapping(prefix = "gatehouse")
public interface GatehouseConfig {

    Admin admin();

    Sync sync();

    Audit audit();

    interface Audit {
        Kafka kafka();

        /** Where exports and their manifests are written. */
        @io.smallrye.config.WithDefault("gatehouse-exports")
        String exportDir();

        /** Exports started from the console that run at once; more wait in line. */
        @io.smallrye.config.WithDefault("2")
        int exportThreads();

        Retention retention();

        interface Retention {
            /** Whole monthly partitions are dropped once their last possible record is this many months old. */
            @io.smallrye.config.WithDefault("13")
            int months();

            /** How often the retention job looks for partitions to drop; zero turns it off. */
            @io.smallrye.config.WithDefault("PT6H")
            java.time.Duration checkEvery();
        }

        interface Kafka {
            /** Bootstrap servers of the audit topic; ingest is off when unset. */
            java.util.Optional<String> bootstrap();

            @io.smallrye.config.WithDefault("gatehouse.audit")
            String topic();

            @io.smallrye.config.WithDefault("gatehouse-audit-ingest")
            String group();
        }
    }

    Documents documents();

    Billing billing();

    /** Usage billing through Stripe (docs/billing.md); without a Stripe key, charges are computed and shown but not sent. */
    interface Billing {
        Stripe stripe();

        /** How long a consumer whose payment failed keeps working before its keys are suspended. */
        @io.smallrye.config.WithDefault("P3D")
        Duration gracePeriod();

        /** How often subscriptions' usage is rated and new overage put in the outbox. */
        @io.smallrye.config.WithDefault("PT1M")
        Duration meterEvery();

        /** How often the outbox is looked at for events to send, and suspensions for their time. */
        @io.smallrye.config.WithDefault("PT2S")
        Duration sendEvery();

        /** Meter events sent per second at most; Stripe allows 1,000 per second in live mode, 25 in test mode. */
        @io.smallrye.config.WithDefault("20")
        double eventsPerSecond();

        /** The first retry of a failed send waits this long, doubling up to {@code retryMax}. */
        @io.smallrye.config.WithDefault("PT2S")
        Duration retryFirst();

        @io.smallrye.config.WithDefault("PT10M")
        Duration retryMax();

        /**
         * An event marked sent whose answer was never recorded (the control plane stopped mid-send) is sent again, with
         * the same identifier, after this long.
         */
        @io.smallrye.config.WithDefault("PT2M")
        Duration resendAfter();

        /**
         * A closed subscription's Stripe subscription is cancelled (with a final invoice of the period's usage) this long
         * after the close at the earliest, so the nodes' last usage reports are metered and sent first.
         */
        @io.smallrye.config.WithDefault("PT10M")
        Duration cancelAfter();

        interface Stripe {
            /** The secret API key (sk_live_..., sk_test_..., or a restricted key); billing is off without it. */
            java.util.Optional<String> apiKey();

            /** Signing secret of the webhook endpoint (whsec_...); webhooks are refused without it. */
            java.util.Optional<String> webhookSecret();

            /** Stripe's API address; set only to point at a Stripe-compatible test server. */
            java.util.Optional<String> apiBase();

            /** A webhook signed longer ago than this is refused (Stripe's libraries use 5 minutes). */
            @io.smallrye.config.WithDefault("PT5M")
            Duration webhookTolerance();

            /** Connect and read timeout of each Stripe call. */
            @io.smallrye.config.WithDefault("PT10S")
            Duration timeout();

            /**
             * Stripe requests per second at most, every kind together (Stripe's limit is 100 a second in live mode and 25
             * in test mode, per account); by default 80 for a live key and 20 for a test key.
             */
            java.util.Optional<Integer> requestsPerSecond();

            /**
             * Stripe requests the billing jobs keep in flight at once (meter events, provisioning, cancels), each still
             * waiting its turn under {@link #requestsPerSecond()}.
             */
            @io.smallrye.config.WithDefault("8")
            int concurrency();
        }
    }

    Portal portal();

    interface Portal {
        /** The gateway's address as developers call it: the base of every API's URL in the portal's reference pages. */
        @io.smallrye.config.WithDefault("http://127.0.0.1:8000")
        String gatewayUrl();

        /** The longest a developer may let an old key keep working after rotating it (docs/portal.md). */
        @io.smallrye.config.WithDefault("P7D")
        Duration maxRotationGrace();
    }

    interface Admin {
        /** Bearer token for the admin API, until console sign-in with OIDC replaces it. */
        String token();
    }

    interface Sync {
        /**
         * How many versions of the config log are kept whole, so a node that far behind catches up from the log;
         * older entries are kept only while they are an entity's latest state, and a node behind them gets a snapshot.
         */
        int retainedVersions();

        /** How often the config log is compacted and keys expired past the grace period are removed from it. */
        @io.smallrye.config.WithDefault("PT30S")
        Duration maintenanceInterval();

        /** How long an expired key stays in the config, so a caller hears "expired" rather than "invalid". */
        Duration expiredKeyGrace();

        /**
         * How long a node may send nothing (nodes send a heartbeat every few seconds) before its connection is closed
         * as that of a hung node.
         */
        @io.smallrye.config.WithDefault("PT30S")
        Duration nodeSilenceTimeout();

        /** Full snapshots this instance streams at once; nodes asking beyond it wait their turn. */
        @io.smallrye.config.WithDefault("4")
        int maxSnapshotStreams();
    }

    interface Documents {
        /** Largest OpenAPI document an API can be published from, in bytes. */
        @io.smallrye.config.WithDefault("10485760")
        int maxBytes();

        /** Largest body any other admin request may send, in bytes: only documents need big bodies. */
        @io.smallrye.config.WithDefault("1048576")
        int otherBodyMaxBytes();
    }
}
