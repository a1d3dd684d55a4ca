package io.gatehouse.gateway.auth;

import io.gatehouse.protocol.config.KeyGrant;

import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Consumer;

/**
 * Every API key the node accepts, in a compact form: a million keys cost tens of megabytes, not the hundreds that a
 * map of hex strings to records would.
 *
 * <p>Entries sit densely in pages of primitive arrays: the key's SHA-256 as four longs, its id as two longs (a UUID;
 * other ids are kept as text on the side), its expiry in epoch microseconds, and a reference to the {@link Credential}
 * its application's keys share (or, for the rare key that needs more, a small object holding it). Two open-addressing tables of ints (linear probing, backward-shift deletion, no
 * tombstones) find an entry by key hash (the request path) and by key id (deltas remove keys by id). Pages never
 * move, so adding keys never copies the entries; only the probe tables are rehashed when they pass their load bound,
 * which is rare and amortised.
 *
 * <p>Concurrency: one writer (the config thread), any number of readers (the event loops), no reader ever waits on a
 * lock. Each change of one key (insert, replace, delete with its backward shift and the move that keeps the pages
 * dense) runs inside a write stamp of a {@link StampedLock}; readers take an optimistic stamp, read, and validate it,
 * retrying if a change ran meanwhile. This is a seqlock: {@code validate} orders the reads before it (an acquire
 * fence), so a reader whose stamp is still valid read nothing written by a change that started after it took the
 * stamp, and none of a change that was under way (a write-locked stamp is never handed out). Reads that raced with a
 * change may see garbage, so the probe loop bounds every index it reads and is limited to the table size; the result
 * is only used once validated. A request may therefore see a delta applied key by key, never one key half written.
 * The writer holds the stamp only for one key's change (a few dozen stores), so a reader retries at most a few
 * times; only a config thread preempted inside that section makes readers spin until it runs again.
 */
public final class KeyIndex {
    private static final HexFormat HEX = HexFormat.of();
    /** longs per entry: hash (4), id (2), expiry (1). */
    private static final int STRIDE = 7;
    private static final int PAGE_SHIFT = 12;
    private static final int PAGE = 1 << PAGE_SHIFT;
    private static final int PAGE_MASK = PAGE - 1;
    /** An expiry of "never". An instant that lands exactly here keeps its exact value on the side instead. */
    private static final long NEVER = Long.MAX_VALUE;
    private static final double MAX_LOAD = 0.8;

    private final StampedLock stamp = new StampedLock();
    private long[][] data = new long[0][];
    /** Per entry its {@link Credential}, or for the few keys that need more, a {@link Rare} that holds it: one reference either way. */
    private Object[][] owners = new Object[0][];
    /** Entry index + 1 per slot; 0 is an empty slot. */
    private int[] byHash;
    private int[] byId;
    private int size;

    /**
     * What few keys need beyond the dense longs: an id that is not a canonical UUID, an expiry finer than a
     * microsecond, a suspension. Null for the usual key, so it costs one reference.
     */
    record Rare(Credential credential, String textId, Instant exactExpiry, String suspension) {
        static Object of(Credential credential, String textId, Instant exactExpiry, String suspension) {
            return textId == null && exactExpiry == null && suspension == null ? credential : new Rare(credential, textId, exactExpiry, suspension);
        }
    }

    /** Where a lookup puts what it found: one per event loop, reused for every request. */
    public static final class Found {
        Credential credential;
        long expiresAtMicros;
        String suspension;

        public Credential credential() {
            return credential;
        }

        /** Whether the key has expired at {@code nowMillis}. */
        public boolean expiredAt(long nowMillis) {
            return expiresAtMicros != NEVER && nowMillis * 1_000 >= expiresAtMicros;
        }

        /** Why the key's consumer is suspended; null if the key may be used. */
        public String suspension() {
            return suspension;
        }
    }

    public KeyIndex() {
        this(16);
    }

    /** An index sized for {@code expectedKeys} without a rehash. */
    public KeyIndex(int expectedKeys) {
        int capacity = capacityFor(Math.max(16, expectedKeys));
        byHash = new int[capacity];
        byId = new int[capacity];
    }

    public int size() {
        return size;
    }

    // ---- the request path ----

