package io.gatehouse.gateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.ConfigSection;
import io.gatehouse.protocol.config.KeyGrant;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;

/**
 * The node's snapshot on disk in its compact form, {@code gatehouse-config/2}: what a node reads at every start, so
 * it is laid out to be read at the speed of the disk rather than parsed.
 *
 * <pre>
 *   "gatehouse-config/2\n"
 *   int n, n bytes: header JSON {version, hash, publishedAt}
 *   records, each opened by a tag byte:
 *     'O' an owner: application id, consumer id (int length + UTF-8, -1 for null); owners are numbered 0, 1, … in order
 *     'K' a key: int owner, id as a UUID (2 longs), SHA-256 (4 longs), expiry in epoch µs (Long.MAX_VALUE: none)
 *     'J' any other entry: section ordinal (byte), int n, n bytes of its canonical JSON (also any entry, key or not,
 *         holding fields a newer control plane sent that this release does not know: kept as received, see
 *         {@link NewerFields})
 *   trailer: 'E', long keys, long other entries, int CRC32C of every byte before it
 * </pre>
 *
 * A usual key (a UUID id, a hex SHA-256, no suspension, an expiry whole in µs) is 61 fixed bytes instead of a JSON
 * object; the few others are written as JSON records, as APIs, plans and subscriptions are. The trailer's counts size
 * the key index before the first key is read. Integrity: the CRC32C over the whole file is checked before anything
 * is read from it, so a file cut short or damaged on disk is refused as a whole. The content hash in the header is
 * the one the node verified when the configuration was installed (or the last delta's, for a compacted file):
 * recomputing it would mean writing a million keys out as JSON and hashing them at every start, which is what this
 * format exists to avoid. All numbers big-endian.
 */
final class SnapshotFile {
    static final String FORMAT = "gatehouse-config/2";
    private static final byte[] MAGIC = (FORMAT + "\n").getBytes(StandardCharsets.US_ASCII);
    private static final byte OWNER = 'O';
    private static final byte KEY = 'K';
    private static final byte ENTRY = 'J';
    private static final byte END = 'E';
    private static final int TRAILER = 1 + 8 + 8 + 4;
    private static final int KEY_RECORD = 1 + 4 + 16 + 32 + 8;
    static final long NO_EXPIRY = Long.MAX_VALUE;
    private static final ConfigSection[] SECTIONS = ConfigSection.values();

    private SnapshotFile() {
    }

    record Header(long version, String hash, Instant publishedAt, long keys, long others) {
    }

    /** What a file holds, handed out in file order. */
    interface Sink {
        /** A usual key; {@code hash} holds its SHA-256 as four longs and is reused for the next key. */
        void key(long[] hash, long idHi, long idLo, long expiresMicros, String applicationId, String consumerId);

        void entry(ConfigSection section, byte[] canonicalJson);
    }

    // ---- writing ----

    /** Writes one snapshot file; the caller forces and renames it. */
    static final class Writer {
        private final CRC32C crc = new CRC32C();
        private final DataOutputStream out;
        private final Map<Owner, Integer> owners = new HashMap<>();
        private long keys;
        private long others;

        private record Owner(String applicationId, String consumerId) {
        }

        Writer(FileChannel channel, long version, String hash, Instant publishedAt) throws IOException {
            OutputStream checked = new CheckedOutputStream(Channels.newOutputStream(channel), crc);
            this.out = new DataOutputStream(new BufferedOutputStream(checked, 1 << 16));
            out.write(MAGIC);
            Map<String, Object> header = new LinkedHashMap<>();
            header.put("version", version);
            header.put("hash", hash);
            header.put("publishedAt", publishedAt);
            byte[] json = Json.writeBytes(header);
            out.writeInt(json.length);
            out.write(json);
        }

        void write(ConfigSection section, Object entry) throws IOException {
            if (entry instanceof KeyGrant key && writeCompact(key)) {
                return;
            }
            entry(section, Json.writeBytes(entry));
        }

        void entry(ConfigSection section, byte[] canonicalJson) throws IOException {
            out.writeByte(ENTRY);
            out.writeByte(section.ordinal());
            out.writeInt(canonicalJson.length);
            out.write(canonicalJson);
            if (section == ConfigSection.KEYS) {
                keys++;
            } else {
                others++;
            }
        }

        void key(long[] hash, long idHi, long idLo, long expiresMicros, String applicationId, String consumerId) throws IOException {
            int owner = owner(applicationId, consumerId);
            out.writeByte(KEY);
            out.writeInt(owner);
            out.writeLong(idHi);
            out.writeLong(idLo);
            for (int i = 0; i < 4; i++) {
                out.writeLong(hash[i]);
            }
            out.writeLong(expiresMicros);
            keys++;
        }

        private final long[] scratch = new long[4];

