package io.gatehouse.management.sync;

import io.smallrye.mutiny.Uni;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

class PartStreamTest {
    static final int PARTS = 40;
    final ExecutorService database = Executors.newSingleThreadExecutor();
    final ExecutorService socket = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        database.shutdownNow();
        socket.shutdownNow();
    }

    /** A part of about a megabyte, read on another thread as the database client would. */
    Uni<PartStream.Part> read(int sequence) {
        return Uni.createFrom().item(() -> new PartStream.Part(String.valueOf((char) ('a' + sequence % 26)).repeat(1 << 20), sequence == PARTS - 1))
                .runSubscriptionOn(database);
    }

    @Test
    void partsAlreadySentAreNotKeptWhileTheRestIsSent() throws Exception {
        List<WeakReference<String>> sent = new ArrayList<>();
        List<Boolean> earlierPartsReleased = new ArrayList<>();
        int parts = PartStream.run(this::read, text -> Uni.createFrom().item(() -> {
                    sent.add(new WeakReference<>(text));
                    if (sent.size() == PARTS / 2) {
                        // Halfway: the first parts must be garbage by now, however long the stream still runs.
                        earlierPartsReleased.add(released(sent.subList(0, 5)));
                    }
                    return (Void) null;
                }).runSubscriptionOn(socket))
                .await().atMost(java.time.Duration.ofSeconds(60));

        assertThat(parts).isEqualTo(PARTS);
        assertThat(sent).hasSize(PARTS);
        assertThat(earlierPartsReleased).containsExactly(true);
    }

    @Test
    void aFailedReadEndsTheStreamWithItsFailure() {
        Uni<Integer> stream = PartStream.run(sequence -> sequence == 3 ? Uni.createFrom().failure(new IllegalStateException("cursor closed"))
                : read(sequence), text -> Uni.createFrom().voidItem());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> stream.await().atMost(java.time.Duration.ofSeconds(10)))
                .hasMessageContaining("cursor closed");
    }

    /** Whether a few collections free every part; false if any stays reachable. */
    private static boolean released(List<WeakReference<String>> parts) {
        for (int attempt = 0; attempt < 10; attempt++) {
            System.gc();
            if (parts.stream().allMatch(p -> p.get() == null)) {
                return true;
            }
        }
        return false;
    }
}
