package io.gatehouse.gateway.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersEncoder;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP/2 client that writes frames as told, for conformance tests: it sends what a well-behaved client library
 * would refuse to (a header block over the server's limit, more streams than allowed, a reset mid-body). HPACK is
 * Netty's; frames are written and read by hand.
 */
public final class RawH2 implements AutoCloseable {
    public static final int DATA = 0, HEADERS = 1, RST_STREAM = 3, SETTINGS = 4, PING = 6, GOAWAY = 7, WINDOW_UPDATE = 8;
    public static final int END_STREAM = 0x1, END_HEADERS = 0x4, ACK = 0x1;

    public record Frame(int type, int flags, int stream, byte[] payload, String status) {
        public int errorCode() {
            int at = type == GOAWAY ? 4 : 0;
            return ((payload[at] & 0xff) << 24) | ((payload[at + 1] & 0xff) << 16) | ((payload[at + 2] & 0xff) << 8) | (payload[at + 3] & 0xff);
        }
    }

    private final SSLSocket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, true);
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false, 1 << 20);

    public RawH2(SSLContext trust, int port) throws IOException {
        socket = (SSLSocket) trust.getSocketFactory().createSocket("127.0.0.1", port);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {"h2"});
        socket.setSSLParameters(parameters);
        socket.setSoTimeout(15_000);
        socket.startHandshake();
        if (!"h2".equals(socket.getApplicationProtocol())) {
            throw new IOException("the server did not choose h2 by ALPN: " + socket.getApplicationProtocol());
        }
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        // A large window: the tests' bodies must never wait on flow control from this side.
        frame(SETTINGS, 0, 0, new byte[] {0, 4, 0, (byte) 0x7f, (byte) 0xff, (byte) 0xff});
        frame(WINDOW_UPDATE, 0, 0, new byte[] {0x0f, 0x00, 0x00, 0x00});
        // The server applies its own limits once this client acknowledges them: wait for them, as a real client does.
        while (true) {
            int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            in.readInt();
            in.readFully(new byte[length]);
            if (type == SETTINGS && (flags & ACK) == 0) {
                frame(SETTINGS, ACK, 0, new byte[0]);
                return;
            }
        }
    }

    public static Http2Headers request(String method, String path, String... headers) {
        Http2Headers h = new DefaultHttp2Headers(false).method(method).path(path).scheme("https").authority("127.0.0.1");
        for (int i = 0; i < headers.length; i += 2) {
            h.add(headers[i], headers[i + 1]);
        }
        return h;
    }

    public void headers(int stream, Http2Headers headers, boolean endStream) throws IOException {
        ByteBuf block = Unpooled.buffer();
        try {
            encoder.encodeHeaders(stream, headers, block);
            byte[] bytes = new byte[block.readableBytes()];
            block.readBytes(bytes);
            frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, bytes);
        } catch (io.netty.handler.codec.http2.Http2Exception e) {
            throw new IOException(e);
        } finally {
            block.release();
        }
    }

    public void data(int stream, byte[] bytes, boolean endStream) throws IOException {
        frame(DATA, endStream ? END_STREAM : 0, stream, bytes);
    }

    public void reset(int stream, int errorCode) throws IOException {
        frame(RST_STREAM, 0, stream, new byte[] {(byte) (errorCode >>> 24), (byte) (errorCode >>> 16), (byte) (errorCode >>> 8), (byte) errorCode});
    }

    public synchronized void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        byte[] head = {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length, (byte) type, (byte) flags,
                (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream};
        out.write(head);
        out.write(payload);
        out.flush();
    }

    /** The next frame that matters to a test; settings are acknowledged and pings answered on the way. */
    public Frame next() throws IOException {
        while (true) {
            int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int stream = in.readInt() & 0x7fffffff;
            byte[] payload = new byte[length];
            in.readFully(payload);
            if (type == SETTINGS && (flags & ACK) == 0) {
                frame(SETTINGS, ACK, 0, new byte[0]);
                continue;
            }
            if (type == PING && (flags & ACK) == 0) {
                frame(PING, ACK, 0, payload);
                continue;
            }
            if (type == SETTINGS || type == WINDOW_UPDATE || type == PING) {
                continue;
            }
            // Every header block is decoded in order: HPACK's table is shared by the connection's blocks.
            String status = type == HEADERS ? status(stream, headerBlock(flags, payload)) : null;
            return new Frame(type, flags, stream, payload, status);
        }
    }

    /** The header block of a HEADERS frame: without its padding (flag 0x8) and priority fields (flag 0x20). */
    private static byte[] headerBlock(int flags, byte[] payload) {
        int start = 0;
        int end = payload.length;
        if ((flags & 0x8) != 0) {
            start = 1;
            end -= payload[0] & 0xff;
        }
        if ((flags & 0x20) != 0) {
            start += 5;
        }
        return java.util.Arrays.copyOfRange(payload, start, end);
    }

    private String status(int stream, byte[] payload) throws IOException {
        ByteBuf block = Unpooled.wrappedBuffer(payload);
        try {
            return String.valueOf(decoder.decodeHeaders(stream, block).status());
        } catch (io.netty.handler.codec.http2.Http2Exception e) {
            throw new IOException(e + " in " + java.util.HexFormat.of().formatHex(payload), e);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
