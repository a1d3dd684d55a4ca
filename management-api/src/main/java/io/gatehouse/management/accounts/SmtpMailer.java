package io.gatehouse.management.accounts;

import io.quarkus.mailer.Mail;

/** Mail sent through the SMTP server configured for quarkus-mailer (docs/configuration.md: GATEHOUSE_SMTP_*). */
public class SmtpMailer implements Mailer {
    private final io.quarkus.mailer.Mailer smtp;
    private final String from;

    public SmtpMailer(io.quarkus.mailer.Mailer smtp, String from) {
        this.smtp = smtp;
        this.from = from;
    }

    @Override
    public void send(String to, String subject, String text) {
        smtp.send(Mail.withText(to, subject, text).setFrom(from));
    }
}
