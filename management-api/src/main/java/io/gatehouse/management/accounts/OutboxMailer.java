package io.gatehouse.management.accounts;

import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Mail kept in the database instead of sent, for installations without an SMTP server: each message is stored in
 * {@code mail_outbox} and logged whole, links included. An operator reads the links from the log; tests read the table.
 */
public class OutboxMailer implements Mailer {
    private static final Logger LOG = Logger.getLogger(OutboxMailer.class);
    private static final Duration DB = Duration.ofSeconds(10);

    /** One stored message. */
    public record Message(String recipient, String subject, String body, OffsetDateTime createdAt) {
    }

    private final Pool pool;

    public OutboxMailer(Pool pool) {
        this.pool = pool;
    }

    @Override
    public void send(String to, String subject, String text) {
        pool.preparedQuery("insert into mail_outbox (id, recipient, subject, body, created_at) values ($1, $2, $3, $4, $5)")
                .execute(Tuple.of(UUID.randomUUID(), to, subject, text, OffsetDateTime.now(ZoneOffset.UTC)))
                .await().atMost(DB);
        LOG.infof("mail to %s kept in the outbox (no SMTP server configured): %s%n%s", to, subject, text);
    }

    /** The messages to one address, newest first. */
    public static List<Message> to(Pool pool, String recipient) {
        List<Message> messages = new ArrayList<>();
        for (Row r : pool.preparedQuery("select recipient, subject, body, created_at from mail_outbox where lower(recipient) = lower($1) "
                + "order by created_at desc").execute(Tuple.of(recipient)).await().atMost(DB)) {
            messages.add(new Message(r.getString("recipient"), r.getString("subject"), r.getString("body"), r.getOffsetDateTime("created_at")));
        }
        return messages;
    }
}