    /**
     * Looks up a key by its SHA-256 digest (32 bytes). Lock-free and allocation-free: what was found goes into
     * {@code into}. Returns false for an unknown key.
     */
    public boolean lookup(byte[] sha256, Found into) {
        long h0 = longAt(sha256, 0);
        long h1 = longAt(sha256, 8);
        long h2 = longAt(sha256, 16);
        long h3 = longAt(sha256, 24);
        while (true) {
            long s = stamp.tryOptimisticRead();
            if (s == 0) {
                Thread.onSpinWait(); // a change of one key is under way: it takes nanoseconds
                continue;
            }
            boolean found = false;
            Credential credential = null;
            long expires = 0;
            String suspension = null;
            int[] table = byHash;
            long[][] pages = data;
            int capacity = table.length;
            int i = home(h0, capacity);
            for (int probes = 0; probes < capacity; probes++) {
                int slot = table[i];
                if (slot == 0) {
                    break;
                }
                int e = slot - 1;
                int p = e >>> PAGE_SHIFT;
                if (p >= pages.length || pages[p] == null) {
                    break; // read while the index changed: validation fails below
                }
                long[] page = pages[p];
                int o = (e & PAGE_MASK) * STRIDE;
                if (page[o] == h0 && page[o + 1] == h1 && page[o + 2] == h2 && page[o + 3] == h3) {
                    Object[][] ownerPages = owners;
                    if (p < ownerPages.length && ownerPages[p] != null) {
                        Object owner = ownerPages[p][e & PAGE_MASK];
                        if (owner instanceof Rare rare) {
                            credential = rare.credential;
                            suspension = rare.suspension;
                        } else {
                            credential = (Credential) owner;
                        }
                        expires = page[o + 6];
                        found = credential != null;
                    }
                    break;
                }
                if (++i == capacity) {
                    i = 0;
                }
            }
            if (stamp.validate(s)) {
                if (found) {
                    into.credential = credential;
                    into.expiresAtMicros = expires;
                    into.suspension = suspension;
                }
                return found;
            }
        }
    }

    /** The credential of a key given as its hex SHA-256, or null. Allocates: for tests and tools, not requests. */
    public Credential lookup(String keyHashHex) {
        Found found = new Found();
        return lookup(HEX.parseHex(keyHashHex), found) ? found.credential : null;
    }

    // ---- the config thread ----

    /** The key with this id as the control plane sent it, or null. */
    public KeyGrant byId(String id) {
        int e = findById(id);
        return e < 0 ? null : grant(e);
    }

    /** The id of the key with this hash (lowercase hex), or null. */
    public String idOfHash(String keyHashHex) {
        byte[] h = HEX.parseHex(keyHashHex);
        int e = findByHash(longAt(h, 0), longAt(h, 8), longAt(h, 16), longAt(h, 24));
        return e < 0 ? null : idOf(e);
    }

    /**
     * Adds a key, or replaces the key with the same id. The caller has checked the hash (64 lowercase hex digits) and
     * that no other key has it.
     */
    public void put(KeyGrant key, Credential credential) {
        store(key, credential, false);
    }

    /** What {@link #addNew} found in the way. */
    public enum Conflict { NONE, SAME_ID, SAME_HASH }

    /**
     * Adds a key of a configuration being built, unless its id or hash is already there: one parse and two probes,
     * what loading a million keys needs.
     */
    public Conflict addNew(KeyGrant key, Credential credential) {
        return store(key, credential, true);
    }

    private Conflict store(KeyGrant key, Credential credential, boolean onlyNew) {
        byte[] h = HEX.parseHex(key.keyHash());
        long h0 = longAt(h, 0);
        long h1 = longAt(h, 8);
        long h2 = longAt(h, 16);
        long h3 = longAt(h, 24);
        long idHi;
        long idLo;
        String textId = null;
        java.util.UUID uuid = canonicalUuid(key.id());
        if (uuid != null) {
            idHi = uuid.getMostSignificantBits();
            idLo = uuid.getLeastSignificantBits();
        } else {
            textId = key.id();
            idHi = 0;
            idLo = textId.hashCode();
        }
        long expires = NEVER;
        Instant exact = null;
        if (key.expiresAt() != null) {
            expires = micros(key.expiresAt());
            if (expires == NEVER || !Instant.ofEpochSecond(Math.floorDiv(expires, 1_000_000), Math.floorMod(expires, 1_000_000) * 1_000L).equals(key.expiresAt())) {
                exact = key.expiresAt();
                if (expires == NEVER) {
                    expires = NEVER - 1;
                }
            }
        }
        Object rare = Rare.of(credential, textId, exact, key.suspension());
        return store(h0, h1, h2, h3, idHi, idLo, uuid != null, textId, expires, rare, credential, onlyNew);
    }

