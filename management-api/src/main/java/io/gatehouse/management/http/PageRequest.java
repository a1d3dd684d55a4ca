package io.gatehouse.management.http;

/**
 * The {@code limit} and {@code cursor} query parameters of every admin list. No list answers more than
 * {@link #MAX_LIMIT} items at once: a larger, zero, negative or unreadable limit is refused, not clamped, so a client
 * that asked for everything learns at once that it gets pages.
 */
public record PageRequest(int limit, Cursor after) {
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;

    public static PageRequest first(int limit) {
        return new PageRequest(limit, null);
    }

    /** From the raw query parameters (strings, so that {@code limit=abc} is a 400 with a code, not a framework 404). */
    public static PageRequest of(String limit, String cursor) {
        int size = DEFAULT_LIMIT;
        if (limit != null && !limit.isBlank()) {
            try {
                size = Integer.parseInt(limit.trim());
            } catch (NumberFormatException e) {
                throw AdminError.INVALID_LIMIT.with("limit must be a whole number from 1 to " + MAX_LIMIT);
            }
            if (size < 1 || size > MAX_LIMIT) {
                throw AdminError.INVALID_LIMIT.with("limit must be from 1 to " + MAX_LIMIT + "; walk the list with its cursor");
            }
        }
        return new PageRequest(size, cursor == null || cursor.isBlank() ? null : Cursor.decode(cursor.trim()));
    }

    public boolean isFirst() {
        return after == null;
    }
}
