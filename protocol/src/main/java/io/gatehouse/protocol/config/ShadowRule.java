package io.gatehouse.protocol.config;

/**
 * Mirrors a share of an API's requests to another upstream. The shadow's answers and failures never reach the
 * client; at most {@code maxConcurrent} mirrored requests are in flight per gateway node (all its event loops share
 * the count), so a slow shadow cannot tie up the gateway. Requests whose body is streamed (larger than 64 KiB or of
 * unknown length) are not mirrored.
 *
 * @param url           the shadow upstream
 * @param percent       share of requests mirrored, 0 to 100
 * @param maxConcurrent mirrored requests in flight at most (default 64)
 */
public record ShadowRule(String url, double percent, Integer maxConcurrent) {

    public int concurrency() {
        return maxConcurrent == null ? 64 : maxConcurrent;
    }
}
