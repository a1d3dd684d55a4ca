package io.gatehouse.audit.spool;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class SpoolTest {
    @TempDir
    Path dir;

    private static List<byte[]> entries(int from, int to) {
        List<byte[]> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(("entry-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    private static List<String> texts(List<Spool.Entry> entries) {
        return entries.stream().map(e -> new String(e.payload(), StandardCharsets.UTF_8)).toList();
    }

    @Test
    void entriesLeaveOnlyWhenAcknowledgedAndSurviveAReopen() throws Exception {
        try (Spool spool = new Spool(dir, 1 << 20, 256)) {
            spool.append(entries(0, 50));
            List<Spool.Entry> first = spool.read(20);
            assertThat(texts(first)).first().isEqualTo("entry-0");
            assertThat(first).hasSize(20);
            spool.acknowledge(first.get(19).seq() + 1);
            List<Spool.Entry> more = spool.read(10);
            assertThat(texts(more)).first().isEqualTo("entry-20");
            // delivery of these failed: not acknowledged
            assertThat(spool.depth()).isEqualTo(30);
        }
        try (Spool reopened = new Spool(dir, 1 << 20, 256)) {
            assertThat(reopened.depth()).isEqualTo(30);
            List<Spool.Entry> rest = reopened.read(100);
            assertThat(texts(rest)).containsExactlyElementsOf(texts50(20, 50));
            reopened.acknowledge(rest.get(rest.size() - 1).seq() + 1);
            assertThat(reopened.depth()).isZero();
            reopened.append(entries(50, 52));
            assertThat(texts(reopened.read(10))).containsExactly("entry-50", "entry-51");
        }
        // acknowledged segments are gone from disk (only the active one stays)
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.filter(p -> p.getFileName().toString().startsWith("seg-")).count()).isEqualTo(1);
        }
    }

    private static List<String> texts50(int from, int to) {
        return entries(from, to).stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
    }

    @Test
    void aRewindHandsOutUnacknowledgedEntriesAgain() throws Exception {
        try (Spool spool = new Spool(dir, 1 << 20, 128)) {
            spool.append(entries(0, 10));
            spool.read(5);
            spool.acknowledge(2);
            spool.rewind();
            assertThat(texts(spool.read(3))).containsExactly("entry-2", "entry-3", "entry-4");
        }
    }

    @Test
    void aTornTailIsCutOffAndEverythingBeforeItKept() throws Exception {
        try (Spool spool = new Spool(dir, 1 << 20, 1 << 20)) {
            spool.append(entries(0, 10));
        }
        Path segment;
        try (Stream<Path> files = Files.list(dir)) {
            segment = files.filter(p -> p.getFileName().toString().startsWith("seg-")).findFirst().orElseThrow();
        }
        long size = Files.size(segment);
        // A crash in the middle of the last entry: half of it reached the disk.
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            channel.truncate(size - 5);
        }
        try (Spool reopened = new Spool(dir, 1 << 20, 1 << 20)) {
            assertThat(texts(reopened.read(100))).containsExactlyElementsOf(texts50(0, 9));
            reopened.append(entries(100, 101));
            assertThat(texts(reopened.read(100))).containsExactly("entry-100");
        }
    }

    @Test
    void aDamagedEntryIsNeverHandedOut() throws Exception {
        try (Spool spool = new Spool(dir, 1 << 20, 1 << 20)) {
            spool.append(entries(0, 5));
        }
        Path segment;
        try (Stream<Path> files = Files.list(dir)) {
            segment = files.filter(p -> p.getFileName().toString().startsWith("seg-")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(segment);
        bytes[bytes.length - 2] ^= 0x40; // a flipped bit in the last entry's payload
        Files.write(segment, bytes);
        try (Spool reopened = new Spool(dir, 1 << 20, 1 << 20)) {
            assertThat(texts(reopened.read(100))).containsExactlyElementsOf(texts50(0, 4));
        }
    }

    @Test
    void aFullSpoolDropsTheOldestUnsentEntriesAndCountsThem() throws Exception {
        // Each entry is 16 + 8..9 bytes; segments of ~10 entries; the bound holds about three segments.
        try (Spool spool = new Spool(dir, 800, 240)) {
            for (int i = 0; i < 100; i += 10) {
                spool.append(entries(i, i + 10));
            }
            assertThat(spool.bytes()).isLessThanOrEqualTo(800);
            assertThat(spool.dropped()).isPositive();
            List<Spool.Entry> left = spool.read(1000);
            assertThat(spool.dropped() + left.size()).isEqualTo(100);
            assertThat(texts(left)).last().isEqualTo("entry-99");
            // what is left is the newest, in order, with nothing in between missing
            int firstLeft = Integer.parseInt(texts(left).get(0).substring(6));
            assertThat(texts(left)).containsExactlyElementsOf(texts50(firstLeft, 100));
        }
    }

    @Test
    void deliveredSegmentsMakeRoomBeforeAnythingUnsentIsDropped() throws Exception {
        // 23-byte entries, so the first segment holds exactly entries 0..8 (207 bytes).
        try (Spool spool = new Spool(dir, 800, 200)) {
            spool.append(entries(0, 9));
            List<Spool.Entry> sent = spool.read(9);
            spool.acknowledge(sent.get(8).seq() + 1);
            spool.append(entries(10, 40));
            assertThat(spool.dropped()).isZero();
            assertThat(spool.read(100)).hasSize(30);
        }
    }

    @Test
    void theAgeOfTheOldestUnsentEntryIsReported() throws IOException {
        try (Spool spool = new Spool(dir, 1 << 20, 1 << 20)) {
            assertThat(spool.oldestAgeMillis()).isZero();
            spool.append(entries(0, 3));
            assertThat(spool.oldestAgeMillis()).isBetween(0L, 60_000L);
        }
    }

    @Test
    void entriesBuiltInPlaceAreReadBackAsWrittenAndSurviveAReopen() throws Exception {
        Spool.Entries entries = new Spool.Entries(16);
        for (int i = 0; i < 300; i++) {
            byte[] text = ("entry-" + i).getBytes(StandardCharsets.UTF_8);
            if (i % 2 == 0) {
                entries.add(text);
            } else {
                // Room set aside generously, then only part of it used, as a writer that sizes before it encodes.
                int at = entries.begin(text.length + 50);
                System.arraycopy(text, 0, entries.array(), at, text.length);
                entries.end(at + text.length);
            }
        }
        try (Spool spool = new Spool(dir, 1 << 20, 1_000)) {
            spool.append(entries);
            assertThat(spool.depth()).isEqualTo(300);
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.filter(p -> p.getFileName().toString().startsWith("seg-")).count())
                        .as("segments of about 1,000 bytes").isGreaterThan(3);
            }
            // Reused after the append: the next entries start afresh.
            entries.add("entry-300".getBytes(StandardCharsets.UTF_8));
            spool.append(entries);
        }
        try (Spool reopened = new Spool(dir, 1 << 20, 1_000)) {
            // Every length and CRC holds, so recovery cuts nothing.
            assertThat(reopened.depth()).isEqualTo(301);
            assertThat(texts(reopened.read(1_000))).containsExactlyElementsOf(texts50(0, 301));
        }
    }
}
