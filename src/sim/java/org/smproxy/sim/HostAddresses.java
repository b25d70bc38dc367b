package org.smproxy.sim;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Comparator;
import java.util.Optional;

/** Picks the address a simulated node advertises, without hard-coding one. */
public final class HostAddresses {

    private HostAddresses() {
    }

    /**
     * The first IPv4 address of an up, non-loopback interface (by interface index, so the choice is stable).
     * libwebrtc gathers no loopback candidates, so this is also the address media actually flows on.
     */
    public static Optional<String> firstNonLoopbackIpv4() {
        try {
            return NetworkInterface.networkInterfaces()
                    .filter(HostAddresses::usable)
                    .sorted(Comparator.comparingInt(NetworkInterface::getIndex))
                    .flatMap(NetworkInterface::inetAddresses)
                    .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                    .map(InetAddress::getHostAddress)
                    .findFirst();
        } catch (SocketException e) {
            return Optional.empty();
        }
    }

    /** The advertised default: the first non-loopback IPv4, or loopback when the host has none (no media then). */
    public static String defaultPublicAddress() {
        return firstNonLoopbackIpv4().orElse(InetAddress.getLoopbackAddress().getHostAddress());
    }

    private static boolean usable(NetworkInterface nif) {
        try {
            return nif.isUp() && !nif.isLoopback();
        } catch (SocketException e) {
            return false;
        }
    }
}
