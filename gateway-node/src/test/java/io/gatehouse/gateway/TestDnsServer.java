package io.gatehouse.gateway;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A real DNS server on loopback (UDP), answering A and SRV questions from maps the test changes at will. */
final class TestDnsServer implements AutoCloseable {
    record Srv(int priority, int weight, int port, String target) {
    }

    final Map<String, List<String>> a = new ConcurrentHashMap<>();
    final Map<String, List<Srv>> srv = new ConcurrentHashMap<>();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel channel;

    TestDnsServer() throws InterruptedException {
        channel = new Bootstrap().group(group).channel(NioDatagramChannel.class).handler(new ChannelInitializer<DatagramChannel>() {
            @Override
            protected void initChannel(DatagramChannel ch) {
                ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(), new SimpleChannelInboundHandler<DatagramDnsQuery>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) throws Exception {
                        ctx.writeAndFlush(answer(query));
                    }
                });
            }
        }).bind("127.0.0.1", 0).sync().channel();
    }

    String address() {
        return "127.0.0.1:" + ((InetSocketAddress) channel.localAddress()).getPort();
    }

    private DatagramDnsResponse answer(DatagramDnsQuery query) throws Exception {
        DnsQuestion question = query.recordAt(DnsSection.QUESTION);
        String name = question.name().toLowerCase();
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        DatagramDnsResponse response = new DatagramDnsResponse(query.recipient(), query.sender(), query.id());
        response.addRecord(DnsSection.QUESTION, question);
        if (question.type() == DnsRecordType.A) {
            for (String ip : a.getOrDefault(name, List.of())) {
                response.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(), DnsRecordType.A, 1,
                        Unpooled.wrappedBuffer(InetAddress.getByName(ip).getAddress())));
            }
        } else if (question.type() == DnsRecordType.SRV) {
            for (Srv record : srv.getOrDefault(name, List.of())) {
                ByteBuf data = Unpooled.buffer();
                data.writeShort(record.priority()).writeShort(record.weight()).writeShort(record.port());
                for (String label : record.target().split("\\.")) {
                    byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
                    data.writeByte(bytes.length).writeBytes(bytes);
                }
                data.writeByte(0);
                response.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(), DnsRecordType.SRV, 1, data));
            }
        }
        if (!a.containsKey(name) && !srv.containsKey(name)) {
            response.setCode(DnsResponseCode.NXDOMAIN);
        }
        return response;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