        /** Writes a usual key in its fixed form; false for a key that must keep its JSON to come back exactly. */
        private boolean writeCompact(KeyGrant key) throws IOException {
            java.util.UUID id = canonicalUuid(key.id());
            if (id == null || key.applicationId() == null || key.suspension() != null || !hexSha256(key.keyHash(), scratch)) {
                return false;
            }
            long expires = NO_EXPIRY;
            if (key.expiresAt() != null) {
                expires = exactMicros(key.expiresAt());
                if (expires == NO_EXPIRY) {
                    return false;
                }
            }
            key(scratch, id.getMostSignificantBits(), id.getLeastSignificantBits(), expires, key.applicationId(), key.consumerId());
            return true;
        }

        private int owner(String applicationId, String consumerId) throws IOException {
            Owner owner = new Owner(applicationId, consumerId);
            Integer known = owners.get(owner);
            if (known != null) {
                return known;
            }
            int index = owners.size();
            owners.put(owner, index);
            out.writeByte(OWNER);
            writeString(applicationId);
            writeString(consumerId);
            return index;
        }

        private void writeString(String s) throws IOException {
            if (s == null) {
                out.writeInt(-1);
                return;
            }
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            out.writeInt(bytes.length);
            out.write(bytes);
        }

        /** Writes the trailer and flushes; the file is complete once the caller forces it. */
        void finish() throws IOException {
            out.writeByte(END);
            out.writeLong(keys);
            out.writeLong(others);
            out.flush();
            int sum = (int) crc.getValue();
            out.writeInt(sum);
            out.flush();
        }
    }

    // ---- reading ----