    /**
     * Adds a usual key (a UUID id, no suspension, an expiry in epoch µs or {@code Long.MAX_VALUE} for none) of a
     * configuration being built, from the parts the node's disk copy keeps: no hex or UUID text to parse.
     */
    public Conflict addNew(long h0, long h1, long h2, long h3, long idHi, long idLo, long expiresMicros, Credential credential) {
        return store(h0, h1, h2, h3, idHi, idLo, true, null, expiresMicros, credential, credential, true);
    }

    private Conflict store(long h0, long h1, long h2, long h3, long idHi, long idLo, boolean isUuid, String textId, long expires,
                           Object rare, Credential credential, boolean onlyNew) {
        int existing = findById(idHi, idLo, isUuid, textId);
        if (onlyNew) {
            if (existing >= 0) {
                return Conflict.SAME_ID;
            }
            if (findByHash(h0, h1, h2, h3) >= 0) {
                return Conflict.SAME_HASH;
            }
        }
        if (existing >= 0) {
            Credential previous = owner(existing);
            long w = stamp.writeLock();
            try {
                removeSlot(byHash, existing, hashHome(existing));
                write(existing, h0, h1, h2, h3, idHi, idLo, expires, rare);
                insertSlot(byHash, home(h0, byHash.length), existing);
            } finally {
                stamp.unlockWrite(w);
            }
            credential.keys++;
            release(previous);
            return Conflict.NONE;
        }
        if ((size + 1) > byHash.length * MAX_LOAD) {
            grow();
        }
        int e = size;
        long w = stamp.writeLock();
        try {
            ensurePage(e >>> PAGE_SHIFT);
            write(e, h0, h1, h2, h3, idHi, idLo, expires, rare);
            insertSlot(byHash, home(h0, byHash.length), e);
            insertSlot(byId, home(mix(idHi ^ idLo), byId.length), e);
            size = e + 1;
        } finally {
            stamp.unlockWrite(w);
        }
        credential.keys++;
        return Conflict.NONE;
    }

    /** Removes the key with this id; returns whether there was one. */
    public boolean remove(String id) {
        int e = findById(id);
        if (e < 0) {
            return false;
        }
        Credential previous = owner(e);
        int last = size - 1;
        long w = stamp.writeLock();
        try {
            removeSlot(byHash, e, hashHome(e));
            removeSlot(byId, e, idHome(e));
            if (e != last) {
                // Keep the pages dense: the last entry moves into the hole and its two slots follow it.
                int lastHashSlot = slotOf(byHash, last, hashHome(last));
                int lastIdSlot = slotOf(byId, last, idHome(last));
                long[] from = data[last >>> PAGE_SHIFT];
                int fo = (last & PAGE_MASK) * STRIDE;
                write(e, from[fo], from[fo + 1], from[fo + 2], from[fo + 3], from[fo + 4], from[fo + 5], from[fo + 6],
                        owners[last >>> PAGE_SHIFT][last & PAGE_MASK]);
                byHash[lastHashSlot] = e + 1;
                byId[lastIdSlot] = e + 1;
            }
            write(last, 0, 0, 0, 0, 0, 0, 0, null);
            size = last;
        } finally {
            stamp.unlockWrite(w);
        }
        release(previous);
        return true;
    }

    /** Every key as the control plane sent it, in no particular order. Config thread only. */
    public void forEach(Consumer<KeyGrant> action) {
        for (int e = 0; e < size; e++) {
            action.accept(grant(e));
        }
    }

    /** The credential a key points to, by id; null if there is no such key. Config thread only. */
    Credential credentialOf(String id) {
        int e = findById(id);
        return e < 0 ? null : owner(e);
    }

    private Credential owner(int e) {
        Object owner = owners[e >>> PAGE_SHIFT][e & PAGE_MASK];
        return owner instanceof Rare rare ? rare.credential : (Credential) owner;
    }

