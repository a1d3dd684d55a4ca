package io.gatehouse.gateway.routing;

import io.gatehouse.protocol.config.ApiOperation;
import io.vertx.core.http.HttpMethod;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * An API's documented operations as a tree of path segments, compiled once per config and read by every request
 * without locks, regular expressions or allocation. A literal segment wins over a templated one ({@code /orders/summary}
 * before {@code /orders/{id}}), as OpenAPI says concrete paths match first; a templated branch is still tried when a
 * literal one leads nowhere. A segment may mix literal text and one template ({@code {name}.json}).
 */
public final class OperationTable {
    private static final String[] METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"};
    private static final int GET = 1;
    private static final int HEAD = 1 << 1;
    /** Up to this many literal children a scan beats hashing the segment. */
    private static final int LINEAR_SCAN_MAX = 8;

    private final Node root;
    private final int size;

    private OperationTable(Node root, int size) {
        this.root = root;
        this.size = size;
    }

    /** Compiles the operations; null when there are none (the API passes every path upstream). */
    public static OperationTable compile(List<ApiOperation> operations) {
        if (operations == null || operations.isEmpty()) {
            return null;
        }
        Builder root = new Builder();
        for (ApiOperation operation : operations) {
            int bit = bit(operation.method() == null ? "" : operation.method().toUpperCase(Locale.ROOT));
            String template = operation.pathTemplate();
            if (bit == 0) {
                throw new IllegalArgumentException("operation " + operation.method() + " " + template + ": not an HTTP method");
            }
            if (template == null || !template.startsWith("/")) {
                throw new IllegalArgumentException("operation " + operation.method() + " " + template + ": a path must start with '/'");
            }
            Builder node = root;
            if (!"/".equals(template)) {
                for (String segment : template.substring(1).split("/", -1)) {
                    node = node.child(segment, operation);
                }
            }
            node.methods |= bit;
            int index = Integer.numberOfTrailingZeros(bit);
            if (node.operations[index] == null) {
                // Templates differing only in parameter names share a node: the first one documented names it.
                node.operations[index] = METHODS[index] + " " + template;
            }
        }
        return new OperationTable(root.build(), operations.size());
    }

    public int size() {
        return size;
    }

    /**
     * The operations' node for the part of {@code path} from {@code from} on (the path below the API's base path; empty
     * stands for "/"); null when no documented path matches.
     */
    public Node find(String path, int from) {
        if (from >= path.length()) {
            return root.methods != 0 ? root : null;
        }
        if (path.charAt(from) != '/') {
            return null;
        }
        if (from == path.length() - 1) {
            return root.methods != 0 ? root : null;
        }
        return root.match(path, from + 1);
    }

    /** The documented path a request path reached, with the methods documented for it. */
    public static final class Node {
        private final String[] literals;
        private final Node[] literalChildren;
        private final String[] prefixes;
        private final String[] suffixes;
        private final Node[] partialChildren;
        private final Node param;
        final int methods;
        private final String allow;
        /** Per method (bit index), the documented operation as {@code METHOD /template}, made once at compile time. */
        private final String[] operations;
        /** Open-addressing index over {@code literals} by hash, for nodes with many children (index + 1; 0 is empty). */
        private final int[] slots;

        private Node(String[] literals, Node[] literalChildren, String[] prefixes, String[] suffixes, Node[] partialChildren,
                     Node param, int methods, String[] operations) {
            this.literals = literals;
            this.literalChildren = literalChildren;
            this.prefixes = prefixes;
            this.suffixes = suffixes;
            this.partialChildren = partialChildren;
            this.param = param;
            this.methods = methods;
            this.operations = operations;
            this.allow = allowHeader(methods);
            this.slots = literals.length > LINEAR_SCAN_MAX ? index(literals) : null;
        }

        private static int[] index(String[] literals) {
            int[] slots = new int[Integer.highestOneBit(literals.length * 4 - 1) << 1];
            for (int i = 0; i < literals.length; i++) {
                int slot = literals[i].hashCode() & (slots.length - 1);
                while (slots[slot] != 0) {
                    slot = (slot + 1) & (slots.length - 1);
                }
                slots[slot] = i + 1;
            }
            return slots;
        }

        /** The literal child named by the segment, found by the segment's hash without making it a string. */
        private int literal(String path, int start, int length) {
            if (slots == null) {
                for (int i = 0; i < literals.length; i++) {
                    String literal = literals[i];
                    if (literal.length() == length && path.regionMatches(start, literal, 0, length)) {
                        return i;
                    }
                }
                return -1;
            }
            int hash = 0;
            for (int i = start, end = start + length; i < end; i++) {
                hash = 31 * hash + path.charAt(i);
            }
            for (int slot = hash & (slots.length - 1); slots[slot] != 0; slot = (slot + 1) & (slots.length - 1)) {
                String literal = literals[slots[slot] - 1];
                if (literal.length() == length && literal.hashCode() == hash && path.regionMatches(start, literal, 0, length)) {
                    return slots[slot] - 1;
                }
            }
            return -1;
        }

        /** Whether the operation is documented; HEAD is allowed wherever GET is, as HTTP defines it. */
        public boolean allows(HttpMethod method) {
            int bit = bit(method);
            return bit != 0 && ((methods & bit) != 0 || (bit == HEAD && (methods & GET) != 0));
        }

