package io.gatehouse.management.accounts;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** Sign-in, sessions and account settings (docs/configuration.md). */
@ConfigMapping(prefix = "gatehouse.accounts")
public interface AccountsConfig {

    /** How long a console session lasts from sign-in; signing out or a password reset ends it sooner. */
    @WithDefault("PT8H")
    Duration sessionLifetime();

    /** Name of the session cookie. */
    @WithDefault("gatehouse_session")
    String sessionCookie();

    /** How long a password reset link works. */
    @WithDefault("PT30M")
    Duration resetTokenLifetime();

    /** How long the link that verifies a self-registered developer's address works. */
    @WithDefault("P2D")
    Duration verificationLinkLifetime();

    /** Failed sign-ins allowed per account within {@link #signInWindow()}. */
    @WithDefault("5")
    int signInMaxFailures();

    /** Failed sign-ins allowed per source address (higher: an office or a NAT shares one address). */
    @WithDefault("20")
    int signInMaxFailuresPerAddress();

    @WithDefault("PT15M")
    Duration signInWindow();

    /** Registrations and verification links mailed to one address within {@link #mailWindow()}. */
    @WithDefault("3")
    int mailMaxPerRecipient();

    /** The same per source address: one address registering many accounts, or mailing many strangers. */
    @WithDefault("10")
    int mailMaxPerAddress();

    @WithDefault("PT1H")
    Duration mailWindow();

    /** bcrypt work factor for stored passwords (each step doubles the time a guess costs). */
    @WithDefault("12")
    int bcryptCost();

    /** Shortest password accepted. */
    @WithDefault("12")
    int passwordMinLength();

    /** Address the console is reached at, for links in mails; defaults to the address of the request. */
    Optional<String> publicUrl();

    /** Sender of password reset mails. */
    @WithDefault("gatehouse@localhost")
    String mailFrom();

    /**
     * A file of accounts to create at start when missing, one per line: email, roles (comma-separated), team
     * ("-" for none) and password, separated by tabs. The local launcher writes it; production leaves it unset.
     */
    Optional<String> seedFile();

    Oidc oidc();

    interface Oidc {
        /** Claim carrying the user's email address. */
        @WithDefault("email")
        String emailClaim();

        /** Claim carrying the user's team (API ownership is by team). */
        @WithDefault("team")
        String teamClaim();
    }
}