    private Rare rare(int e) {
        return owners[e >>> PAGE_SHIFT][e & PAGE_MASK] instanceof Rare rare ? rare : null;
    }

    /** The key at entry {@code e}, rebuilt exactly (its canonical JSON, and so its entry hash, is what was sent). */
    KeyGrant grant(int e) {
        long[] page = data[e >>> PAGE_SHIFT];
        int o = (e & PAGE_MASK) * STRIDE;
        byte[] h = new byte[32];
        putLong(h, 0, page[o]);
        putLong(h, 8, page[o + 1]);
        putLong(h, 16, page[o + 2]);
        putLong(h, 24, page[o + 3]);
        Rare rare = rare(e);
        Credential owner = owner(e);
        long expires = page[o + 6];
        Instant expiresAt = rare != null && rare.exactExpiry != null ? rare.exactExpiry
                : expires == NEVER ? null : Instant.ofEpochSecond(Math.floorDiv(expires, 1_000_000), Math.floorMod(expires, 1_000_000) * 1_000L);
        return new KeyGrant(idOf(e), HEX.formatHex(h), owner.applicationId(), owner.consumerId(), expiresAt,
                rare == null ? null : rare.suspension);
    }

    private String idOf(int e) {
        Rare rare = rare(e);
        if (rare != null && rare.textId != null) {
            return rare.textId;
        }
        long[] page = data[e >>> PAGE_SHIFT];
        int o = (e & PAGE_MASK) * STRIDE;
        return new java.util.UUID(page[o + 4], page[o + 5]).toString();
    }

    private int findById(String id) {
        java.util.UUID uuid = canonicalUuid(id);
        return uuid != null ? findById(uuid.getMostSignificantBits(), uuid.getLeastSignificantBits(), true, null)
                : findById(0, id.hashCode(), false, id);
    }

    private int findById(long hi, long lo, boolean isUuid, String id) {
        int capacity = byId.length;
        int i = home(mix(hi ^ lo), capacity);
        for (int probes = 0; probes < capacity; probes++) {
            int slot = byId[i];
            if (slot == 0) {
                return -1;
            }
            int e = slot - 1;
            long[] page = data[e >>> PAGE_SHIFT];
            int o = (e & PAGE_MASK) * STRIDE;
            if (page[o + 4] == hi && page[o + 5] == lo) {
                Rare rare = rare(e);
                String text = rare == null ? null : rare.textId;
                if (isUuid ? text == null : id.equals(text)) {
                    return e;
                }
            }
            if (++i == capacity) {
                i = 0;
            }
        }
        return -1;
    }

    private int findByHash(long h0, long h1, long h2, long h3) {
        int capacity = byHash.length;
        int i = home(h0, capacity);
        for (int probes = 0; probes < capacity; probes++) {
            int slot = byHash[i];
            if (slot == 0) {
                return -1;
            }
            int e = slot - 1;
            long[] page = data[e >>> PAGE_SHIFT];
            int o = (e & PAGE_MASK) * STRIDE;
            if (page[o] == h0 && page[o + 1] == h1 && page[o + 2] == h2 && page[o + 3] == h3) {
                return e;
            }
            if (++i == capacity) {
                i = 0;
            }
        }
        return -1;
    }

    private void release(Credential previous) {
        previous.keys--;
        if (previous.keys == 0) {
            previous.application().dropIfUnused(previous);
        }
    }

    private int hashHome(int e) {
        return home(data[e >>> PAGE_SHIFT][(e & PAGE_MASK) * STRIDE], byHash.length);
    }

    private int idHome(int e) {
        long[] page = data[e >>> PAGE_SHIFT];
        int o = (e & PAGE_MASK) * STRIDE;
        return home(mix(page[o + 4] ^ page[o + 5]), byId.length);
    }

    private void write(int e, long h0, long h1, long h2, long h3, long idHi, long idLo, long expires, Object owner) {
        long[] page = data[e >>> PAGE_SHIFT];
        int o = (e & PAGE_MASK) * STRIDE;
        page[o] = h0;
        page[o + 1] = h1;
        page[o + 2] = h2;
        page[o + 3] = h3;
        page[o + 4] = idHi;
        page[o + 5] = idLo;
        page[o + 6] = expires;
        owners[e >>> PAGE_SHIFT][e & PAGE_MASK] = owner;
    }

