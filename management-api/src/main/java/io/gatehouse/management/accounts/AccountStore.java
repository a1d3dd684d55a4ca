package io.gatehouse.management.accounts;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Accounts, sessions, reset tokens and personal access tokens in PostgreSQL, through the reactive client: the
 * authentication mechanism runs on the event loop and must not block, and these are small keyed statements.
 */
@ApplicationScoped
public class AccountStore {

    @Inject
    Pool client;

    static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }

    // ---- users

    public Uni<UserAccount> findByEmail(String email) {
        return client.preparedQuery("select " + UserAccount.COLUMNS + " from users where lower(email) = lower($1)")
                .execute(Tuple.of(email.trim())).map(AccountStore::firstUser);
    }

    public Uni<UserAccount> findById(UUID id) {
        return client.preparedQuery("select " + UserAccount.COLUMNS + " from users where id = $1")
                .execute(Tuple.of(id)).map(AccountStore::firstUser);
    }

    public Uni<List<UserAccount>> list() {
        return client.query("select " + UserAccount.COLUMNS + " from users order by lower(email)").execute()
                .map(rows -> {
                    List<UserAccount> users = new ArrayList<>();
                    rows.forEach(r -> users.add(UserAccount.from(r)));
                    return users;
                });
    }

    public Uni<UserAccount> create(String email, String passwordHash, Set<String> roles, String team, String source) {
        UUID id = UUID.randomUUID();
        OffsetDateTime now = now();
        // Made by an administrator (or the seed file): the administrator vouches for the address, as docs/portal.md says.
        return client.preparedQuery("insert into users (id, email, password_hash, roles, team, source, created_at, updated_at, email_verified_at) "
                        + "values ($1, $2, $3, $4, $5, $6, $7, $7, $7) returning " + UserAccount.COLUMNS)
                .execute(Tuple.from(java.util.Arrays.asList(id, email.trim(), passwordHash, UserAccount.joinRoles(roles), team, source, now)))
                .map(AccountStore::firstUser);
    }

    /** An OIDC user's row follows the provider: roles and team are refreshed at every sign-in. */
    public Uni<UserAccount> upsertFederated(String email, Set<String> roles, String team) {
        OffsetDateTime now = now();
        return client.preparedQuery("insert into users (id, email, roles, team, source, created_at, updated_at, email_verified_at) "
                        + "values ($1, $2, $3, $4, 'oidc', $5, $5, $5) "
                        + "on conflict (lower(email)) do update set roles = excluded.roles, team = excluded.team, updated_at = excluded.updated_at, "
                        // The provider vouches for the address it signs in.
                        + "email_verified_at = coalesce(users.email_verified_at, excluded.created_at) "
                        + "returning " + UserAccount.COLUMNS)
                .execute(Tuple.from(java.util.Arrays.asList(UUID.randomUUID(), email.trim(),
                        UserAccount.joinRoles(roles), team, now)))
                .map(AccountStore::firstUser);
    }

    /** A self-registered account: the developer role, a password, and an address not verified yet. */
    public Uni<UserAccount> createUnverified(String email, String displayName, String passwordHash, Set<String> roles) {
        OffsetDateTime now = now();
        return client.preparedQuery("insert into users (id, email, password_hash, roles, source, display_name, created_at, updated_at) "
                        + "values ($1, $2, $3, $4, 'local', $5, $6, $6) on conflict do nothing returning " + UserAccount.COLUMNS)
                .execute(Tuple.from(java.util.Arrays.asList(UUID.randomUUID(), email.trim(), passwordHash, UserAccount.joinRoles(roles),
                        displayName, now)))
                .map(AccountStore::firstUser);
    }

    public Uni<Void> setDisplayName(UUID userId, String displayName) {
        return client.preparedQuery("update users set display_name = $2, updated_at = $3 where id = $1")
                .execute(Tuple.of(userId, displayName, now())).replaceWithVoid();
    }

    /** Erases the account row; sessions, tokens and verification links go with it (the database cascades). */
    public Uni<Void> delete(UUID userId) {
        return client.preparedQuery("delete from users where id = $1").execute(Tuple.of(userId)).replaceWithVoid();
    }

    // ---- email verification links

    public Uni<String> createVerificationToken(UUID userId, Duration lifetime) {
        String token = Secrets.random();
        OffsetDateTime now = now();
        return client.preparedQuery("insert into email_verification_tokens (token_hash, user_id, created_at, expires_at) values ($1, $2, $3, $4)")
                .execute(Tuple.of(Secrets.sha256(token), userId, now, now.plus(lifetime)))
                .replaceWith(token);
    }

    /**
     * Uses a verification link and marks its account's address verified; returns the account, or null when the link
     * is unknown, expired or used. One statement, so a link opened twice at once verifies once.
     */
    public Uni<UserAccount> consumeVerificationToken(String token) {
        OffsetDateTime now = now();
        return client.preparedQuery("with used as (update email_verification_tokens set used_at = $2 "
                        + "where token_hash = $1 and used_at is null and expires_at > $2 returning user_id) "
                        + "update users set email_verified_at = coalesce(email_verified_at, $2), updated_at = $2 "
                        + "where id = (select user_id from used) returning " + UserAccount.COLUMNS)
                .execute(Tuple.of(Secrets.sha256(token), now))
                .map(AccountStore::firstUser);
    }

    public Uni<Void> setPassword(UUID userId, String passwordHash) {
        return client.preparedQuery("update users set password_hash = $2, updated_at = $3 where id = $1")
                .execute(Tuple.of(userId, passwordHash, now())).replaceWithVoid();
    }

    // ---- sessions

    /** Creates a session and returns the cookie value; only its digest is stored. */
    public Uni<String> createSession(UserAccount user, Set<String> roles, String sourceAddress, Duration lifetime) {
        String value = Secrets.random();
        OffsetDateTime now = now();
        return client.preparedQuery("insert into user_sessions (id_hash, user_id, roles, created_at, last_seen_at, expires_at, source_address) "
                        + "values ($1, $2, $3, $4, $4, $5, $6)")
                .execute(Tuple.from(java.util.Arrays.asList(Secrets.sha256(value), user.id(), UserAccount.joinRoles(roles), now,
                        now.plus(lifetime), sourceAddress)))
                .replaceWith(value);
    }

    /** The signed-in person behind a session cookie, or null when the session is unknown, expired or the user disabled. */
    public Uni<Person> resolveSession(String cookieValue) {
        return client.preparedQuery("select u.id, u.email, u.team, s.roles from user_sessions s join users u on u.id = s.user_id "
                        + "where s.id_hash = $1 and s.expires_at > $2 and not u.disabled")
                .execute(Tuple.of(Secrets.sha256(cookieValue), now()))
                .map(rows -> {
                    Row row = first(rows);
                    return row == null ? null : new Person(row.getUUID("id"), row.getString("email"),
                            UserAccount.parseRoles(row.getString("roles")), row.getString("team"), Person.SESSION);
                });
    }

    public Uni<Void> deleteSession(String cookieValue) {
        return client.preparedQuery("delete from user_sessions where id_hash = $1")
                .execute(Tuple.of(Secrets.sha256(cookieValue))).replaceWithVoid();
    }

    public Uni<Void> deleteSessionsOf(UUID userId) {
        return client.preparedQuery("delete from user_sessions where user_id = $1").execute(Tuple.of(userId)).replaceWithVoid();
    }

    // ---- password reset tokens

    public Uni<String> createResetToken(UUID userId, Duration lifetime) {
        String token = Secrets.random();
        OffsetDateTime now = now();
        return client.preparedQuery("insert into password_reset_tokens (token_hash, user_id, created_at, expires_at) values ($1, $2, $3, $4)")
                .execute(Tuple.of(Secrets.sha256(token), userId, now, now.plus(lifetime)))
                .replaceWith(token);
    }

    /**
     * Marks a reset token used and returns its user, or null when it is unknown, expired or already used. One
     * statement, so two requests racing with the same token cannot both succeed.
     */
    public Uni<UUID> consumeResetToken(String token) {
        OffsetDateTime now = now();
        return client.preparedQuery("update password_reset_tokens set used_at = $2 "
                        + "where token_hash = $1 and used_at is null and expires_at > $2 returning user_id")
                .execute(Tuple.of(Secrets.sha256(token), now))
                .map(rows -> {
                    Row row = first(rows);
                    return row == null ? null : row.getUUID("user_id");
                });
    }

    /** Whether a reset token would still be accepted (for showing the form), without using it. */
    public Uni<Boolean> resetTokenUsable(String token) {
        return client.preparedQuery("select 1 from password_reset_tokens where token_hash = $1 and used_at is null and expires_at > $2")
                .execute(Tuple.of(Secrets.sha256(token), now())).map(rows -> rows.size() > 0);
    }

    // ---- personal access tokens

    public Uni<AccessTokens.Issued> createAccessToken(UUID userId, String name, OffsetDateTime expiresAt) {
        String token = AccessTokens.PREFIX + Secrets.random();
        UUID id = UUID.randomUUID();
        OffsetDateTime now = now();
        String prefix = token.substring(0, AccessTokens.PREFIX.length() + 6);
        return client.preparedQuery("insert into personal_access_tokens (id, user_id, name, token_hash, prefix, created_at, expires_at) "
                        + "values ($1, $2, $3, $4, $5, $6, $7)")
                .execute(Tuple.from(java.util.Arrays.asList(id, userId, name, Secrets.sha256(token), prefix, now, expiresAt)))
                .replaceWith(new AccessTokens.Issued(token, new AccessTokens.Listed(id, name, prefix, now, expiresAt, null, null)));
    }

    public Uni<List<AccessTokens.Listed>> accessTokensOf(UUID userId) {
        return client.preparedQuery("select id, name, prefix, created_at, expires_at, last_used_at, revoked_at "
                        + "from personal_access_tokens where user_id = $1 order by created_at desc")
                .execute(Tuple.of(userId))
                .map(rows -> {
                    List<AccessTokens.Listed> tokens = new ArrayList<>();
                    rows.forEach(r -> tokens.add(new AccessTokens.Listed(r.getUUID("id"), r.getString("name"),
                            r.getString("prefix"), r.getOffsetDateTime("created_at"), r.getOffsetDateTime("expires_at"),
                            r.getOffsetDateTime("last_used_at"), r.getOffsetDateTime("revoked_at"))));
                    return tokens;
                });
    }

    /** Revokes one of the user's own tokens; false when there is no such active token of theirs. */
    public Uni<Boolean> revokeAccessToken(UUID userId, UUID tokenId) {
        return client.preparedQuery("update personal_access_tokens set revoked_at = $3 where id = $1 and user_id = $2 and revoked_at is null")
                .execute(Tuple.of(tokenId, userId, now())).map(rows -> rows.rowCount() > 0);
    }

    /** The person an access token stands for (with their roles as they are now), or null when it is not valid. */
    public Uni<Person> resolveAccessToken(String token) {
        OffsetDateTime now = now();
        return client.preparedQuery("update personal_access_tokens t set last_used_at = $2 from users u "
                        + "where t.token_hash = $1 and t.revoked_at is null and (t.expires_at is null or t.expires_at > $2) "
                        + "and u.id = t.user_id and not u.disabled returning u.id, u.email, u.roles, u.team")
                .execute(Tuple.of(Secrets.sha256(token), now))
                .map(rows -> {
                    Row row = first(rows);
                    return row == null ? null : new Person(row.getUUID("id"), row.getString("email"),
                            UserAccount.parseRoles(row.getString("roles")), row.getString("team"), Person.ACCESS_TOKEN);
                });
    }

    private static UserAccount firstUser(RowSet<Row> rows) {
        Row row = first(rows);
        return row == null ? null : UserAccount.from(row);
    }

    private static Row first(RowSet<Row> rows) {
        var it = rows.iterator();
        return it.hasNext() ? it.next() : null;
    }
}