    /** Whether a file starts as this format does (a node upgraded from the JSON-lines copy has the other one). */
    static boolean isThisFormat(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer start = ByteBuffer.allocate(MAGIC.length);
            while (start.hasRemaining() && channel.read(start) >= 0) {
                // read on until the magic is in or the file ends
            }
            return !start.hasRemaining() && java.util.Arrays.equals(start.array(), MAGIC);
        }
    }

    /** The header and counts, after checking the whole file against its checksum. */
    static Header verify(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < MAGIC.length + 4 + TRAILER) {
                throw damaged(file, "too short (" + size + " bytes)");
            }
            ByteBuffer trailer = ByteBuffer.allocate(TRAILER);
            readFully(channel, trailer, size - TRAILER);
            trailer.flip();
            if (trailer.get() != END) {
                throw damaged(file, "no trailer (cut short?)");
            }
            long keys = trailer.getLong();
            long others = trailer.getLong();
            int expected = trailer.getInt();
            CRC32C crc = new CRC32C();
            ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
            long position = 0;
            long checked = size - 4;
            while (position < checked) {
                buffer.clear();
                buffer.limit((int) Math.min(buffer.capacity(), checked - position));
                int n = channel.read(buffer, position);
                if (n < 0) {
                    throw damaged(file, "ended while being read");
                }
                buffer.flip();
                crc.update(buffer);
                position += n;
            }
            if ((int) crc.getValue() != expected) {
                throw damaged(file, "its checksum does not match its content");
            }
            if (keys < 0 || others < 0) {
                throw damaged(file, "negative counts");
            }
            return header(file, new Input(channel, 1 << 12, size - TRAILER), keys, others);
        }
    }

    /**
     * Reads a whole file into the sink made for its header: checks it first ({@link #verify}), so a damaged file is
     * refused before any of it reaches the sink.
     */
    static Header read(Path file, java.util.function.Function<Header, Sink> sinkFor) throws IOException {
        Header header = verify(file);
        Sink sink = sinkFor.apply(header);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long end = channel.size() - TRAILER;
            Input in = new Input(channel, 1 << 20, end);
            header(file, in, header.keys, header.others);
            String[] ownerApps = new String[1024];
            String[] ownerConsumers = new String[1024];
            int owners = 0;
            long[] hash = new long[4];
            long keys = 0;
            long others = 0;
            while (in.position() < end) {
                in.need(1);
                byte tag = in.buffer.get();
                switch (tag) {
                    case OWNER -> {
                        if (owners == ownerApps.length) {
                            ownerApps = java.util.Arrays.copyOf(ownerApps, owners * 2);
                            ownerConsumers = java.util.Arrays.copyOf(ownerConsumers, owners * 2);
                        }
                        ownerApps[owners] = in.string();
                        ownerConsumers[owners] = in.string();
                        owners++;
                    }
                    case KEY -> {
                        in.need(KEY_RECORD - 1);
                        ByteBuffer b = in.buffer;
                        int owner = b.getInt();
                        long idHi = b.getLong();
                        long idLo = b.getLong();
                        hash[0] = b.getLong();
                        hash[1] = b.getLong();
                        hash[2] = b.getLong();
                        hash[3] = b.getLong();
                        long expires = b.getLong();
                        if (owner < 0 || owner >= owners || ownerApps[owner] == null) {
                            throw damaged(file, "a key names owner " + owner + " before it is defined");
                        }
                        sink.key(hash, idHi, idLo, expires, ownerApps[owner], ownerConsumers[owner]);
                        keys++;
                    }
                    case ENTRY -> {
                        in.need(5);
                        int section = in.buffer.get();
                        int length = in.buffer.getInt();
                        if (section < 0 || section >= SECTIONS.length) {
                            throw damaged(file, "unknown section " + section);
                        }
                        byte[] json = in.bytes(length);
                        sink.entry(SECTIONS[section], json);
                        if (SECTIONS[section] == ConfigSection.KEYS) {
                            keys++;
                        } else {
                            others++;
                        }
                    }
                    default -> throw damaged(file, "unknown record " + tag + " at byte " + (in.position() - 1));
                }
            }
            if (in.position() != end || keys != header.keys || others != header.others) {
                throw damaged(file, "its records do not add up to its trailer");
            }
            return header;
        }
    }

    private static Header header(Path file, Input in, long keys, long others) throws IOException {
        in.need(MAGIC.length + 4);
        byte[] magic = new byte[MAGIC.length];
        in.buffer.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new IOException(file + " is not a " + FORMAT + " snapshot");
        }
        int length = in.buffer.getInt();
        JsonNode header;
        try {
            header = Json.mapper().readTree(in.bytes(length));
        } catch (IOException | RuntimeException e) {
            throw damaged(file, "unreadable header (" + e.getMessage() + ")");
        }
        String hash = header.path("hash").asText(null);
        if (!header.path("version").canConvertToLong() || hash == null || hash.length() != 64) {
            throw damaged(file, "its header has no version or content hash");
        }
        Instant publishedAt = header.hasNonNull("publishedAt") ? Instant.parse(header.get("publishedAt").asText()) : Instant.EPOCH;
        return new Header(header.get("version").asLong(), hash, publishedAt, keys, others);
    }

    /** A read window over a file channel: records are small, so a window holds several thousand of them. */
    private static final class Input {
        final FileChannel channel;
        final ByteBuffer buffer;
        final long end;
        long filePosition;

        Input(FileChannel channel, int capacity, long end) {
            this.channel = channel;
            this.buffer = ByteBuffer.allocate(capacity);
            this.buffer.limit(0);
            this.end = end;
        }

        long position() {
            return filePosition - buffer.remaining();
        }

        /** Makes {@code n} bytes readable, or fails if the records run past the trailer. */
        void need(int n) throws IOException {
            if (buffer.remaining() >= n) {
                return;
            }
            if (n < 0 || position() + n > end) {
                throw new IOException("a record runs past the end of the snapshot");
            }
            buffer.compact();
            while (buffer.position() < n) {
                int read = channel.read(buffer, filePosition);
                if (read < 0) {
                    throw new IOException("the snapshot ended inside a record");
                }
                filePosition += read;
            }
            buffer.flip();
        }

        byte[] bytes(int length) throws IOException {
            if (length < 0 || position() + length > end) {
                throw new IOException("a record runs past the end of the snapshot");
            }
            byte[] out = new byte[length];
            int copied = Math.min(length, buffer.remaining());
            buffer.get(out, 0, copied);
            while (copied < length) {
                need(Math.min(buffer.capacity(), length - copied));
                int n = Math.min(length - copied, buffer.remaining());
                buffer.get(out, copied, n);
                copied += n;
            }
            return out;
        }

        String string() throws IOException {
            need(4);
            int length = buffer.getInt();
            return length < 0 ? null : new String(bytes(length), StandardCharsets.UTF_8);
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer into, long position) throws IOException {
        while (into.hasRemaining()) {
            int n = channel.read(into, position);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            position += n;
        }
    }

    private static IOException damaged(Path file, String why) {
        return new IOException("snapshot " + file + " is damaged: " + why);
    }

    // ---- what makes a key usual ----

    /** The UUID an id spells in its canonical lowercase form (so that it prints back the same), or null. */
    static java.util.UUID canonicalUuid(String id) {
        if (id == null || id.length() != 36) {
            return null;
        }
        for (int i = 0; i < 36; i++) {
            char c = id.charAt(i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return null;
            }
        }
        return java.util.UUID.fromString(id);
    }

    /**
     * Parses 64 lowercase hex digits into four longs; false for anything else. Uppercase is refused although it would
     * parse: the key index prints a hash back in lowercase, and a compact key must come back exactly as it was sent.
     */
    static boolean hexSha256(String hex, long[] into) {
        if (hex == null || hex.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = hex.charAt(i);
            if (!HexFormat.isHexDigit(c) || Character.isUpperCase(c)) {
                return false;
            }
        }
        for (int l = 0; l < 4; l++) {
            into[l] = HexFormat.fromHexDigitsToLong(hex, l * 16, l * 16 + 16);
        }
        return true;
    }

    /** An instant as epoch µs if it is exactly that and not the "no expiry" mark; otherwise {@link #NO_EXPIRY}. */
    static long exactMicros(Instant instant) {
        try {
            long micros = Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
            return instant.getNano() % 1_000 == 0 && micros != NO_EXPIRY ? micros : NO_EXPIRY;
        } catch (ArithmeticException e) {
            return NO_EXPIRY;
        }
    }

    static Instant ofMicros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1_000L);
    }
}
