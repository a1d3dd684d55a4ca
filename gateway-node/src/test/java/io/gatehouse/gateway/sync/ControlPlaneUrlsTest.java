package io.gatehouse.gateway.sync;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How an operator names the control plane instances a node may dial. */
class ControlPlaneUrlsTest {

    @Test
    void severalInstancesAreListedCommaSeparatedInTheOrderTheyAreDialled() {
        assertThat(ControlPlaneClient.controlPlaneUrls(" http://cp-a:8001 , https://cp-b.example/gatehouse/,,"))
                .containsExactly("http://cp-a:8001", "https://cp-b.example/gatehouse/");
        assertThat(ControlPlaneClient.controlPlaneUrls("http://cp:8001")).containsExactly("http://cp:8001");
    }

    @Test
    void eachInstanceGetsItsOwnChannelAddress() {
        assertThat(ControlPlaneClient.channelUrl("http://cp-a:8001")).isEqualTo("ws://cp-a:8001/nodes/connect");
        assertThat(ControlPlaneClient.channelUrl("https://cp-b.example/gatehouse/")).isEqualTo("wss://cp-b.example/gatehouse/nodes/connect");
    }
}
