package io.gatehouse.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * deploy/grafana/gatehouse.json charts only metrics docs/operations.md lists (the names the gateway and the control
 * plane export), and every listed metric has a chart: an operator importing the dashboard finds each name in the docs.
 */
class GrafanaDashboardTest {
    static final Pattern METRIC = Pattern.compile("\\bgatehouse_[a-z0-9_]+");
    /** A name followed by a label matcher: a metric selector, whatever its prefix. */
    static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*\\{");
    static final Pattern LISTED = Pattern.compile("^\\| `(gatehouse_[a-z0-9_]+)` \\| (counter|gauge|histogram) \\|");

    @Test
    void theDashboardChartsOnlyMetricsOperationsMdListsAndEachOfThem() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DeployFiles.root().resolve("deploy/grafana/gatehouse.json").toFile());
        Map<String, String> listed = listedMetrics();
        assertThat(listed).as("metrics docs/operations.md lists").hasSizeGreaterThan(10);

        List<String> queries = new ArrayList<>();
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : panels(dashboard.path("panels"))) {
            assertThat(ids.add(panel.path("id").asInt())).as("panel id %s is unique", panel.path("id")).isTrue();
            assertThat(panel.path("title").asText()).as("panel %s has a title", panel.path("id")).isNotBlank();
            assertThat(panel.path("gridPos").path("w").asInt()).as("panel %s has a place", panel.path("title")).isPositive();
            if (panel.path("type").asText().equals("row")) {
                continue;
            }
            assertThat(panel.path("targets").size()).as("panel %s queries something", panel.path("title")).isPositive();
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                assertThat(expr).as("panel %s: a target without a query", panel.path("title")).isNotBlank();
                assertThat(target.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
                queries.add(expr);
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            JsonNode query = variable.path("query");
            if (variable.path("type").asText().equals("query")) {
                queries.add(query.isObject() ? query.path("query").asText() : query.asText());
            }
        }

        Set<String> used = new TreeSet<>();
        for (String query : queries) {
            Matcher selectors = SELECTOR.matcher(query);
            while (selectors.find()) {
                assertThat(selectors.group(1)).as("a selector in %s", query).startsWith("gatehouse_");
            }
            Matcher metrics = METRIC.matcher(query);
            while (metrics.find()) {
                String name = metrics.group();
                String base = name.replaceFirst("_(bucket|sum|count)$", "");
                boolean histogramSeries = !base.equals(name) && "histogram".equals(listed.get(base));
                String metric = histogramSeries ? base : name;
                assertThat(listed).as("%s (in %s) is listed in docs/operations.md", name, query).containsKey(metric);
                if ("histogram".equals(listed.get(metric))) {
                    assertThat(name).as("a histogram is queried by its series").isNotEqualTo(metric);
                }
                used.add(metric);
            }
        }
        assertThat(used).as("every metric docs/operations.md lists has a chart").containsAll(listed.keySet());
        System.out.printf("deploy/grafana/gatehouse.json: %d panels, %d queries, %d metrics%n", ids.size(), queries.size(), used.size());
    }

    /** Rows of the table under the "Metrics" heading: name and type. */
    static Map<String, String> listedMetrics() throws IOException {
        Map<String, String> metrics = new LinkedHashMap<>();
        boolean underMetrics = false;
        for (String line : Files.readAllLines(DeployFiles.doc("operations.md"))) {
            if (line.startsWith("#")) {
                underMetrics = line.toLowerCase().startsWith("### metrics");
            }
            Matcher row = LISTED.matcher(line);
            if (row.find()) {
                assertThat(underMetrics).as("%s is listed under the Metrics heading", row.group(1)).isTrue();
                metrics.put(row.group(1), row.group(2));
            }
        }
        return metrics;
    }

    static List<JsonNode> panels(JsonNode list) {
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode panel : list) {
            panels.add(panel);
            panels.addAll(panels(panel.path("panels")));
        }
        return panels;
    }
}
