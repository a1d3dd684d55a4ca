package io.gatehouse.system;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * No API key, node credential or Authorization value ever reaches the access log, checked over the log output of
 * every test that ran before this one in the module: the nodes' own process logs ({@code target/*.log}) and what the
 * in-process nodes wrote to the test JVM's stdout (Surefire's report and dump files). Runs last
 * ({@code junit-platform.properties} orders classes by {@link Order}).
 */
@Order(Integer.MAX_VALUE)
class AccessLogSecretsTest {
    /** The start of an access log line, whatever the test that caused it. */
    private static final Pattern ACCESS_LINE = Pattern.compile("\\{\"time\":\"[^\"]+\",\"requestId\":\"[^\"]*\".*");
    private static final Pattern SECRET = Pattern.compile("ghk_[A-Za-z0-9_-]{16,}|ghn_[A-Za-z0-9_-]{16,}|(?i)bearer|(?i)authorization|(?i)x-api-key|\\?[^\"]*=");

    @Test
    void noKeyOrAuthorizationValueAppearsInAnyAccessLogLine() throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> logs = Files.list(Path.of("target"))) {
            logs.filter(p -> p.getFileName().toString().endsWith(".log")).forEach(files::add);
        }
        Path reports = Path.of("target", "surefire-reports");
        if (Files.isDirectory(reports)) {
            try (Stream<Path> outputs = Files.list(reports)) {
                outputs.filter(p -> {
                    String name = p.getFileName().toString();
                    return name.endsWith(".dumpstream") || name.endsWith("-output.txt") || name.endsWith(".xml");
                }).forEach(files::add);
            }
        }
        long lines = 0;
        List<String> leaks = new ArrayList<>();
        for (Path file : files) {
            try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    int start = line.indexOf("{\"time\":\"");
                    if (start < 0) {
                        continue;
                    }
                    String candidate = line.substring(start);
                    if (!ACCESS_LINE.matcher(candidate).matches()) {
                        continue;
                    }
                    lines++;
                    Matcher secret = SECRET.matcher(candidate);
                    if (secret.find() && leaks.size() < 20) {
                        leaks.add(file.getFileName() + ": '" + secret.group() + "' in " + candidate);
                    }
                }
            } catch (java.nio.charset.MalformedInputException e) {
                // A binary dump: no access log line in it.
            }
        }
        System.out.printf("access log lines checked: %d in %d files%n", lines, files.size());
        Assumptions.assumeTrue(lines > 0, "no access log output from earlier tests to check (run with the whole module)");
        org.assertj.core.api.Assertions.assertThat(leaks).as("access log lines carrying a secret").isEmpty();
    }
}
