package io.gatehouse.management.nodes;

import io.gatehouse.management.http.DomainException;
import io.gatehouse.protocol.keys.ApiKeys;
import io.gatehouse.management.http.Cursor;
import io.gatehouse.management.http.Page;
import io.gatehouse.management.http.PageRequest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Gateway node credentials: one token per node, bound to the node's id, issued and revoked through the admin API.
 * Only the SHA-256 of a token is stored (256 random bits leave nothing to brute-force, as with API keys).
 */
@ApplicationScoped
public class NodeCredentials {
    public static final String TOKEN_PREFIX = "ghn_";
    /** Node ids are names an operator types and logs show: letters, digits and {@code . _ : -}, at most 100. */
    public static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,99}");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A credential that is in force. */
    public record Credential(String id, String nodeId) {
    }

    public record Issued(String id, String nodeId, String token, String prefix, Instant createdAt) {
    }

    public record View(String id, String nodeId, String prefix, String state, Instant createdAt, Instant revokedAt) {
    }

    @Inject
    Pool pool;

    /**
     * Credentials that passed the upgrade check, by token hash: the channel's open callback reads the node id from
     * here without a second query. Revoking removes the entry before disconnecting.
     */
    private final Map<String, Credential> verified = new ConcurrentHashMap<>();

    public Uni<Issued> issue(String nodeId) {
        if (nodeId == null || !NODE_ID.matcher(nodeId).matches()) {
            throw io.gatehouse.management.http.AdminError.INVALID_NODE_ID.with(
                    "nodeId must be 1 to 100 letters, digits, '.', '_', ':' or '-', starting with a letter or digit");
        }
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String token = TOKEN_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        UUID id = UUID.randomUUID();
        Instant now = Instant.now();
        String prefix = token.substring(0, TOKEN_PREFIX.length() + 6);
        return pool.preparedQuery("insert into node_credentials (id, node_id, token_hash, prefix, created_at) values ($1, $2, $3, $4, $5)")
                .execute(Tuple.of(id, nodeId, ApiKeys.hash(token), prefix, now.atOffset(ZoneOffset.UTC)))
                .replaceWith(new Issued(id.toString(), nodeId, token, prefix, now));
    }

    /** A page of credentials, optionally of one node id, oldest first (the same keyset walk as the other admin lists). */
    public Uni<Page<View>> list(String nodeId, PageRequest page) {
        Cursor after = page.after();
        if (after != null && after.createdAt() == null) {
            throw io.gatehouse.management.http.AdminError.INVALID_CURSOR.with("cursor belongs to another list; start again without it");
        }
        String sql = "select * from node_credentials where ($1::text is null or node_id = $1)"
                + " and ($2::timestamptz is null or (created_at, id) > ($2::timestamptz, $3::uuid)) order by created_at, id limit $4";
        Tuple args = Tuple.of(nodeId, after == null ? null : after.createdAt().atOffset(ZoneOffset.UTC),
                after == null ? null : after.id(), page.limit() + 1);
        return pool.preparedQuery(sql).execute(args).chain(rows -> pool
                .preparedQuery("select count(*) from node_credentials where ($1::text is null or node_id = $1)")
                .execute(Tuple.of(nodeId)).map(count -> {
                    List<View> views = new ArrayList<>();
                    rows.forEach(row -> views.add(view(row)));
                    boolean more = views.size() > page.limit();
                    List<View> items = more ? views.subList(0, page.limit()) : views;
                    View last = items.isEmpty() ? null : items.get(items.size() - 1);
                    String next = more ? Cursor.ofRow(last.createdAt(), UUID.fromString(last.id())).encode() : null;
                    return new Page<>(List.copyOf(items), next, count.iterator().next().getLong(0));
                }));
    }

    /** Revokes a credential (idempotent); the caller disconnects the node. */
    public Uni<View> revoke(UUID id) {
        return pool.preparedQuery("update node_credentials set revoked_at = coalesce(revoked_at, $2) where id = $1 returning *")
                .execute(Tuple.of(id, OffsetDateTime.now(ZoneOffset.UTC)))
                .map(rows -> {
                    if (rows.rowCount() == 0) {
                        throw DomainException.notFound("node credential", id.toString());
                    }
                    Row row = rows.iterator().next();
                    verified.values().removeIf(c -> c.id().equals(id.toString()));
                    return view(row);
                });
    }

    /** The credential in force for a presented token, or null. */
    public Uni<Credential> verify(String token) {
        if (token == null || !token.startsWith(TOKEN_PREFIX) || token.length() > 100) {
            return Uni.createFrom().nullItem();
        }
        String hash = ApiKeys.hash(token);
        return pool.preparedQuery("select id, node_id from node_credentials where token_hash = $1 and revoked_at is null")
                .execute(Tuple.of(hash))
                .map(rows -> {
                    if (rows.rowCount() == 0) {
                        verified.remove(hash);
                        return null;
                    }
                    Row row = rows.iterator().next();
                    Credential credential = new Credential(row.getUUID("id").toString(), row.getString("node_id"));
                    verified.put(hash, credential);
                    return credential;
                });
    }

    /** What {@link #verify} found for this token last, if it is still in force. */
    public Credential verified(String token) {
        return token == null ? null : verified.get(ApiKeys.hash(token));
    }

    private static View view(Row row) {
        OffsetDateTime revokedAt = row.getOffsetDateTime("revoked_at");
        return new View(row.getUUID("id").toString(), row.getString("node_id"), row.getString("prefix"),
                revokedAt == null ? "ACTIVE" : "REVOKED", row.getOffsetDateTime("created_at").toInstant(),
                revokedAt == null ? null : revokedAt.toInstant());
    }

    /** The bearer token of an Authorization header, or null. */
    public static String bearer(String authorization) {
        return authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? authorization.substring(7).trim() : null;
    }
}
