package io.gatehouse.management.sync;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Sends a sequence of parts one at a time: each is read only once the previous one is written, and nothing of a
 * part sent is kept. A chain of {@code read.chain(send.chain(next...))} built recursively would keep every level's
 * part reachable until the last one is sent — a whole million-key snapshot held in the control plane's heap.
 */
final class PartStream {
    /** A part to send, and whether it is the last. */
    record Part(String text, boolean last) {
    }

    private PartStream() {
    }

    /** Reads part 0, 1, 2... and sends each, until the last; the number of parts sent. */
    static Uni<Integer> run(IntFunction<Uni<Part>> read, Function<String, Uni<Void>> send) {
        return Uni.createFrom().emitter(done -> step(0, read, send, done));
    }

    private static void step(int sequence, IntFunction<Uni<Part>> read, Function<String, Uni<Void>> send, UniEmitter<? super Integer> done) {
        read.apply(sequence)
                .chain(part -> send.apply(part.text()).replaceWith(part.last()))
                .subscribe().with(last -> {
                    if (last) {
                        done.complete(sequence + 1);
                    } else {
                        step(sequence + 1, read, send, done);
                    }
                }, done::fail);
    }
}
