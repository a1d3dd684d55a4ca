package io.gatehouse.system;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One load client's HTTP/1.1 connection to a gateway, kept alive from request to request the way load generators
 * (wrk, ab) and most clients keep theirs, one request at a time. Written on a plain socket rather than with
 * java.net.http so that what it reports is what the gateway did: that client (JDK 17 before JDK-8338569 and
 * JDK-8357639) can hand a reused connection's answer to its pool's cleanup handler, close the connection itself, and
 * fail a POST with "HTTP/1.1 header parser received no bytes" (a GET is retried silently). Here a request that gets
 * no complete answer, or bytes the gateway sent after a complete answer, is always the gateway's doing.
 */
final class KeepAliveConnection implements AutoCloseable {
    /** A complete answer: its status, its header fields by name in any case (each name's values in order), its body. */
    record Answer(int status, Map<String, List<String>> headers, String body) {
    }

    /** The gateway sent bytes that belong to no request. */
    static final class UnsolicitedBytesException extends IOException {
        UnsolicitedBytesException(int count) {
            super(count + " bytes arrived after a complete answer, before the next request");
        }
    }

    private final String host;
    private final int port;
    private final int timeoutMs;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    KeepAliveConnection(String host, int port, int timeoutMs) {
        this.host = host;
        this.port = port;
        this.timeoutMs = timeoutMs;
    }

    /**
     * Sends one request and reads its answer, on the open connection or, if there is none, a new one. The connection
     * is closed after an answer carrying {@code Connection: close} and after any failure; the next call opens another.
     */
    Answer exchange(String method, String pathAndQuery, String body, String... headers) throws IOException {
        try {
            if (socket != null && in.available() > 0) {
                throw new UnsolicitedBytesException(in.available());
            }
            if (socket == null) {
                socket = new Socket();
                socket.setTcpNoDelay(true);
                socket.connect(new InetSocketAddress(host, port), timeoutMs);
                socket.setSoTimeout(timeoutMs);
                in = new BufferedInputStream(socket.getInputStream());
                out = socket.getOutputStream();
            }
            byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            StringBuilder head = new StringBuilder(method).append(' ').append(pathAndQuery).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(host).append(':').append(port).append("\r\n");
            for (int i = 0; i < headers.length; i += 2) {
                head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
            }
            if (body != null) {
                head.append("Content-Length: ").append(payload.length).append("\r\n");
            }
            head.append("\r\n");
            // Head and body in separate writes, as most clients send them: the gateway may answer from the head alone.
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            if (payload.length > 0) {
                out.write(payload);
                out.flush();
            }
            return readAnswer();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private Answer readAnswer() throws IOException {
        String statusLine = line();
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP/1.1 status line: " + statusLine);
        }
        int status = Integer.parseInt(parts[1]);
        long length = -1;
        boolean chunked = false;
        boolean close = false;
        Map<String, List<String>> fields = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String header = line(); !header.isEmpty(); header = line()) {
            int colon = header.indexOf(':');
            String name = header.substring(0, colon).trim();
            String value = header.substring(colon + 1).trim();
            fields.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
            switch (name.toLowerCase(Locale.ROOT)) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "connection" -> close = value.equalsIgnoreCase("close");
                default -> {
                }
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            for (long size = Long.parseLong(line().split(";", 2)[0].trim(), 16); size > 0; size = Long.parseLong(line().split(";", 2)[0].trim(), 16)) {
                copy(size, body);
                line();
            }
            while (!line().isEmpty()) {
                // trailers
            }
        } else if (length > 0) {
            copy(length, body);
        } else if (length < 0 && status >= 200 && status != 204 && status != 304) {
            in.transferTo(body); // delimited by the close
            close = true;
        }
        if (close) {
            close();
        }
        return new Answer(status, fields, body.toString(StandardCharsets.UTF_8));
    }

    private void copy(long count, ByteArrayOutputStream into) throws IOException {
        for (long i = 0; i < count; i++) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed " + i + " bytes into a body of " + count);
            }
            into.write(b);
        }
    }

    private String line() throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException(line.isEmpty() ? "connection closed before an answer" : "connection closed mid-line: " + line);
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing after a failure: nothing more to learn from it
            }
            socket = null;
        }
    }
}
