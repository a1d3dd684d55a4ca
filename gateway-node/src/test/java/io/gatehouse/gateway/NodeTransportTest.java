package io.gatehouse.gateway;

import io.vertx.core.transport.Transport;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NodeTransportTest {
    /** A stand-in for a transport the host does or does not offer, with the reason it gives. */
    record Offered(String name, boolean available, Throwable unavailabilityCause) implements Transport {
        static Offered yes(String name) {
            return new Offered(name, true, null);
        }

        static Offered no(String name, String why) {
            return new Offered(name, false, new UnsupportedOperationException(why));
        }

        @Override
        public io.vertx.core.spi.transport.Transport implementation() {
            throw new UnsupportedOperationException("not started in this test");
        }
    }

    static Function<NodeTransport, Transport> host(Transport ioUring, Transport epoll) {
        return transport -> switch (transport) {
            case IO_URING -> ioUring;
            case EPOLL -> epoll;
            default -> Offered.yes("nio");
        };
    }

    @Test
    void autoTakesIoUringWhenTheHostOffersIt() {
        NodeTransport.Choice choice = NodeTransport.AUTO.choose(host(Offered.yes("io_uring"), Offered.yes("epoll")));
        assertThat(choice.transport()).isEqualTo(NodeTransport.IO_URING);
        assertThat(choice.vertx().name()).isEqualTo("io_uring");
        assertThat(choice.passedOver()).isNull();
    }

    @Test
    void autoFallsBackToEpollThenNioAndSaysWhy() {
        NodeTransport.Choice epoll = NodeTransport.AUTO.choose(host(Offered.no("io_uring", "io_uring_setup: Operation not permitted"),
                Offered.yes("epoll")));
        assertThat(epoll.transport()).isEqualTo(NodeTransport.EPOLL);
        assertThat(epoll.passedOver()).isEqualTo("io_uring: io_uring_setup: Operation not permitted");

        NodeTransport.Choice nio = NodeTransport.AUTO.choose(host(null, Offered.no("epoll", "no native library")));
        assertThat(nio.transport()).isEqualTo(NodeTransport.NIO);
        assertThat(nio.vertx().name()).isEqualTo("nio");
        assertThat(nio.passedOver()).isEqualTo("io_uring: not on this platform; epoll: no native library");
    }

    @Test
    void aTransportNamedInTheSettingsThatTheHostLacksStopsTheStartWithTheReason() {
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> NodeTransport.IO_URING.choose(
                host(Offered.no("io_uring", "kernel.io_uring_disabled is 2"), Offered.yes("epoll"))));
        assertThat(refused.getMessage()).contains("GATEHOUSE_TRANSPORT").contains("io_uring").contains("kernel.io_uring_disabled is 2");

        NodeTransport.Choice epoll = NodeTransport.EPOLL.choose(host(Offered.yes("io_uring"), Offered.yes("epoll")));
        assertThat(epoll.transport()).isEqualTo(NodeTransport.EPOLL);
        assertThat(epoll.passedOver()).isNull();
    }

    @Test
    void theSettingIsParsedAndAnUnknownValueIsRefusedWithTheChoices() {
        Path data = Path.of("unused");
        assertThat(TestSupport.settings(data, Map.of()).transport()).isEqualTo(NodeTransport.AUTO);
        assertThat(TestSupport.settings(data, Map.of("gatehouse.transport", "IO_URING")).transport()).isEqualTo(NodeTransport.IO_URING);
        assertThat(TestSupport.settings(data, Map.of("gatehouse.transport", " nio ")).transport()).isEqualTo(NodeTransport.NIO);
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> TestSupport.settings(data, Map.of("gatehouse.transport", "uring")));
        assertThat(refused.getMessage()).contains("GATEHOUSE_TRANSPORT").contains("auto, io_uring, epoll or nio").contains("'uring'");
    }
}
