package org.smproxy.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The networks an address may belong to, as an operator writes them: CIDRs ({@code 10.0.0.0/8},
 * {@code fd12::/16}, a bare address for one host) and the word {@code unicast}, meaning every public or private
 * unicast address but none of the ones a host or its cloud keeps for itself (loopback, unspecified, link-local,
 * multicast, broadcast, metadata services). A listed CIDR allows its addresses even when {@code unicast} would not,
 * which is how a test or demo whose nodes run on loopback says so.
 */
public final class Networks {
    /** Addresses no node has any business reporting, whatever their class: cloud metadata services. */
    private static final List<Cidr> METADATA = List.of(
            Cidr.parse("fd00:ec2::254/128"),  // AWS, IPv6 (IPv4 is 169.254.169.254, link-local)
            Cidr.parse("100.100.100.200/32"), // Alibaba Cloud
            Cidr.parse("0.0.0.0/8"),          // "this network": connects to the local host on Linux
            Cidr.parse("255.255.255.255/32"));

    private static final String V4 = "\\d{1,3}(\\.\\d{1,3}){3}";
    private static final String V6 = "[0-9A-Fa-f:][0-9A-Fa-f.]*:[0-9A-Fa-f:.]*";

    private final boolean unicast;
    private final List<Cidr> listed;
    private final String text;

    private Networks(boolean unicast, List<Cidr> listed, String text) {
        this.unicast = unicast;
        this.listed = List.copyOf(listed);
        this.text = text;
    }

    /** No network at all: nothing is allowed (an empty {@code proxy.trustedProxies}). */
    public static Networks none() {
        return new Networks(false, List.of(), "");
    }

    /** Whether no address belongs. */
    public boolean isEmpty() {
        return !unicast && listed.isEmpty();
    }

    /**
     * An IP address written as a literal, or null for anything else; never asks DNS, which the JDK would for a
     * dotted quad out of range ("999.1.1.1") or text it cannot read as an address.
     */
    public static InetAddress literal(String text) {
        if (text == null) {
            return null;
        }
        try {
            if (text.matches(V4)) {
                String[] parts = text.split("\\.");
                byte[] bytes = new byte[4];
                for (int i = 0; i < 4; i++) {
                    int octet = Integer.parseInt(parts[i]);
                    if (octet > 255) {
                        return null;
                    }
                    bytes[i] = (byte) octet;
                }
                return InetAddress.getByAddress(bytes);
            }
            // Starting with a hex digit or ':' and holding a ':', the JDK reads it as IPv6 or refuses it, never DNS.
            return text.matches(V6) ? InetAddress.getByName(text) : null;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Whether an address belongs to one of these networks. */
    public boolean contains(InetAddress address) {
        return refusal(address) == null;
    }

    /** @throws ConfigException naming the key and the item that is neither a CIDR nor {@code unicast} */
    public static Networks parse(String key, List<String> items) {
        boolean unicast = false;
        List<Cidr> listed = new ArrayList<>();
        for (String item : items) {
            if (item.equalsIgnoreCase("unicast")) {
                unicast = true;
                continue;
            }
            try {
                listed.add(Cidr.parse(item));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("'" + key + "': '" + item + "' is neither a CIDR (e.g. 10.0.0.0/8, fd00::/8)"
                        + " nor the word unicast: " + e.getMessage());
            }
        }
        if (!unicast && listed.isEmpty()) {
            throw new ConfigException("'" + key + "' lists no network: write unicast (the default) or CIDRs");
        }
        return new Networks(unicast, listed, String.join(",", items));
    }

    /** Null when the address is allowed; otherwise what kind of address it is, for the refusal. */
    public String refusal(InetAddress address) {
        for (Cidr c : listed) {
            if (c.contains(address)) {
                return null;
            }
        }
        String kind = reserved(address);
        if (unicast && kind == null) {
            return null;
        }
        return kind != null ? kind + " address" : "an address outside the allowed networks";
    }

    /** What kind of non-unicast address this is, or null for a public or private unicast one. */
    static String reserved(InetAddress a) {
        if (a.isLoopbackAddress()) {
            return "a loopback";
        }
        if (a.isAnyLocalAddress()) {
            return "an unspecified";
        }
        if (a.isLinkLocalAddress()) {
            return "a link-local";
        }
        if (a.isMulticastAddress()) {
            return "a multicast";
        }
        for (Cidr c : METADATA) {
            if (c.contains(a)) {
                return "a reserved or metadata-service";
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return text;
    }

    /** One network: an address and how many leading bits of it count. */
    record Cidr(byte[] network, int prefix) {
        static Cidr parse(String text) {
            String t = text.trim();
            int slash = t.indexOf('/');
            String host = slash < 0 ? t : t.substring(0, slash);
            // Literal addresses only: a name here would be resolved once, at start-up, and mean something else later.
            InetAddress parsed = literal(host);
            if (parsed == null) {
                throw new IllegalArgumentException("not an IP address");
            }
            byte[] bytes = parsed.getAddress();
            int bits = bytes.length * 8;
            int prefix = bits;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(t.substring(slash + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("the prefix length is not a number");
                }
                if (prefix < 0 || prefix > bits) {
                    throw new IllegalArgumentException("the prefix length must be 0-" + bits);
                }
            }
            return new Cidr(bytes, prefix);
        }

        boolean contains(InetAddress address) {
            byte[] a = address.getAddress();
            if (a.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (a[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xFF << (8 - rest) & 0xFF;
            return (a[full] & mask) == (network[full] & mask);
        }
    }
}
