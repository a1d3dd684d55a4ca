package io.gatehouse.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A client that sends exact bytes and reads the raw answer, for what ordinary HTTP clients refuse to send: bad
 * framing, missing or doubled Host headers, half a request.
 */
public final class RawHttp implements AutoCloseable {
    private final Socket socket;

    public RawHttp(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
    }

    public RawHttp send(String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    /**
     * Reads one response: until its head and Content-Length body are in, or the server closes the connection, or
     * {@code wait} passes without a byte. After a whole response that announces {@code Connection: close} it waits
     * up to a second for the close itself; any other is returned at once, its connection taken as open.
     *
     * @return what was read, and whether the server closed the connection
     */
    public Answer read(Duration wait) throws IOException {
        socket.setSoTimeout((int) wait.toMillis());
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        boolean closed = false;
        try {
            while (true) {
                int n = in.read(buffer);
                if (n < 0) {
                    closed = true;
                    break;
                }
                bytes.write(buffer, 0, n);
                String text = bytes.toString(StandardCharsets.ISO_8859_1);
                if (complete(text)) {
                    if (text.substring(0, text.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT).contains("\nconnection: close")) {
                        socket.setSoTimeout(1_000);
                        closed = in.read() < 0;
                    }
                    break;
                }
            }
        } catch (SocketTimeoutException e) {
            // nothing more within the wait: the connection is still open
        } catch (IOException e) {
            closed = true; // reset by the server
        }
        return new Answer(bytes.toString(StandardCharsets.ISO_8859_1), closed);
    }

    private static boolean complete(String text) {
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?im)^content-length:\\s*(\\d+)").matcher(text.substring(0, end));
        return length.find() && text.length() - end - 4 >= Integer.parseInt(length.group(1));
    }

    /** One exchange on a fresh connection: the bytes, then the answer. */
    public static Answer exchange(int port, String request, Duration wait) throws IOException {
        try (RawHttp http = new RawHttp(port)) {
            return http.send(request).read(wait);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    public record Answer(String text, boolean closed) {
        /** The status code of the first response, or 0 when nothing came back. */
        public int status() {
            if (!text.startsWith("HTTP/1.")) {
                return 0;
            }
            return Integer.parseInt(text.substring(9, 12));
        }

        /** How many responses the text holds. */
        public int responses() {
            return text.split("HTTP/1\\.[01] \\d{3} ", -1).length - 1;
        }

        public boolean answered() {
            return status() > 0;
        }
    }
}
