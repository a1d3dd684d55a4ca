package io.gatehouse.management.accounts;

import io.quarkus.elytron.security.common.BcryptUtil;
import io.quarkus.mailer.Mail;
import io.quarkus.mailer.Mailer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Use cases of the built-in account store: sign in, reset a password, create accounts. Blocking (bcrypt costs
 * a few hundred milliseconds by design): call from worker threads, as the console's page controllers are.
 */
@ApplicationScoped
public class Accounts {
    private static final Logger LOG = Logger.getLogger(Accounts.class);
    private static final Duration DB = Duration.ofSeconds(10);
    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+$");
    /** Compared against when the account does not exist, so a miss costs as long as a wrong password. */
    private volatile String decoyHash;

    @Inject
    AccountStore store;

    @Inject
    AccountsConfig config;

    @Inject
    SignInLimiter limiter;

    @Inject
    MailLimiter mailLimiter;

    @Inject
    Mailer mailer;

    @Inject
    io.gatehouse.management.accounts.Mailer people;

    public sealed interface SignIn {
        record Success(UserAccount user, String sessionCookie) implements SignIn {
        }

        record Refused() implements SignIn {
        }

        record Throttled(Duration retryAfter) implements SignIn {
        }
    }

    public SignIn signIn(String email, String password, String sourceAddress) {
        String normalised = email == null ? "" : email.trim();
        Duration blocked = limiter.blockedFor(normalised, sourceAddress);
        if (!blocked.isZero() && !blocked.isNegative()) {
            LOG.infof("sign-in throttled for %s from %s", normalised, sourceAddress);
            return new SignIn.Throttled(blocked);
        }
        UserAccount user = normalised.isEmpty() ? null : store.findByEmail(normalised).await().atMost(DB);
        boolean usable = user != null && !user.disabled() && user.passwordHash() != null;
        boolean matches = BcryptUtil.matches(password == null ? "" : password, usable ? user.passwordHash() : decoyHash());
        if (!usable || !matches) {
            limiter.recordFailure(normalised, sourceAddress);
            LOG.infof("sign-in refused for %s from %s", normalised, sourceAddress);
            return new SignIn.Refused();
        }
        limiter.recordSuccess(normalised);
        String cookie = store.createSession(user, user.roles(), sourceAddress, config.sessionLifetime()).await().atMost(DB);
        LOG.infof("%s signed in from %s", user.email(), sourceAddress);
        return new SignIn.Success(user, cookie);
    }

    /** Starts a session for someone the OIDC provider authenticated; their account row follows the provider. */
    public String signInFederated(String email, Set<String> roles, String team, String sourceAddress) {
        UserAccount user = store.upsertFederated(email, roles, team).await().atMost(DB);
        LOG.infof("%s signed in through OIDC from %s with roles %s", email, sourceAddress, roles);
        return store.createSession(user, roles, sourceAddress, config.sessionLifetime()).await().atMost(DB);
    }

    public void signOut(String sessionCookie) {
        if (sessionCookie != null && !sessionCookie.isBlank()) {
            store.deleteSession(sessionCookie).await().atMost(DB);
        }
    }

    /**
     * Mails a reset link when a built-in account has this address. The caller answers the same either way, so the
     * form does not tell who has an account.
     */
    public void requestPasswordReset(String email, String consoleBaseUrl) {
        if (email == null || email.isBlank()) {
            return;
        }
        UserAccount user = store.findByEmail(email).await().atMost(DB);
        if (user == null || user.disabled() || !UserAccount.LOCAL.equals(user.source())) {
            LOG.infof("password reset asked for unknown or external account %s", email.trim());
            return;
        }
        String token = store.createResetToken(user.id(), config.resetTokenLifetime()).await().atMost(DB);
        String base = config.publicUrl().orElse(consoleBaseUrl).replaceAll("/+$", "");
        String link = base + "/console/password-reset/" + token;
        mailer.send(Mail.withText(user.email(), "Reset your Gatehouse password",
                "Someone asked to reset the password of your Gatehouse account.\n\n"
                        + "To choose a new password, open this link within " + config.resetTokenLifetime().toMinutes() + " minutes:\n"
                        + link + "\n\nThe link works once. If you did not ask for this, ignore this mail.\n")
                .setFrom(config.mailFrom()));
    }

