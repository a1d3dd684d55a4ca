package io.gatehouse.management.http;

import java.util.List;
import java.util.function.Function;

/**
 * One page of an admin list: {@code {"items": [...], "nextCursor": "..." | null, "total": N | null}}. A null
 * {@code nextCursor} means the walk is over; {@code total} counts everything the filters match (null where counting
 * would cost more than the page, docs/admin-api.md says where).
 */
public record Page<T>(List<T> items, String nextCursor, Long total) {

    public <R> Page<R> map(Function<T, R> view) {
        return new Page<>(items.stream().map(view).toList(), nextCursor, total);
    }

    /** A page cut from a list already in memory and sorted by {@code key} (nodes, config problems). */
    public static <T> Page<T> ofSorted(List<T> sorted, PageRequest request, Function<T, String> key) {
        String after = request.after() == null ? null : request.after().key();
        List<T> rest = after == null ? sorted : sorted.stream().filter(t -> key.apply(t).compareTo(after) > 0).toList();
        boolean more = rest.size() > request.limit();
        List<T> items = more ? rest.subList(0, request.limit()) : rest;
        String next = more ? Cursor.ofKey(key.apply(items.get(items.size() - 1))).encode() : null;
        return new Page<>(List.copyOf(items), next, (long) sorted.size());
    }
}
