package io.gatehouse.gateway.auth;

import io.gatehouse.protocol.config.KeyGrant;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.keys.ApiKeys;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The compact key index on its own: what goes in comes back out exactly, whatever was removed around it. */
class KeyIndexTest {
    static final Credential APP = Credential.of("app-1", "consumer-1",
            Map.of("orders", new SubscriptionGrant("s1", "app-1", "orders", "gold", null)));
    static final Credential OTHER = Credential.of("app-2", "consumer-2", Map.of());

    static KeyGrant key(String id, String secret, Instant expiresAt, String suspension) {
        return new KeyGrant(id, ApiKeys.hash(secret), "app-1", "consumer-1", expiresAt, suspension);
    }

    static KeyIndex.Found find(KeyIndex index, String secret) {
        KeyIndex.Found found = new KeyIndex.Found();
        return index.lookup(HexFormat.of().parseHex(ApiKeys.hash(secret)), found) ? found : null;
    }

    @Test
    void aKeyIsFoundByItsHashAndRebuiltExactlyFromWhatIsStored() {
        KeyIndex index = new KeyIndex();
        String secret = ApiKeys.generate();
        String id = UUID.randomUUID().toString();
        Instant expires = Instant.parse("2031-05-04T03:02:01.123456Z");
        KeyGrant grant = key(id, secret, expires, null);
        index.put(grant, APP);

        KeyIndex.Found found = find(index, secret);
        assertThat(found).isNotNull();
        assertThat(found.credential()).isSameAs(APP);
        assertThat(found.credential().subscriptionTo("orders").id()).isEqualTo("s1");
        assertThat(found.suspension()).isNull();
        assertThat(found.expiredAt(expires.toEpochMilli() - 1)).isFalse();
        assertThat(found.expiredAt(expires.toEpochMilli() + 1)).isTrue();
        assertThat(index.byId(id)).isEqualTo(grant);
        assertThat(find(index, ApiKeys.generate())).as("a key never issued").isNull();
        assertThat(index.byId(UUID.randomUUID().toString())).isNull();
    }

    @Test
    void idsThatAreNotCanonicalUuidsAndOddExpiriesComeBackAsSent() {
        KeyIndex index = new KeyIndex();
        List<KeyGrant> grants = List.of(
                key("k1", ApiKeys.generate(), null, null),
                key("K-UPPER", ApiKeys.generate(), Instant.parse("2030-01-01T00:00:00.000000001Z"), "payment_failed"),
                key(UUID.randomUUID().toString().toUpperCase(), ApiKeys.generate(), Instant.MAX, null),
                key("00000000-0000-0000-0000-000000000001", ApiKeys.generate(), Instant.EPOCH, null));
        grants.forEach(g -> index.put(g, APP));
        for (KeyGrant g : grants) {
            assertThat(index.byId(g.id())).isEqualTo(g);
        }
        assertThat(index.byId("k2")).isNull();
        assertThat(index.size()).isEqualTo(4);
    }

    @Test
    void replacingAKeyMovesItsHashAndKeepsItsId() {
        KeyIndex index = new KeyIndex();
        String before = ApiKeys.generate();
        String after = ApiKeys.generate();
        index.put(key("k1", before, null, null), APP);
        index.put(new KeyGrant("k1", ApiKeys.hash(after), "app-2", "consumer-2", null, "payment_failed"), OTHER);

        assertThat(index.size()).isEqualTo(1);
        assertThat(find(index, before)).as("the old hash").isNull();
        KeyIndex.Found found = find(index, after);
        assertThat(found.credential()).isSameAs(OTHER);
        assertThat(found.suspension()).isEqualTo("payment_failed");
        assertThat(index.idOfHash(ApiKeys.hash(after))).isEqualTo("k1");
    }