    /**
     * A developer registers: a built-in account with the developer role whose address is not verified yet, and a mail
     * with a single-use link that verifies it. An address that already has an account gets a mail saying so instead,
     * and the caller answers the same either way, so the form does not tell who has an account.
     */
    public void register(String email, String displayName, String password, String portalBaseUrl) {
        register(email, displayName, password, portalBaseUrl, null);
    }

    /**
     * Registers a developer, mailing the address a verification link (or, if it has an account, a note saying so).
     * Throttled per address and per {@code sourceAddress} ({@link MailLimiter}) before any work: {@link MailThrottled}.
     */
    public void register(String email, String displayName, String password, String portalBaseUrl, String sourceAddress) {
        if (email == null || !EMAIL.matcher(email.trim()).matches() || email.trim().length() > 254) {
            throw new AccountException("invalid_email", "enter an email address like name@example.com");
        }
        String name = displayName == null ? "" : displayName.strip();
        if (name.isEmpty() || name.length() > 100) {
            throw new AccountException("invalid_name", "enter a name of 1 to 100 characters");
        }
        checkPassword(password);
        String normalised = email.trim().toLowerCase(Locale.ROOT);
        throttle(normalised, sourceAddress);
        // Hashed whether or not the address is taken, so both answers take as long.
        String hash = hash(password);
        String base = baseUrl(portalBaseUrl);
        UserAccount existing = store.findByEmail(normalised).await().atMost(DB);
        UserAccount created = existing != null ? null
                : store.createUnverified(normalised, name, hash, Set.of(Role.DEVELOPER_NAME)).await().atMost(DB);
        if (created == null) {
            LOG.infof("registration asked for an address that has an account: %s", normalised);
            people.send(normalised, "Your Gatehouse account",
                    "Someone asked to register a Gatehouse developer account for this address, which already has one.\n\n"
                            + "Sign in at " + base + "/portal/sign-in, or choose a new password at " + base + "/console/password-reset.\n"
                            + "If it was not you, ignore this mail.\n");
            return;
        }
        LOG.infof("developer %s registered", created.email());
        sendVerification(created, base);
    }

    /** Mails a new verification link to an account whose address is not verified yet; earlier links keep working until they expire. */
    public void resendVerification(UUID userId, String portalBaseUrl) {
        resendVerification(userId, portalBaseUrl, null);
    }

    /** A new verification link for an unverified account, throttled like registration: {@link MailThrottled}. */
    public void resendVerification(UUID userId, String portalBaseUrl, String sourceAddress) {
        UserAccount user = store.findById(userId).await().atMost(DB);
        if (user != null && !user.emailVerified()) {
            throttle(user.email(), sourceAddress);
            sendVerification(user, baseUrl(portalBaseUrl));
        }
    }

    private void throttle(String recipient, String sourceAddress) {
        Duration wait = mailLimiter.acquire(recipient, sourceAddress);
        if (!wait.isZero()) {
            LOG.infof("mail to %s from %s refused by the limit for %d s", recipient, sourceAddress, wait.toSeconds());
            throw new MailThrottled(wait);
        }
    }

    private void sendVerification(UserAccount user, String base) {
        String token = store.createVerificationToken(user.id(), config.verificationLinkLifetime()).await().atMost(DB);
        long hours = Math.max(1, config.verificationLinkLifetime().toHours());
        people.send(user.email(), "Verify your email address for Gatehouse",
                "Welcome to the Gatehouse developer portal.\n\n"
                        + "To verify this address and start creating API keys, open this link within " + hours + " hours:\n"
                        + base + "/portal/verify/" + token + "\n\nThe link works once. If you did not register, ignore this mail.\n");
    }

    private String baseUrl(String requestBase) {
        return config.publicUrl().orElse(requestBase).replaceAll("/+$", "");
    }