        /**
         * The documented operation a request with this method reached, e.g. {@code GET /orders/{id}} (what the audit
         * record names); a HEAD on a GET-only path names the GET it is answered by. Null when the method is not allowed.
         */
        public String operation(HttpMethod method) {
            int bit = bit(method);
            if (bit == 0) {
                return null;
            }
            String operation = operations[Integer.numberOfTrailingZeros(bit)];
            return operation != null || bit != HEAD ? operation : operations[0];
        }

        /** The Allow header a 405 carries: the documented methods of this path. */
        public String allow() {
            return allow;
        }

        /** Matches the segment starting at {@code start} and everything after it. */
        private Node match(String path, int start) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = path.length();
            }
            int length = end - start;
            boolean last = end == path.length();
            // Literal names are distinct, so at most one literal child matches the segment.
            int literal = literal(path, start, length);
            if (literal >= 0) {
                Node found = literalChildren[literal].next(path, end, last);
                if (found != null) {
                    return found;
                }
            }
            for (int i = 0; i < prefixes.length; i++) {
                String prefix = prefixes[i];
                String suffix = suffixes[i];
                if (length > prefix.length() + suffix.length() && path.startsWith(prefix, start)
                        && path.regionMatches(end - suffix.length(), suffix, 0, suffix.length())) {
                    Node found = partialChildren[i].next(path, end, last);
                    if (found != null) {
                        return found;
                    }
                }
            }
            // A template stands for a non-empty segment.
            if (param != null && length > 0) {
                return param.next(path, end, last);
            }
            return null;
        }

        private Node next(String path, int end, boolean last) {
            if (last) {
                return methods != 0 ? this : null;
            }
            return match(path, end + 1);
        }
    }

    /** The mutable tree while compiling. */
    private static final class Builder {
        final Map<String, Builder> literals = new LinkedHashMap<>();
        final Map<String, Builder> partials = new LinkedHashMap<>();
        Builder param;
        int methods;
        final String[] operations = new String[METHODS.length];

        Builder child(String segment, ApiOperation operation) {
            int open = segment.indexOf('{');
            if (open < 0) {
                if (segment.indexOf('}') >= 0) {
                    throw invalid(operation);
                }
                return literals.computeIfAbsent(segment, s -> new Builder());
            }
            int close = segment.indexOf('}', open);
            if (close < 0 || close == open + 1 || segment.indexOf('{', close) >= 0 || segment.indexOf('}', close + 1) >= 0) {
                throw invalid(operation);
            }
            if (open == 0 && close == segment.length() - 1) {
                if (param == null) {
                    param = new Builder();
                }
                return param;
            }
            // Templates with different names but the same literal parts are one route: {id}.json and {name}.json.
            String key = segment.substring(0, open) + "\u0000" + segment.substring(close + 1);
            return partials.computeIfAbsent(key, s -> new Builder());
        }

        Node build() {
            String[] names = literals.keySet().toArray(String[]::new);
            Node[] children = literals.values().stream().map(Builder::build).toArray(Node[]::new);
            // Longer literal parts are more specific: try them first.
            List<Map.Entry<String, Builder>> partialEntries = new ArrayList<>(partials.entrySet());
            partialEntries.sort(Comparator.comparingInt((Map.Entry<String, Builder> e) -> e.getKey().length()).reversed());
            String[] prefixes = new String[partialEntries.size()];
            String[] suffixes = new String[partialEntries.size()];
            Node[] partialChildren = new Node[partialEntries.size()];
            for (int i = 0; i < partialEntries.size(); i++) {
                String[] parts = partialEntries.get(i).getKey().split("\u0000", -1);
                prefixes[i] = parts[0];
                suffixes[i] = parts[1];
                partialChildren[i] = partialEntries.get(i).getValue().build();
            }
            return new Node(names, children, prefixes, suffixes, partialChildren, param == null ? null : param.build(), methods,
                    operations);
        }

        private static IllegalArgumentException invalid(ApiOperation operation) {
            return new IllegalArgumentException("operation " + operation.method() + " " + operation.pathTemplate()
                    + ": a path template must be made of whole {name} parts, one per segment");
        }
    }

    private static int bit(String method) {
        for (int i = 0; i < METHODS.length; i++) {
            if (METHODS[i].equals(method)) {
                return 1 << i;
            }
        }
        return 0;
    }

    /** By identity for the standard methods (Vert.x hands out its constants), so no string is compared per request. */
    private static int bit(HttpMethod method) {
        if (method == HttpMethod.GET) return GET;
        if (method == HttpMethod.HEAD) return HEAD;
        if (method == HttpMethod.POST) return 1 << 2;
        if (method == HttpMethod.PUT) return 1 << 3;
        if (method == HttpMethod.PATCH) return 1 << 4;
        if (method == HttpMethod.DELETE) return 1 << 5;
        if (method == HttpMethod.OPTIONS) return 1 << 6;
        if (method == HttpMethod.TRACE) return 1 << 7;
        return 0;
    }

    private static String allowHeader(int methods) {
        if (methods == 0) {
            return null;
        }
        StringJoiner allow = new StringJoiner(", ");
        for (int i = 0; i < METHODS.length; i++) {
            if ((methods & (1 << i)) != 0 || (i == 1 && (methods & GET) != 0)) {
                allow.add(METHODS[i]);
            }
        }
        return allow.toString();
    }
}
