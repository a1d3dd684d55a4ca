package io.gatehouse.protocol.config;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigHashTest {
    private static final BigInteger MODULUS = BigInteger.ONE.shiftLeft(256);
    private final SecureRandom random = new SecureRandom();

    @Test
    void theSumIsArithmeticModuloTwoToThe256() {
        ConfigHash hash = new ConfigHash();
        BigInteger expected = BigInteger.ZERO;
        for (int i = 0; i < 2_000; i++) {
            byte[] entry = randomEntry(i % 7 == 0);
            if (i % 3 == 0) {
                hash.subtract(entry);
                expected = expected.subtract(new BigInteger(1, entry)).mod(MODULUS);
            } else {
                hash.add(entry);
                expected = expected.add(new BigInteger(1, entry)).mod(MODULUS);
            }
            assertThat(new BigInteger(hash.hex(), 16)).as("after step %d", i).isEqualTo(expected);
        }
    }

    @Test
    void orderDoesNotMatterAndRemovingUndoesAdding() {
        List<byte[]> entries = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            entries.add(randomEntry(false));
        }
        ConfigHash forward = new ConfigHash();
        entries.forEach(forward::add);
        List<byte[]> shuffled = new ArrayList<>(entries);
        Collections.shuffle(shuffled, random);
        ConfigHash backward = new ConfigHash();
        shuffled.forEach(backward::add);
        assertThat(backward).isEqualTo(forward);

        ConfigHash copy = forward.copy();
        byte[] extra = randomEntry(true);
        copy.add(extra);
        assertThat(copy).isNotEqualTo(forward);
        copy.subtract(extra);
        assertThat(copy.hex()).isEqualTo(forward.hex());
        assertThat(ConfigHash.parse(forward.hex())).isEqualTo(forward);
    }

    @Test
    void aSnapshotsHashIsTheSumOfItsEntries() {
        KeyGrant key = new KeyGrant("k1", "a".repeat(64), "app", "consumer", null);
        KeyGrant suspended = new KeyGrant("k2", "b".repeat(64), "app", "consumer", null, "payment_failed");
        ConfigSnapshot snapshot = ConfigSnapshot.of(1, java.time.Instant.EPOCH, List.of(), List.of(), List.of(key, suspended), List.of());
        ConfigHash sum = new ConfigHash();
        sum.add(ConfigHash.entry(ConfigSection.KEYS, suspended));
        sum.add(ConfigHash.entry(ConfigSection.KEYS, key));
        assertThat(snapshot.hash()).isEqualTo(sum.hex());
        // The same record in another section is another entry.
        assertThat(ConfigHash.entry(ConfigSection.APIS, key)).isNotEqualTo(ConfigHash.entry(ConfigSection.KEYS, key));
        assertThat(ConfigSnapshot.empty().hash()).isEqualTo("0".repeat(64));
    }

    private byte[] randomEntry(boolean extreme) {
        byte[] bytes = new byte[32];
        if (extreme) {
            java.util.Arrays.fill(bytes, (byte) 0xFF);
        } else {
            random.nextBytes(bytes);
        }
        return bytes;
    }
}
