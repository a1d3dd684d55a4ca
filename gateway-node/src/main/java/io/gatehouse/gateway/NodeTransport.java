package io.gatehouse.gateway;

import io.vertx.core.transport.Transport;

import java.util.Locale;
import java.util.function.Function;

/**
 * How the node's event loops talk to the kernel ({@code gatehouse.transport}).
 *
 * <p>{@link #AUTO}, the default, takes io_uring where the kernel offers it, then epoll, then Java's NIO. io_uring
 * hands the kernel a queue of reads and writes instead of one system call each: on a 2-core host the node proxied
 * about a quarter more requests a second with it than with epoll in the same run (docs/benchmarks.md). A host may
 * refuse io_uring (an older kernel, {@code kernel.io_uring_disabled}, a container's seccomp profile); the node then
 * falls back and says why. A transport named explicitly is a demand: a node that cannot have it refuses to start.
 */
public enum NodeTransport {
    AUTO, IO_URING, EPOLL, NIO;

    /** The setting's value, as written in docs/configuration.md ({@code auto}, {@code io_uring}, {@code epoll}, {@code nio}). */
    public static NodeTransport parse(String value) {
        if (value == null) {
            return AUTO;
        }
        for (NodeTransport transport : values()) {
            if (transport.settingValue().equals(value.trim().toLowerCase(Locale.ROOT))) {
                return transport;
            }
        }
        throw new IllegalArgumentException("gatehouse.transport (GATEHOUSE_TRANSPORT) must be auto, io_uring, epoll or nio, got '"
                + value + "'");
    }

    public String settingValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** What was chosen, and for {@link #AUTO}, why a faster transport was passed over (null when none was). */
    public record Choice(NodeTransport transport, Transport vertx, String passedOver) {
    }

    /** The transport for this host. */
    public Choice choose() {
        return choose(NodeTransport::vertxTransport);
    }

    /**
     * The choice against the given transports (null where the JVM cannot load one at all).
     *
     * @throws IllegalStateException a transport named explicitly that the host cannot use
     */
    Choice choose(Function<NodeTransport, Transport> available) {
        if (this != AUTO) {
            Transport wanted = available.apply(this);
            if (wanted == null || !wanted.available()) {
                throw new IllegalStateException("gatehouse.transport (GATEHOUSE_TRANSPORT) is " + settingValue()
                        + ", which this host cannot use: " + cause(wanted) + "; set it to auto to fall back");
            }
            return new Choice(this, wanted, null);
        }
        StringBuilder passedOver = new StringBuilder();
        for (NodeTransport candidate : new NodeTransport[]{IO_URING, EPOLL}) {
            Transport transport = available.apply(candidate);
            if (transport != null && transport.available()) {
                return new Choice(candidate, transport, passedOver.isEmpty() ? null : passedOver.toString());
            }
            if (!passedOver.isEmpty()) {
                passedOver.append("; ");
            }
            passedOver.append(candidate.settingValue()).append(": ").append(cause(transport));
        }
        return new Choice(NIO, available.apply(NIO), passedOver.toString());
    }

    private static String cause(Transport transport) {
        if (transport == null) {
            return "not on this platform";
        }
        Throwable cause = transport.unavailabilityCause();
        if (cause == null) {
            return "unavailable";
        }
        // The kernel's or the loader's own words are at the bottom of the chain (a native library that could not be
        // unpacked into a noexec /tmp, io_uring_setup refused by seccomp).
        StringBuilder reasons = new StringBuilder();
        for (Throwable t = cause; t != null && reasons.length() < 600; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
            if (reasons.indexOf(message) < 0) {
                reasons.append(reasons.isEmpty() ? "" : ": ").append(message);
            }
        }
        return reasons.toString();
    }

    private static Transport vertxTransport(NodeTransport transport) {
        return switch (transport) {
            case IO_URING -> Transport.IO_URING;
            case EPOLL -> Transport.EPOLL;
            case NIO, AUTO -> Transport.NIO;
        };
    }
}
