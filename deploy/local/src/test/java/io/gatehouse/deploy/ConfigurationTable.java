package io.gatehouse.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings docs/configuration.md lists: every table whose first column is {@code variable}. A table without a
 * {@code service} column (the console's) is the control plane's. A default cell saying {@code (required)} marks a
 * setting the service does not run without; {@code (required with a control plane)} one a gateway node needs when it
 * has a control plane.
 */
record ConfigurationTable(Map<String, Setting> settings) {
    static final String GATEWAY = "gateway";
    static final String CONTROL_PLANE = "control plane";

    enum Required { NO, ALWAYS, WITH_A_CONTROL_PLANE }

    record Setting(String name, Set<String> services, Required required) {
        boolean isFor(String service) {
            return services.contains(service);
        }
    }

    private static final Pattern NAME = Pattern.compile("`([A-Z_][A-Z0-9_]*)`");

    static ConfigurationTable read(Path file) throws IOException {
        Map<String, Setting> settings = new LinkedHashMap<>();
        int serviceColumn = -1;
        int defaultColumn = -1;
        boolean inTable = false;
        for (String line : Files.readAllLines(file)) {
            if (!line.startsWith("|")) {
                inTable = false;
                continue;
            }
            List<String> cells = cells(line);
            if (!inTable) {
                inTable = true;
                if (!cells.get(0).equals("variable")) {
                    serviceColumn = defaultColumn = -2; // some other table
                    continue;
                }
                serviceColumn = cells.indexOf("service");
                defaultColumn = cells.indexOf("default");
                continue;
            }
            if (serviceColumn == -2 || cells.get(0).startsWith("---")) {
                continue;
            }
            Set<String> services = serviceColumn < 0 ? Set.of(CONTROL_PLANE) : services(cells.get(serviceColumn));
            String defaultCell = defaultColumn < 0 ? "" : cells.get(defaultColumn);
            Required required = defaultCell.contains("(required with a control plane")
                    ? Required.WITH_A_CONTROL_PLANE
                    : defaultCell.contains("(required") ? Required.ALWAYS : Required.NO;
            for (String name : names(cells.get(0))) {
                settings.put(name, new Setting(name, services, required));
            }
        }
        return new ConfigurationTable(settings);
    }

    /** {@code `GATEHOUSE_SMTP_HOST` / `_PORT`} names GATEHOUSE_SMTP_HOST and GATEHOUSE_SMTP_PORT. */
    private static List<String> names(String cell) {
        List<String> names = new ArrayList<>();
        Matcher matcher = NAME.matcher(cell);
        String prefix = null;
        while (matcher.find()) {
            String name = matcher.group(1);
            if (name.startsWith("_") && prefix != null) {
                names.add(prefix + name);
            } else {
                names.add(name);
                prefix = name.substring(0, name.lastIndexOf('_'));
            }
        }
        return names;
    }

    private static Set<String> services(String cell) {
        Set<String> services = new java.util.HashSet<>();
        for (String service : cell.split(",")) {
            services.add(service.trim());
        }
        return services;
    }

    private static List<String> cells(String line) {
        String inner = line.substring(1, line.endsWith("|") ? line.length() - 1 : line.length());
        List<String> cells = new ArrayList<>();
        for (String cell : inner.split("\\|", -1)) {
            cells.add(cell.trim());
        }
        return cells;
    }

    Setting get(String name) {
        return settings.get(name);
    }
}
