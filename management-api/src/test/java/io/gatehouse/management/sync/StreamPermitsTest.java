package io.gatehouse.management.sync;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.UniEmitter;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StreamPermitsTest {

    /** A stream that runs until the test ends it. */
    static final class Stream {
        final AtomicReference<UniEmitter<? super String>> emitter = new AtomicReference<>();
        final List<String> outcome = new ArrayList<>();

        Uni<String> uni() {
            return Uni.createFrom().<String>emitter(e -> emitter.set(e));
        }

        boolean started() {
            return emitter.get() != null;
        }
    }

    @Test
    void streamsBeyondTheLimitWaitAndStartInTheOrderTheyAskedAsOthersEnd() {
        StreamPermits permits = new StreamPermits(2);
        List<Stream> streams = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Stream stream = new Stream();
            streams.add(stream);
            permits.run(stream::uni).subscribe().with(stream.outcome::add, failure -> stream.outcome.add("failed: " + failure.getMessage()));
        }
        assertThat(streams).extracting(Stream::started).containsExactly(true, true, false, false, false);
        assertThat(permits.waiting()).isEqualTo(3);

        streams.get(1).emitter.get().complete("done");
        assertThat(streams).extracting(Stream::started).containsExactly(true, true, true, false, false);

        // A stream that fails frees its permit as well.
        streams.get(0).emitter.get().fail(new IllegalStateException("node went away"));
        assertThat(streams.get(0).outcome).containsExactly("failed: node went away");
        assertThat(streams).extracting(Stream::started).containsExactly(true, true, true, true, false);

        streams.get(2).emitter.get().complete("done");
        streams.get(3).emitter.get().complete("done");
        streams.get(4).emitter.get().complete("done");
        assertThat(permits.inUse()).isZero();
        assertThat(permits.waiting()).isZero();
        assertThat(permits.peak()).isEqualTo(2);
    }

    @Test
    void aStreamGivenUpWhileWaitingNeverTakesAPermit() {
        StreamPermits permits = new StreamPermits(1);
        Stream first = new Stream();
        permits.run(first::uni).subscribe().with(first.outcome::add);
        Stream abandoned = new Stream();
        Cancellable cancel = permits.run(abandoned::uni).subscribe().with(abandoned.outcome::add);
        Stream third = new Stream();
        permits.run(third::uni).subscribe().with(third.outcome::add);

        cancel.cancel();
        first.emitter.get().complete("done");

        assertThat(abandoned.started()).isFalse();
        assertThat(third.started()).isTrue();
        third.emitter.get().complete("done");
        assertThat(permits.inUse()).isZero();
    }

    @Test
    void aLimitBelowOneIsRefused() {
        assertThatThrownBy(() -> new StreamPermits(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
