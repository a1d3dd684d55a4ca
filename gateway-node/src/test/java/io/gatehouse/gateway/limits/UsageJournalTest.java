package io.gatehouse.gateway.limits;

import io.gatehouse.gateway.TestSupport;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.sync.NodeMessage;
import io.gatehouse.protocol.usage.UsageRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The node's usage spool, against a recording control plane link: reports outlive the process until acknowledged. */
class UsageJournalTest {
    @TempDir
    Path dataDir;
    final SubscriptionGrant subscription = TestSupport.subscription("app-1", "api-1");

    /** The control plane as the journal sees it: connected, and keeping what it is sent. */
    static final class RecordingLink implements ControlPlaneLink {
        final List<NodeMessage.UsageReport> sent = new CopyOnWriteArrayList<>();

        @Override
        public boolean connected() {
            return true;
        }

        @Override
        public void send(NodeMessage message) {
            if (message instanceof NodeMessage.UsageReport report) {
                sent.add(report);
            }
        }

        /** Each report once, by sequence (a report may be sent more than once). */
        Map<Long, NodeMessage.UsageReport> bySequence() {
            Map<Long, NodeMessage.UsageReport> reports = new TreeMap<>();
            sent.forEach(r -> reports.put(r.sequence(), r));
            return reports;
        }

        long admitted() {
            return bySequence().values().stream().flatMap(r -> r.records().stream()).mapToLong(UsageRecord::admitted).sum();
        }
    }

    @Test
    void reportsTheControlPlaneDidNotAcknowledgeAreSentAgainAfterARestartUnderTheirOwnIds() {
        Limits limits = new Limits();
        SubscriptionLimits account = limits.of(subscription, TestSupport.GOLD, "consumer-1", System.currentTimeMillis());
        RecordingLink beforeRestart = new RecordingLink();
        UsageJournal first = UsageJournal.open(limits, dataDir, 10, 50).start(beforeRestart);
        count(account, 7, 2);
        await("the first counts reported", () -> beforeRestart.admitted() == 7);
        NodeMessage.UsageReport acknowledged = beforeRestart.sent.get(0);
        first.acknowledged(acknowledged.batchId());
        count(account, 5, 0);
        await("the later counts reported", () -> beforeRestart.admitted() == 12);
        first.close();
        Map<Long, NodeMessage.UsageReport> sent = beforeRestart.bySequence();
        assertThat(sent).hasSizeGreaterThan(1);
        assertThat(sent.values()).allMatch(r -> r.batchId() != null && r.sequence() != null);

        // A new process on the same data directory: counters start empty, the spool does not.
        RecordingLink afterRestart = new RecordingLink();
        UsageJournal second = UsageJournal.open(new Limits(), dataDir, 10, 50);
        assertThat(second.replayedReports()).isEqualTo(sent.size() - 1);
        second.start(afterRestart);
        await("every unacknowledged report sent again", () -> afterRestart.bySequence().size() == sent.size() - 1);
        Map<Long, NodeMessage.UsageReport> resent = afterRestart.bySequence();
        assertThat(resent).doesNotContainKey(acknowledged.sequence());
        for (NodeMessage.UsageReport report : resent.values()) {
            NodeMessage.UsageReport original = sent.get(report.sequence());
            assertThat(original).as("report %d was sent before the restart", report.sequence()).isNotNull();
            assertThat(report.batchId()).isEqualTo(original.batchId());
            assertThat(report.records()).containsExactlyInAnyOrderElementsOf(original.records());
        }
        assertThat(afterRestart.admitted() + acknowledged.records().stream().mapToLong(UsageRecord::admitted).sum()).isEqualTo(12);

        resent.values().forEach(r -> second.acknowledged(r.batchId()));
        await("the spool to be empty once all is acknowledged", () -> second.spoolDepth() == 0 && second.pendingReports() == 0);
        second.close();

        UsageJournal third = UsageJournal.open(new Limits(), dataDir, 10, 50);
        assertThat(third.replayedReports()).as("acknowledged reports are never sent again").isZero();
        third.close();
    }

    @Test
    void reportNumbersKeepGrowingAcrossRestartsAndALostDataDirectory(@TempDir Path otherDir) {
        Limits limits = new Limits();
        SubscriptionLimits account = limits.of(subscription, TestSupport.GOLD, "consumer-1", System.currentTimeMillis());
        RecordingLink link = new RecordingLink();
        UsageJournal first = UsageJournal.open(limits, dataDir, 10, 30).start(link);
        count(account, 1, 0);
        await("a report", () -> link.admitted() == 1);
        first.close();
        long highest = link.bySequence().keySet().stream().mapToLong(Long::longValue).max().orElseThrow();

        // Same node id, a fresh data directory: its reports must not reuse an id the control plane has applied.
        RecordingLink fresh = new RecordingLink();
        UsageJournal wiped = UsageJournal.open(limits, otherDir, 10, 30).start(fresh);
        count(account, 1, 0);
        await("a report from the fresh directory", () -> fresh.admitted() == 1);
        wiped.close();
        assertThat(fresh.bySequence().keySet()).allMatch(sequence -> sequence > highest);
    }

    @Test
    void aDataDirectoryServesOneGatewayNodeAtATime() {
        UsageJournal first = UsageJournal.open(new Limits(), dataDir, 10, 50);
        try {
            assertThatThrownBy(() -> UsageJournal.open(new Limits(), dataDir, 10, 50))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("in use by another gateway node");
        } finally {
            first.close();
        }
        UsageJournal.open(new Limits(), dataDir, 10, 50).close();
    }

    private static void count(SubscriptionLimits account, int admitted, int refused) {
        long now = System.currentTimeMillis();
        for (int i = 0; i < admitted; i++) {
            account.admitted(now, 200);
        }
        for (int i = 0; i < refused; i++) {
            account.refused(now, 429);
        }
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("within 10 s: " + what).isLessThan(deadline);
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