    public boolean resetTokenUsable(String token) {
        return token != null && !token.isBlank() && store.resetTokenUsable(token).await().atMost(DB);
    }

    /** Sets a new password with a reset token; returns false when the token is unknown, expired or used. */
    public boolean resetPassword(String token, String newPassword) {
        checkPassword(newPassword);
        UUID userId = token == null || token.isBlank() ? null : store.consumeResetToken(token).await().atMost(DB);
        if (userId == null) {
            return false;
        }
        store.setPassword(userId, hash(newPassword)).await().atMost(DB);
        // A reset is what someone does when they fear their password is known: end every session.
        store.deleteSessionsOf(userId).await().atMost(DB);
        LOG.infof("password reset for account %s", userId);
        return true;
    }

    /** Creates an account without a password and mails its owner a link to choose one. */
    public UserAccount invite(String email, Set<String> roles, String team, String consoleBaseUrl) {
        UserAccount user = createLocal(email, roles, team, null);
        requestPasswordReset(user.email(), consoleBaseUrl);
        return user;
    }

    /** Creates a built-in account; a null password leaves it unusable until a reset link sets one. */
    public UserAccount createLocal(String email, Set<String> roles, String team, String password) {
        if (email == null || !EMAIL.matcher(email.trim()).matches()) {
            throw new AccountException("invalid_email", "enter an email address like name@example.com");
        }
        if (roles.isEmpty()) {
            throw new AccountException("invalid_roles", "choose at least one role");
        }
        if (password != null) {
            checkPassword(password);
        }
        if (store.findByEmail(email).await().atMost(DB) != null) {
            throw new AccountException("email_taken", "an account with this email already exists");
        }
        return store.create(email.trim().toLowerCase(Locale.ROOT), password == null ? null : hash(password),
                roles, team == null || team.isBlank() ? null : team.trim(), UserAccount.LOCAL).await().atMost(DB);
    }

    private String hash(String password) {
        return BcryptUtil.bcryptHash(password, config.bcryptCost());
    }

    private String decoyHash() {
        if (decoyHash == null) {
            decoyHash = hash(Secrets.random());
        }
        return decoyHash;
    }

    public void checkPassword(String password) {
        if (password == null || password.length() < config.passwordMinLength()) {
            throw new AccountException("weak_password", "use at least " + config.passwordMinLength() + " characters");
        }
        if (password.length() > 72) {
            // bcrypt reads only the first 72 bytes; refuse rather than silently ignore the rest.
            throw new AccountException("weak_password", "use at most 72 characters");
        }
    }

    /** Parses role names, refusing unknown ones. */
    public static Set<String> roles(String commaSeparated) {
        Set<String> roles = new LinkedHashSet<>();
        if (commaSeparated == null) {
            return roles;
        }
        for (String name : commaSeparated.split(",")) {
            if (name.isBlank()) {
                continue;
            }
            roles.add(Role.of(name).orElseThrow(() -> new AccountException("invalid_roles", "unknown role " + name.trim())).id());
        }
        return roles;
    }

    /** A request about accounts that cannot be done as asked; the code is stable, the message is for people. */
    /** Too many registrations or verification mails for this address or from this source; retry after the wait. */
    public static final class MailThrottled extends AccountException {
        private final Duration retryAfter;

        MailThrottled(Duration retryAfter) {
            super("too_many_requests", "too many registrations or verification links for this address or from your network; try again in "
                    + minutes(retryAfter));
            this.retryAfter = retryAfter;
        }

        public Duration retryAfter() {
            return retryAfter;
        }

        /** Whole seconds for Retry-After, at least one. */
        public long retryAfterSeconds() {
            return Math.max(1, (retryAfter.toMillis() + 999) / 1000);
        }

        private static String minutes(Duration wait) {
            long minutes = Math.max(1, (wait.toSeconds() + 59) / 60);
            return minutes + " minute" + (minutes == 1 ? "" : "s");
        }
    }

    public static class AccountException extends RuntimeException {
        private final String code;

        public AccountException(String code, String message) {
            super(message);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }
}
