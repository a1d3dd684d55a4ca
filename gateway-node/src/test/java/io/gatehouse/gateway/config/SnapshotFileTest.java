package io.gatehouse.gateway.config;

import io.gatehouse.protocol.keys.ApiKeys;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/** Which key hashes the compact snapshot form takes as four longs, and that they come back as the same digits. */
class SnapshotFileTest {

    @Test
    void aKeysLowercaseSha256IsStoredAsFourLongsThatPrintBackTheSame() {
        for (int i = 0; i < 100; i++) {
            String hash = ApiKeys.hash(ApiKeys.generate());
            long[] longs = new long[4];
            assertThat(SnapshotFile.hexSha256(hash, longs)).as(hash).isTrue();
            ByteBuffer bytes = ByteBuffer.allocate(32);
            for (long l : longs) {
                bytes.putLong(l);
            }
            assertThat(HexFormat.of().formatHex(bytes.array())).isEqualTo(hash);
        }
        long[] extremes = new long[4];
        assertThat(SnapshotFile.hexSha256("ffffffffffffffff" + "0".repeat(16) + "8000000000000000" + "7fffffffffffffff", extremes)).isTrue();
        assertThat(extremes).containsExactly(-1L, 0L, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    @Test
    void anythingElseKeepsItsJsonForm() {
        String hash = ApiKeys.hash(ApiKeys.generate());
        long[] untouched = {1, 2, 3, 4};
        assertThat(SnapshotFile.hexSha256(hash.toUpperCase(Locale.ROOT), untouched)).as("uppercase would print back in lowercase").isFalse();
        assertThat(SnapshotFile.hexSha256(hash.substring(0, 63) + "A", untouched)).isFalse();
        assertThat(SnapshotFile.hexSha256(hash.substring(0, 63), untouched)).isFalse();
        assertThat(SnapshotFile.hexSha256(hash + "0", untouched)).isFalse();
        assertThat(SnapshotFile.hexSha256(hash.substring(0, 63) + "g", untouched)).isFalse();
        assertThat(SnapshotFile.hexSha256(hash.substring(0, 63) + "\u0660", untouched)).as("a non-ASCII digit").isFalse();
        assertThat(SnapshotFile.hexSha256(null, untouched)).isFalse();
        assertThat(untouched).containsExactly(1, 2, 3, 4);
    }
}
