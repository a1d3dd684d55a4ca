package io.gatehouse.management.billing;

import io.smallrye.mutiny.Uni;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

class OverageMeterStepsTest {

    @Test
    void fiftyThousandSubscriptionsAreMeteredOneAfterTheOtherWithoutOverflowingTheStack() {
        // Steps that complete at once are the deepest case: a chain of Unis built in a loop overflowed at about 10,000.
        List<Integer> subscriptions = IntStream.range(0, 50_000).boxed().toList();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        int added = OverageMeter.sumInTurn(subscriptions, s -> {
            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
            running.decrementAndGet();
            return Uni.createFrom().item(s % 3 == 0 ? 1 : 0);
        }).await().atMost(Duration.ofSeconds(30));
        assertEquals(16_667, added);
        assertEquals(1, mostAtOnce.get(), "one step at a time");
    }

    @Test
    void stepsThatAnswerLaterAreSummedInOrder() {
        List<Integer> subscriptions = IntStream.range(0, 500).boxed().toList();
        StringBuilder order = new StringBuilder();
        int added = OverageMeter.sumInTurn(subscriptions, s -> Uni.createFrom().item(1)
                .onItem().delayIt().by(Duration.ofMillis(1 + s % 2))
                .invoke(() -> order.append(s).append(',')))
                .await().atMost(Duration.ofSeconds(60));
        assertEquals(500, added);
        assertEquals(IntStream.range(0, 500).mapToObj(i -> i + ",").reduce("", String::concat), order.toString());
    }
}
