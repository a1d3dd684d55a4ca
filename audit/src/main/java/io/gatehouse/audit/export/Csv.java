package io.gatehouse.audit.export;

import java.util.ArrayList;
import java.util.List;

/**
 * RFC 4180 CSV for exports. An empty field is null; an empty string is written {@code ""} so the two stay apart
 * (the canonical form tells them apart too).
 */
public final class Csv {
    private Csv() {
    }

    static String quote(String value) {
        if (value == null) {
            return "";
        }
        if (value.isEmpty() || value.indexOf(',') >= 0 || value.indexOf('"') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
            return '"' + value.replace("\"", "\"\"") + '"';
        }
        return value;
    }

    /** Splits one line (exports never put a line break inside a field: paths and ids cannot hold one). */
    public static List<String> split(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
                wasQuoted = true;
            } else if (c == ',') {
                fields.add(field.length() == 0 && !wasQuoted ? null : field.toString());
                field.setLength(0);
                wasQuoted = false;
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("unterminated quoted field");
        }
        fields.add(field.length() == 0 && !wasQuoted ? null : field.toString());
        return fields;
    }
}
