package io.gatehouse.audit.spool;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * An append-only queue on local disk between a gateway node and Kafka: what is appended survives a SIGKILL and a
 * restart, and leaves only when the consumer of the spool acknowledges it.
 *
 * <p>Layout: a directory of segment files {@code seg-<first sequence number>.log}, each a run of entries
 * {@code int32 length ‖ int32 CRC-32C ‖ int64 appended-at millis ‖ payload} (the CRC covers the time and the
 * payload), plus a {@code cursor} file holding the sequence number of the first unacknowledged entry. On open, every
 * segment is scanned and cut at its first entry whose length or CRC is wrong: a write torn by a crash is dropped,
 * never misread. The cursor is written without fsync: after a crash it can only be behind, so an entry may be sent
 * twice (the store is idempotent by request id) but never skipped.
 *
 * <p>Durability: {@link #append} writes a batch and fsyncs it once ({@code FileChannel.force}) before returning.
 * A process crash loses nothing already appended; an operating-system crash loses at most the batch being written.
 *
 * <p>Bound: when the spool holds more than {@code maxBytes}, whole segments are dropped oldest first, and the
 * unacknowledged entries in them are counted in {@link #dropped()}: the gateway keeps serving rather than stopping
 * on a full disk. The active segment is never dropped.
 *
 * <p>One thread appends; another reads and acknowledges. Methods synchronise on the spool; neither is an event loop.
 */
public final class Spool implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);
    private static final int HEADER = 16;
    private static final int MAX_ENTRY = 16 * 1024 * 1024;

    /** One spooled entry and its sequence number (acknowledge {@code seq + 1} to let it go). */
    public record Entry(long seq, long appendedAtMillis, byte[] payload) {
    }

    private static final class Segment {
        final long base;
        final Path path;
        long count;
        long bytes;

        Segment(long base, Path path) {
            this.base = base;
            this.path = path;
        }

        long end() {
            return base + count;
        }
    }

    private final Path dir;
    private final long maxBytes;
    private final long segmentBytes;
    private final TreeMap<Long, Segment> segments = new TreeMap<>();
    private final Path cursorFile;
    private FileChannel active;
    private long nextSeq;
    private long ackedSeq;
    private long totalBytes;
    private long dropped;

    private long readSeq;
    private Segment readSegment;
    private FileChannel readChannel;
    private long readOffset;

    public Spool(Path dir, long maxBytes, long segmentBytes) throws IOException {
        if (segmentBytes <= 0 || maxBytes < segmentBytes) {
            throw new IllegalArgumentException("spool needs 0 < segment size <= max size");
        }
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.segmentBytes = segmentBytes;
        this.cursorFile = dir.resolve("cursor");
        Files.createDirectories(dir);
        recover();
    }

    private void recover() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (name.startsWith("seg-") && name.endsWith(".log")) {
                    long base = Long.parseLong(name.substring(4, name.length() - 4));
                    segments.put(base, new Segment(base, file));
                }
            }
        }
        for (Segment segment : segments.values()) {
            scan(segment);
            totalBytes += segment.bytes;
        }
        nextSeq = segments.isEmpty() ? 0 : segments.lastEntry().getValue().end();
        ackedSeq = Math.min(readCursor(), nextSeq);
        if (!segments.isEmpty() && ackedSeq < segments.firstKey()) {
            ackedSeq = segments.firstKey();
        }
        readSeq = ackedSeq;
        deleteAcknowledged();
        if (segments.isEmpty()) {
            openSegment(nextSeq);
        } else {
            active = FileChannel.open(segments.lastEntry().getValue().path, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        }
    }

    /** Counts a segment's whole entries and cuts off a torn or damaged tail. */
    private void scan(Segment segment) throws IOException {
        try (FileChannel channel = FileChannel.open(segment.path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = channel.size();
            long offset = 0;
            long count = 0;
            ByteBuffer header = ByteBuffer.allocate(HEADER);
            while (offset < size) {
                header.clear();
                if (size - offset < HEADER || channel.read(header, offset) < HEADER) {
                    break;
                }
                header.flip();
                int length = header.getInt();
                int crc = header.getInt();
                long at = header.getLong();
                if (length < 0 || length > MAX_ENTRY || offset + HEADER + length > size) {
                    break;
                }
                ByteBuffer payload = ByteBuffer.allocate(length);
                channel.read(payload, offset + HEADER);
                if (crc(at, payload.array()) != crc) {
                    break;
                }
                offset += HEADER + length;
                count++;
            }
            if (offset < size) {
                LOG.warn("spool segment {}: {} damaged bytes after {} entries cut off (a write torn by a crash)",
                        segment.path.getFileName(), size - offset, count);
                channel.truncate(offset);
                channel.force(true);
            }
            segment.count = count;
            segment.bytes = offset;
        }
    }

    private long readCursor() {
        try {
            if (!Files.exists(cursorFile)) {
                return 0;
            }
            ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(cursorFile));
            long seq = in.getLong();
            int crc = in.getInt();
            return crc(seq, new byte[0]) == crc ? seq : 0;
        } catch (IOException | RuntimeException e) {
            LOG.warn("spool cursor unreadable ({}): resending from the oldest entry", e.toString());
            return 0;
        }
    }

    private void writeCursor() throws IOException {
        Path tmp = dir.resolve("cursor.tmp");
        ByteBuffer out = ByteBuffer.allocate(12).putLong(ackedSeq).putInt(crc(ackedSeq, new byte[0]));
        Files.write(tmp, out.array());
        Files.move(tmp, cursorFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private void openSegment(long base) throws IOException {
        if (active != null) {
            active.close();
        }
        Path path = dir.resolve(String.format("seg-%020d.log", base));
        active = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        segments.put(base, new Segment(base, path));
    }

    private static int crc(long at, byte[] payload) {
        CRC32C crc = new CRC32C();
        ByteBuffer time = ByteBuffer.allocate(8).putLong(at).flip();
        crc.update(time);
        crc.update(payload);
        return (int) crc.getValue();
    }

    /**
     * Entries laid out end to end in one buffer, headers included, by the one thread that appends: a writer builds
     * each payload in place ({@link #begin}, write into {@link #array()}, {@link #end}), and {@link #append(Entries)}
     * stamps the headers and writes the buffer as it is. Reused from one append to the next: nothing is allocated per
     * entry, and no payload is copied on its way to the file.
     */
    public static final class Entries {
        private byte[] buffer;
        private int position;
        private int[] ends = new int[256];
        private int count;
        private int open = -1;
        private final CRC32C crc = new CRC32C();

        public Entries(int initialBytes) {
            buffer = new byte[Math.max(HEADER, initialBytes)];
        }

        /** Starts an entry whose payload will take at most {@code maxPayload} bytes; returns where the payload starts. */
        public int begin(int maxPayload) {
            if (open >= 0) {
                throw new IllegalStateException("an entry is already open");
            }
            if (maxPayload < 0 || maxPayload > MAX_ENTRY) {
                throw new IllegalArgumentException("spool entry of " + maxPayload + " bytes");
            }
            ensure(HEADER + maxPayload);
            open = position;
            position += HEADER;
            return position;
        }

        /** Ends the open entry: its payload is what lies between {@link #begin}'s answer and {@code payloadEnd}. */
        public void end(int payloadEnd) {
            if (open < 0 || payloadEnd < open + HEADER || payloadEnd > buffer.length || payloadEnd - open - HEADER > MAX_ENTRY) {
                throw new IllegalStateException("no open entry ending at " + payloadEnd);
            }
            if (count == ends.length) {
                ends = java.util.Arrays.copyOf(ends, count * 2);
            }
            ends[count++] = payloadEnd;
            position = payloadEnd;
            open = -1;
        }

        /** An entry holding {@code payload}. */
        public void add(byte[] payload) {
            int at = begin(payload.length);
            System.arraycopy(payload, 0, buffer, at, payload.length);
            end(at + payload.length);
        }

        /** The buffer entries are written into; valid until the next {@link #begin} (which may replace it). */
        public byte[] array() {
            return buffer;
        }

        public int count() {
            return count;
        }

        public void clear() {
            position = 0;
            count = 0;
            open = -1;
        }

        private void ensure(int more) {
            if (buffer.length - position < more) {
                buffer = java.util.Arrays.copyOf(buffer, Math.max(buffer.length * 2, position + more));
            }
        }

        /** Fills every header: length, CRC-32C over the time and the payload (which lie side by side), time. */
        private void stamp(long now) {
            int start = 0;
            for (int i = 0; i < count; i++) {
                int end = ends[i];
                putInt(buffer, start, end - start - HEADER);
                putLong(buffer, start + 8, now);
                crc.reset();
                crc.update(buffer, start + 8, end - start - 8);
                putInt(buffer, start + 4, (int) crc.getValue());
                start = end;
            }
        }

        private static void putInt(byte[] out, int at, int v) {
            out[at] = (byte) (v >>> 24);
            out[at + 1] = (byte) (v >>> 16);
            out[at + 2] = (byte) (v >>> 8);
            out[at + 3] = (byte) v;
        }

        private static void putLong(byte[] out, int at, long v) {
            putInt(out, at, (int) (v >>> 32));
            putInt(out, at + 4, (int) v);
        }
    }

    /** Appends a batch and fsyncs it once. Returns when the batch is on disk. */
    public void append(List<byte[]> payloads) throws IOException {
        if (payloads.isEmpty()) {
            return;
        }
        int bytes = 0;
        for (byte[] payload : payloads) {
            if (payload.length > MAX_ENTRY) {
                throw new IllegalArgumentException("spool entry of " + payload.length + " bytes");
            }
            bytes += HEADER + payload.length;
        }
        Entries entries = new Entries(bytes);
        for (byte[] payload : payloads) {
            entries.add(payload);
        }
        append(entries);
    }

    /**
     * Appends the entries and fsyncs them once; returns when they are on disk, and clears them for reuse. The file
     * gets the buffer as it is: one write per segment it lands in, not one per entry.
     */
    public void append(Entries entries) throws IOException {
        if (entries.open >= 0) {
            throw new IllegalStateException("an entry is still open");
        }
        if (entries.count == 0) {
            return;
        }
        // Headers and CRCs are the appending thread's work; the lock only covers the file and the counts.
        entries.stamp(System.currentTimeMillis());
        FileChannel written;
        synchronized (this) {
            int from = 0;
            int start = 0;
            // Looked up once, and again only after a rotation: lastEntry() makes an entry object per call.
            Segment segment = segments.lastEntry().getValue();
            for (int i = 0; i < entries.count; i++) {
                if (segment.bytes >= segmentBytes) {
                    writeAll(entries.buffer, from, start);
                    from = start;
                    active.force(false);
                    openSegment(nextSeq);
                    segment = segments.lastEntry().getValue();
                }
                int size = entries.ends[i] - start;
                segment.count++;
                segment.bytes += size;
                totalBytes += size;
                nextSeq++;
                start = entries.ends[i];
            }
            writeAll(entries.buffer, from, start);
            enforceBound();
            written = active;
        }
        entries.clear();
        // Outside the lock: the reader need not wait for the disk. Only this thread rotates or closes `active`.
        written.force(false);
    }

    private void writeAll(byte[] buffer, int from, int to) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(buffer, from, to - from);
        while (bytes.hasRemaining()) {
            active.write(bytes);
        }
    }

    private void enforceBound() throws IOException {
        // Delivered segments go first: only then is anything unsent worth dropping.
        deleteAcknowledged();
        while (totalBytes > maxBytes && segments.size() > 1) {
            Segment oldest = segments.pollFirstEntry().getValue();
            long unsent = Math.max(0, oldest.end() - Math.max(ackedSeq, oldest.base));
            dropped += unsent;
            totalBytes -= oldest.bytes;
            if (readSegment == oldest) {
                closeReader();
            }
            Files.deleteIfExists(oldest.path);
            long firstKept = segments.firstKey();
            if (ackedSeq < firstKept) {
                ackedSeq = firstKept;
                writeCursor();
            }
            if (readSeq < firstKept) {
                readSeq = firstKept;
                closeReader();
            }
            LOG.warn("spool full ({} bytes over {}): dropped the oldest segment with {} unsent entries", totalBytes, maxBytes, unsent);
        }
    }

    /**
     * Up to {@code max} entries after the last one handed out, without acknowledging them. After a failed delivery,
     * {@link #rewind()} hands the unacknowledged ones out again.
     */
    public synchronized List<Entry> read(int max) throws IOException {
        List<Entry> out = new ArrayList<>(Math.min(max, 256));
        while (out.size() < max && readSeq < nextSeq) {
            if (readSegment == null || readSeq >= readSegment.end()) {
                if (!seekReader(readSeq)) {
                    break;
                }
                continue;
            }
            ByteBuffer header = ByteBuffer.allocate(HEADER);
            readChannel.read(header, readOffset);
            header.flip();
            int length = header.getInt();
            header.getInt();
            long at = header.getLong();
            ByteBuffer payload = ByteBuffer.allocate(length);
            while (payload.hasRemaining()) {
                if (readChannel.read(payload, readOffset + HEADER + payload.position()) < 0) {
                    throw new IOException("spool segment " + readSegment.path + " shorter than its entries");
                }
            }
            out.add(new Entry(readSeq, at, payload.array()));
            readOffset += HEADER + length;
            readSeq++;
        }
        return out;
    }

    /** Positions the reader at {@code seq}, or at the first entry after it when segments were dropped. */
    private boolean seekReader(long seq) throws IOException {
        closeReader();
        Map.Entry<Long, Segment> floor = segments.floorEntry(seq);
        Segment segment = floor == null || seq >= floor.getValue().end() ? null : floor.getValue();
        if (segment == null) {
            Map.Entry<Long, Segment> higher = segments.higherEntry(seq);
            if (higher == null || higher.getValue().count == 0) {
                return false;
            }
            segment = higher.getValue();
            seq = segment.base;
        }
        readChannel = FileChannel.open(segment.path, StandardOpenOption.READ);
        readSegment = segment;
        readOffset = 0;
        ByteBuffer header = ByteBuffer.allocate(4);
        for (long skip = seq - segment.base; skip > 0; skip--) {
            header.clear();
            readChannel.read(header, readOffset);
            readOffset += HEADER + header.flip().getInt();
        }
        readSeq = seq;
        return true;
    }

    private void closeReader() throws IOException {
        if (readChannel != null) {
            readChannel.close();
        }
        readChannel = null;
        readSegment = null;
    }

    /** Everything before {@code nextUnacknowledged} has been delivered: it may go. */
    public synchronized void acknowledge(long nextUnacknowledged) throws IOException {
        if (nextUnacknowledged <= ackedSeq) {
            return;
        }
        ackedSeq = Math.min(nextUnacknowledged, nextSeq);
        writeCursor();
        deleteAcknowledged();
    }

    /** Hands out again everything not acknowledged (after a failed delivery). */
    public synchronized void rewind() throws IOException {
        readSeq = ackedSeq;
        closeReader();
    }

    private void deleteAcknowledged() throws IOException {
        while (segments.size() > 1 && segments.firstEntry().getValue().end() <= ackedSeq) {
            Segment done = segments.pollFirstEntry().getValue();
            if (readSegment == done) {
                closeReader();
            }
            totalBytes -= done.bytes;
            Files.deleteIfExists(done.path);
        }
    }

    /** Entries appended and not yet acknowledged. */
    public synchronized long depth() {
        return nextSeq - ackedSeq;
    }

    public synchronized long bytes() {
        return totalBytes;
    }

    /** Unsent entries dropped because the spool was full, since this spool was opened. */
    public synchronized long dropped() {
        return dropped;
    }

    /** Age in milliseconds of the oldest unacknowledged entry, 0 when there is none. */
    public synchronized long oldestAgeMillis() throws IOException {
        if (ackedSeq >= nextSeq) {
            return 0;
        }
        Map.Entry<Long, Segment> floor = segments.floorEntry(ackedSeq);
        if (floor == null) {
            return 0;
        }
        Segment segment = floor.getValue();
        try (FileChannel channel = FileChannel.open(segment.path, StandardOpenOption.READ)) {
            long offset = 0;
            ByteBuffer header = ByteBuffer.allocate(HEADER);
            for (long seq = segment.base; ; seq++) {
                header.clear();
                channel.read(header, offset);
                header.flip();
                int length = header.getInt();
                header.getInt();
                long at = header.getLong();
                if (seq == ackedSeq) {
                    return Math.max(0, System.currentTimeMillis() - at);
                }
                offset += HEADER + length;
            }
        }
    }

    @Override
    public synchronized void close() throws IOException {
        closeReader();
        if (active != null) {
            active.force(false);
            active.close();
            active = null;
        }
    }
}
