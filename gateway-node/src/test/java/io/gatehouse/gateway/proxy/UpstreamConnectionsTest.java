package io.gatehouse.gateway.proxy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How an upstream's Keep-Alive header is read when deciding how long a connection may be lent again. */
class UpstreamConnectionsTest {

    @Test
    void keepAliveTimeoutIsReadInAnyCaseAndPosition() {
        assertThat(UpstreamConnections.keepAliveTimeout("timeout=5")).isEqualTo(5);
        assertThat(UpstreamConnections.keepAliveTimeout("max=100, Timeout=15")).isEqualTo(15);
        assertThat(UpstreamConnections.keepAliveTimeout("timeout=0")).isZero();
    }

    @Test
    void aKeepAliveHeaderWithoutATimeoutChangesNothing() {
        assertThat(UpstreamConnections.keepAliveTimeout("max=100")).isEqualTo(-1);
        assertThat(UpstreamConnections.keepAliveTimeout("timeout=")).isEqualTo(-1);
        assertThat(UpstreamConnections.keepAliveTimeout("timeout=abc")).isEqualTo(-1);
        // Nine digits at most: a huge value cannot overflow into a negative time.
        assertThat(UpstreamConnections.keepAliveTimeout("timeout=99999999999999999999")).isEqualTo(999_999_999L);
    }
}
