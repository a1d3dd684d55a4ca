package io.gatehouse.management.sync;

import java.time.Instant;

/**
 * The config log's head: the version nodes should serve now, its content hash, and how many entries of each section
 * are live. {@code horizon}: entries at or below it may have been compacted away, so a node holding an older version
 * is sent a full snapshot instead of the log. Version 0 is the empty config, before anything was published.
 */
public record ConfigHead(long version, String hash, Instant publishedAt, long apis, long plans, long keys, long subscriptions,
                         long horizon) {

    public boolean published() {
        return version > 0;
    }
}