    private void ensurePage(int p) {
        if (p < data.length && data[p] != null) {
            return;
        }
        if (p >= data.length) {
            // The page directory is a few hundred references for a million keys: copying it is cheap.
            int n = Math.max(p + 1, data.length * 2);
            data = java.util.Arrays.copyOf(data, n);
            owners = java.util.Arrays.copyOf(owners, n);
        }
        data[p] = new long[PAGE * STRIDE];
        owners[p] = new Object[PAGE];
    }

    /** Rehashes both probe tables into larger ones; the entries themselves stay where they are. */
    private void grow() {
        int capacity = capacityFor(Math.max(size * 3 / 2, 16));
        int[] hashes = new int[capacity];
        int[] ids = new int[capacity];
        for (int e = 0; e < size; e++) {
            long[] page = data[e >>> PAGE_SHIFT];
            int o = (e & PAGE_MASK) * STRIDE;
            insertSlot(hashes, home(page[o], capacity), e);
            insertSlot(ids, home(mix(page[o + 4] ^ page[o + 5]), capacity), e);
        }
        long w = stamp.writeLock();
        try {
            byHash = hashes;
            byId = ids;
        } finally {
            stamp.unlockWrite(w);
        }
    }

    private static void insertSlot(int[] table, int home, int e) {
        int capacity = table.length;
        int i = home;
        while (table[i] != 0) {
            if (++i == capacity) {
                i = 0;
            }
        }
        table[i] = e + 1;
    }

    private static int slotOf(int[] table, int e, int home) {
        int capacity = table.length;
        int i = home;
        while (table[i] != e + 1) {
            if (++i == capacity) {
                i = 0;
            }
        }
        return i;
    }

    /**
     * Empties entry {@code e}'s slot and shifts the following run back over it, so that every entry stays reachable
     * from its home slot without a tombstone (Knuth's algorithm R for linear probing).
     */
    private void removeSlot(int[] table, int e, int home) {
        int capacity = table.length;
        int hole = slotOf(table, e, home);
        int i = hole;
        while (true) {
            if (++i == capacity) {
                i = 0;
            }
            int slot = table[i];
            if (slot == 0) {
                break;
            }
            int entryHome = table == byHash ? hashHome(slot - 1) : idHome(slot - 1);
            // The entry at i may fill the hole if its home is not cyclically within (hole, i].
            int distanceToHole = Math.floorMod(i - hole, capacity);
            int distanceFromHome = Math.floorMod(i - entryHome, capacity);
            if (distanceFromHome >= distanceToHole) {
                table[hole] = slot;
                hole = i;
            }
        }
        table[hole] = 0;
    }

    private static int capacityFor(int keys) {
        return (int) Math.min(Integer.MAX_VALUE - 8, (long) Math.ceil(keys / 0.7));
    }

    /** Maps a well-spread 64-bit value onto [0, capacity) without division (Lemire's multiply-shift). */
    private static int home(long spread, int capacity) {
        return (int) (((spread >>> 32) * capacity) >>> 32);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static long micros(Instant instant) {
        try {
            return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
        } catch (ArithmeticException e) {
            return instant.getEpochSecond() < 0 ? Long.MIN_VALUE : NEVER;
        }
    }

    /** The UUID an id spells, if it is one in its canonical lowercase form (so that it prints back the same). */
    static java.util.UUID canonicalUuid(String id) {
        if (id == null || id.length() != 36 || id.charAt(8) != '-' || id.charAt(13) != '-' || id.charAt(18) != '-' || id.charAt(23) != '-') {
            return null;
        }
        for (int i = 0; i < 36; i++) {
            char c = id.charAt(i);
            if (!(c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return null;
            }
        }
        java.util.UUID uuid = java.util.UUID.fromString(id);
        return uuid.toString().equals(id) ? uuid : null;
    }

    static long longAt(byte[] bytes, int offset) {
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = (value << 8) | (bytes[offset + i] & 0xFF);
        }
        return value;
    }

    private static void putLong(byte[] bytes, int offset, long value) {
        for (int i = 7; i >= 0; i--) {
            bytes[offset + i] = (byte) value;
            value >>>= 8;
        }
    }
}
