package io.gatehouse.management.accounts;

/**
 * Where the control plane's mail to people goes (verification links for now). {@link SmtpMailer} when an SMTP server
 * is configured ({@code GATEHOUSE_MAIL_MOCK=false}); otherwise {@link OutboxMailer}, which keeps each message in the
 * {@code mail_outbox} table and logs it, so a local run or a test can follow the link. Blocking: call from a worker thread.
 */
public interface Mailer {
    void send(String to, String subject, String text);
}
