package io.gatehouse.gateway.routing;

import io.gatehouse.protocol.config.ApiOperation;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OperationTableTest {
    static final OperationTable ORDERS = OperationTable.compile(List.of(
            new ApiOperation("GET", "/orders"),
            new ApiOperation("POST", "/orders"),
            new ApiOperation("GET", "/orders/{id}"),
            new ApiOperation("DELETE", "/orders/{orderId}"),
            new ApiOperation("GET", "/orders/summary"),
            new ApiOperation("GET", "/orders/{id}/items/{item}"),
            new ApiOperation("PUT", "/orders/export/items/{item}"),
            new ApiOperation("GET", "/files/{name}.json"),
            new ApiOperation("GET", "/")));

    static String allowed(String path) {
        OperationTable.Node node = ORDERS.find(path, 0);
        return node == null ? null : node.allow();
    }

    @Test
    void literalSegmentsWinOverTemplatesAndTemplatesTakeAnyOneSegment() {
        assertThat(allowed("/orders")).isEqualTo("GET, HEAD, POST");
        assertThat(allowed("/orders/summary")).isEqualTo("GET, HEAD");
        assertThat(allowed("/orders/42")).as("templates of one position share a node whatever their names").isEqualTo("GET, HEAD, DELETE");
        assertThat(allowed("/orders/42/items/7")).isEqualTo("GET, HEAD");
        assertThat(allowed("/files/report.json")).isEqualTo("GET, HEAD");
        assertThat(allowed("/")).isEqualTo("GET, HEAD");
    }

    @Test
    void aLiteralBranchThatLeadsNowhereFallsBackToTheTemplate() {
        // "export" is a literal child of /orders, but only /orders/export/items/{item} hangs below it.
        assertThat(allowed("/orders/export")).isEqualTo("GET, HEAD, DELETE");
        assertThat(allowed("/orders/export/items/1")).as("HEAD follows GET only").isEqualTo("PUT");
    }

    @Test
    void undocumentedPathsFindNothing() {
        assertThat(ORDERS.find("/orders/42/cancel", 0)).isNull();
        assertThat(ORDERS.find("/orders/", 0)).as("an empty segment is no value for a template").isNull();
        assertThat(ORDERS.find("/orders-archive", 0)).isNull();
        assertThat(ORDERS.find("/files/report.xml", 0)).isNull();
        assertThat(ORDERS.find("/files/.json", 0)).isNull();
        assertThat(ORDERS.find("/Orders", 0)).as("paths are case-sensitive").isNull();
    }

    @Test
    void methodsAreCheckedAndHeadFollowsGet() {
        OperationTable.Node order = ORDERS.find("/orders/1", 0);
        assertThat(order.allows(HttpMethod.GET)).isTrue();
        assertThat(order.allows(HttpMethod.HEAD)).isTrue();
        assertThat(order.allows(HttpMethod.DELETE)).isTrue();
        assertThat(order.allows(HttpMethod.PUT)).isFalse();
        assertThat(order.allows(HttpMethod.valueOf("PURGE"))).isFalse();
    }

    @Test
    void thePathIsReadFromTheEndOfTheBasePath() {
        String path = "/shop/orders/9";
        assertThat(ORDERS.find(path, "/shop".length()).allow()).isEqualTo("GET, HEAD, DELETE");
        assertThat(ORDERS.find("/shop", "/shop".length()).allow()).as("the base path itself is /").isEqualTo("GET, HEAD");
    }

    @Test
    void noOperationsMeansPassThroughAndBadTemplatesAreRefusedAtCompile() {
        assertThat(OperationTable.compile(null)).isNull();
        assertThat(OperationTable.compile(List.of())).isNull();
        assertThatThrownBy(() -> OperationTable.compile(List.of(new ApiOperation("GET", "/a/{b")))).hasMessageContaining("/a/{b");
        assertThatThrownBy(() -> OperationTable.compile(List.of(new ApiOperation("FETCH", "/a")))).hasMessageContaining("not an HTTP method");
        assertThatThrownBy(() -> OperationTable.compile(List.of(new ApiOperation("GET", "a")))).hasMessageContaining("start with '/'");
    }

    @Test
    void aLargeTableMatchesQuickly() {
        List<ApiOperation> many = new java.util.ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            many.add(new ApiOperation("GET", "/resource" + i + "/{id}/children/{child}"));
        }
        OperationTable table = OperationTable.compile(many);
        String[] paths = new String[2_000];
        for (int i = 0; i < paths.length; i++) {
            paths[i] = "/resource" + i + "/abc/children/def";
        }
        long started = System.nanoTime();
        int found = 0;
        for (int i = 0; i < 200_000; i++) {
            if (table.find(paths[i % paths.length], 0) != null) {
                found++;
            }
        }
        long ms = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("200000 matches against 2000 operations: %d ms%n", ms);
        assertThat(found).isEqualTo(200_000);
        assertThat(table.find("/resource2000/abc/children/def", 0)).isNull();
        assertThat(table.find("/resource7/abc/children", 0)).isNull();
    }
}
