package io.gatehouse.management.http;

import io.smallrye.mutiny.Uni;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * A filtered admin list over one table, walked in (created at, id) order: each page starts after the last row of the
 * one before, so a page costs an index range scan of its own size however deep the walk is (an offset would re-read
 * every row before it), and rows inserted meanwhile never shift a page into a gap or a repeat. V10 holds the indexes.
 *
 * @param <E> the entity, whose HQL alias is {@code e} and which has {@code createdAt} and {@code id}
 */
public final class Keyset<E> {

    /** What the entity's finder runs: HQL with named parameters, and how many rows to fetch. */
    public record Query(String hql, Map<String, Object> params, int rows) {
    }

    private final String from;
    private final Function<E, Instant> createdAt;
    private final Function<E, UUID> id;
    private final List<String> where = new ArrayList<>();
    private final Map<String, Object> params = new HashMap<>();
    private boolean newestFirst;

    private Keyset(String entity, Function<E, Instant> createdAt, Function<E, UUID> id) {
        this.from = "from " + entity + " e";
        this.createdAt = createdAt;
        this.id = id;
    }

    public static <E> Keyset<E> over(String entity, Function<E, Instant> createdAt, Function<E, UUID> id) {
        return new Keyset<>(entity, createdAt, id);
    }

    /**
     * A LIKE pattern for "starts with" (use with {@code escape '!'}): the user's text is matched literally, so
     * {@code %} and {@code _} in it are not wildcards. Null or blank means no filter.
     */
    public static String prefix(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        return text.trim().replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%";
    }

    /** A condition on {@code e} with one named parameter; nothing is added when the value is null (filter not given). */
    public Keyset<E> where(String condition, String param, Object value) {
        if (value != null) {
            where.add(condition);
            params.put(param, value);
        }
        return this;
    }

    /** A condition with no parameter, or whose parameters were put with {@link #param}. */
    public Keyset<E> where(String condition) {
        where.add(condition);
        return this;
    }

    /** Walks from the newest row back (a console list, where what was just made belongs on top). */
    public Keyset<E> newestFirst() {
        newestFirst = true;
        return this;
    }

    public Keyset<E> param(String name, Object value) {
        params.put(name, value);
        return this;
    }

    /**
     * Runs the page: one query of at most limit + 1 rows (the extra row only says whether there is a next page) and,
     * when {@code counted}, one count with the same filters.
     */
    public <V> Uni<Page<V>> page(PageRequest request, boolean counted, Function<Query, Uni<List<E>>> finder,
                                 Function<Query, Uni<Long>> counter, Function<E, V> view) {
        List<String> conditions = new ArrayList<>(where);
        Map<String, Object> pageParams = new HashMap<>(params);
        if (request.after() != null) {
            if (request.after().createdAt() == null) {
                throw AdminError.INVALID_CURSOR.with("cursor belongs to another list; start again without it");
            }
            // The first term lets PostgreSQL start its index range at the cursor; the second skips rows up to it.
            conditions.add(newestFirst ? "e.createdAt <= :afterAt and (e.createdAt < :afterAt or e.id < :afterId)"
                    : "e.createdAt >= :afterAt and (e.createdAt > :afterAt or e.id > :afterId)");
            pageParams.put("afterAt", request.after().createdAt());
            pageParams.put("afterId", request.after().id());
        }
        String hql = from + (conditions.isEmpty() ? "" : " where " + String.join(" and ", conditions)) + (newestFirst ? " order by e.createdAt desc, e.id desc" : " order by e.createdAt, e.id");
        Uni<Long> total = counted
                ? counter.apply(new Query(from + (where.isEmpty() ? "" : " where " + String.join(" and ", where)), Map.copyOf(params), 0))
                : Uni.createFrom().nullItem();
        return finder.apply(new Query(hql, pageParams, request.limit() + 1)).chain(rows -> total.map(count -> {
            boolean more = rows.size() > request.limit();
            List<E> items = more ? rows.subList(0, request.limit()) : rows;
            E last = items.isEmpty() ? null : items.get(items.size() - 1);
            String next = more ? Cursor.ofRow(createdAt.apply(last), id.apply(last)).encode() : null;
            return new Page<>(items.stream().map(view).toList(), next, count);
        }));
    }
}
