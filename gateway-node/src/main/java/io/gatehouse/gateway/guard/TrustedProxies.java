package io.gatehouse.gateway.guard;

import io.netty.util.NetUtil;

import java.util.List;

/**
 * The proxies in front of the gateway whose X-Forwarded-* headers are believed, as CIDRs ({@code 10.0.0.0/8},
 * {@code 2001:db8::/32}, or one address). Parsed once when the node starts; matching a peer allocates only the bytes
 * of its address, and nothing at all when no proxy is trusted.
 */
public final class TrustedProxies {
    public static final TrustedProxies NONE = new TrustedProxies(new byte[0][], new int[0]);

    private final byte[][] networks;
    private final int[] prefixes;

    private TrustedProxies(byte[][] networks, int[] prefixes) {
        this.networks = networks;
        this.prefixes = prefixes;
    }

    /** @throws IllegalArgumentException naming the first entry that is not a CIDR or an address */
    public static TrustedProxies parse(List<String> cidrs) {
        if (cidrs.isEmpty()) {
            return NONE;
        }
        byte[][] networks = new byte[cidrs.size()][];
        int[] prefixes = new int[cidrs.size()];
        for (int i = 0; i < cidrs.size(); i++) {
            String cidr = cidrs.get(i).trim();
            int slash = cidr.indexOf('/');
            byte[] address = NetUtil.createByteArrayFromIpAddressString(slash < 0 ? cidr : cidr.substring(0, slash));
            if (address == null) {
                throw new IllegalArgumentException("trusted proxy '" + cidr + "' is not an IP address or CIDR");
            }
            int prefix = address.length * 8;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(cidr.substring(slash + 1));
                } catch (NumberFormatException e) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > address.length * 8) {
                    throw new IllegalArgumentException("trusted proxy '" + cidr + "' has an invalid prefix length");
                }
            }
            networks[i] = address;
            prefixes[i] = prefix;
        }
        return new TrustedProxies(networks, prefixes);
    }

    public boolean isEmpty() {
        return networks.length == 0;
    }

    /** @param peer the direct peer's address as text ({@code 10.1.2.3}, {@code ::1}); null is never trusted */
    public boolean trusts(String peer) {
        if (networks.length == 0 || peer == null) {
            return false;
        }
        byte[] address = NetUtil.createByteArrayFromIpAddressString(peer);
        if (address == null) {
            return false;
        }
        if (address.length == 16 && isV4Mapped(address)) {
            address = java.util.Arrays.copyOfRange(address, 12, 16);
        }
        for (int i = 0; i < networks.length; i++) {
            if (networks[i].length == address.length && inPrefix(networks[i], address, prefixes[i])) {
                return true;
            }
        }
        return false;
    }

    private static boolean inPrefix(byte[] network, byte[] address, int prefix) {
        int whole = prefix / 8;
        for (int b = 0; b < whole; b++) {
            if (network[b] != address[b]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xFF << (8 - rest) & 0xFF;
        return (network[whole] & mask) == (address[whole] & mask);
    }

    private static boolean isV4Mapped(byte[] address) {
        for (int i = 0; i < 10; i++) {
            if (address[i] != 0) {
                return false;
            }
        }
        return address[10] == (byte) 0xFF && address[11] == (byte) 0xFF;
    }
}