    /**
     * A model map and the index take the same random inserts, replacements and removals; every key of the model is
     * found and every removed one is not, so backward shifts and the moves that keep entries dense lose nothing.
     */
    @Test
    void manyKeysSurviveRandomRemovalsAgainstAModel() {
        KeyIndex index = new KeyIndex(16); // small on purpose: it grows several times
        Map<String, KeyGrant> model = new HashMap<>();
        Map<String, String> secrets = new HashMap<>();
        List<String> removed = new ArrayList<>();
        Random random = new Random(42);
        for (int step = 0; step < 60_000; step++) {
            int action = random.nextInt(10);
            if (action < 6 || model.isEmpty()) {
                String id = random.nextBoolean() ? UUID.randomUUID().toString() : "key-" + step;
                String secret = ApiKeys.generate();
                KeyGrant grant = key(id, secret, random.nextBoolean() ? null : Instant.ofEpochSecond(random.nextInt(2_000_000_000)), null);
                index.put(grant, APP);
                model.put(id, grant);
                secrets.put(id, secret);
            } else {
                String id = model.keySet().iterator().next();
                if (action < 8) {
                    assertThat(index.remove(id)).isTrue();
                    model.remove(id);
                    removed.add(secrets.remove(id));
                } else {
                    String secret = ApiKeys.generate();
                    KeyGrant grant = key(id, secret, null, "payment_failed");
                    index.put(grant, APP);
                    model.put(id, grant);
                    removed.add(secrets.put(id, secret));
                }
            }
        }
        assertThat(index.size()).isEqualTo(model.size());
        model.forEach((id, grant) -> {
            assertThat(index.byId(id)).isEqualTo(grant);
            assertThat(find(index, secrets.get(id))).as("key %s by hash", id).isNotNull();
        });
        for (String secret : removed) {
            assertThat(find(index, secret)).isNull();
        }
        List<KeyGrant> all = new ArrayList<>();
        index.forEach(all::add);
        assertThat(all).containsExactlyInAnyOrderElementsOf(model.values());
        assertThat(index.remove("never-there")).isFalse();
    }

    /**
     * A reader on another thread keeps looking up a key while the writer flips it between two owners and
     * suspensions that always go together: a torn entry would pair one owner with the other's suspension.
     */
    @Test
    void aReaderNeverSeesAKeyHalfWritten() throws Exception {
        KeyIndex index = new KeyIndex();
        String secret = ApiKeys.generate();
        KeyGrant asApp = key("k1", secret, null, null);
        KeyGrant asOther = new KeyGrant("k1", ApiKeys.hash(secret), "app-2", "consumer-2", null, "payment_failed");
        index.put(asApp, APP);
        for (int i = 0; i < 5_000; i++) {
            index.put(key("filler-" + i, ApiKeys.generate(), null, null), APP);
        }
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<String> torn = new AtomicReference<>();
        long[] reads = new long[1];
        Thread reader = new Thread(() -> {
            KeyIndex.Found found = new KeyIndex.Found();
            byte[] hash = HexFormat.of().parseHex(ApiKeys.hash(secret));
            while (!done.get()) {
                if (!index.lookup(hash, found)) {
                    torn.compareAndSet(null, "the key was not found while being replaced");
                } else if ((found.credential() == OTHER) != "payment_failed".equals(found.suspension())) {
                    torn.compareAndSet(null, "owner and suspension of different writes");
                }
                reads[0]++;
            }
        });
        reader.start();
        long start = System.nanoTime();
        for (int i = 0; i < 100_000; i++) {
            index.put(i % 2 == 0 ? asOther : asApp, i % 2 == 0 ? OTHER : APP);
            // Removals and re-insertions of neighbours shift slots around the key being read.
            index.remove("filler-" + (i % 5_000));
            index.put(key("filler-" + (i % 5_000), ApiKeys.generate(), null, null), APP);
        }
        done.set(true);
        reader.join();
        System.out.printf("%d lookups raced 100000 replacements in %d ms%n", reads[0], (System.nanoTime() - start) / 1_000_000);
        assertThat(torn.get()).isNull();
        assertThat(reads[0]).isPositive();
    }
}
