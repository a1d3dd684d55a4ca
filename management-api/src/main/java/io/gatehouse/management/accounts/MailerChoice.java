package io.gatehouse.management.accounts;

import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Picks the {@link Mailer}: SMTP when quarkus-mailer is given a server ({@code GATEHOUSE_MAIL_MOCK=false}), the
 * outbox table otherwise. One switch for every mail, so configuring SMTP is one setting.
 */
@ApplicationScoped
public class MailerChoice {

    @Produces
    @ApplicationScoped
    Mailer mailer(@ConfigProperty(name = "quarkus.mailer.mock", defaultValue = "true") boolean mock, Pool pool,
                  io.quarkus.mailer.Mailer smtp, AccountsConfig config) {
        return mock ? new OutboxMailer(pool) : new SmtpMailer(smtp, config.mailFrom());
    }
}
