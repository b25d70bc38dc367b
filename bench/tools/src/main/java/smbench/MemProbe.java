package smbench;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Memory of the process under test. A JVM (the proxy) is attached to over its local management agent: heap used
 * after two full collections, direct buffers in use, and RSS. nginx: VmRSS and RssAnon summed over its workers.
 */
final class MemProbe implements AutoCloseable {
    private final String kind;
    private final long pid;
    private JMXConnector jmx;
    private MemoryMXBean memory;
    private BufferPoolMXBean direct;

    /** @param spec {@code jvm:PID}, {@code nginx:MASTERPID} or {@code none} */
    MemProbe(String spec) throws Exception {
        int colon = spec.indexOf(':');
        kind = colon < 0 ? spec : spec.substring(0, colon);
        pid = colon < 0 ? 0 : Long.parseLong(spec.substring(colon + 1));
        if ("jvm".equals(kind)) {
            com.sun.tools.attach.VirtualMachine vm = com.sun.tools.attach.VirtualMachine.attach(String.valueOf(pid));
            String address = vm.startLocalManagementAgent();
            vm.detach();
            jmx = JMXConnectorFactory.connect(new JMXServiceURL(address));
            MBeanServerConnection c = jmx.getMBeanServerConnection();
            memory = ManagementFactory.newPlatformMXBeanProxy(c, ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class);
            direct = ManagementFactory.newPlatformMXBeanProxy(c, "java.nio:type=BufferPool,name=direct",
                    BufferPoolMXBean.class);
            new ObjectName("java.nio:type=BufferPool,name=direct"); // validates the name early
        }
    }

    /** {heapUsed, direct, rss, rssAnon} in bytes; -1 where the kind has no such figure. */
    long[] sample() throws Exception {
        if ("jvm".equals(kind)) {
            memory.gc();
            Thread.sleep(300);
            memory.gc();
            Thread.sleep(300);
            long heap = memory.getHeapMemoryUsage().getUsed();
            long dir = direct.getMemoryUsed();
            long[] rss = status(pid);
            return new long[] {heap, dir, rss[0], rss[1]};
        }
        if ("nginx".equals(kind)) {
            long vm = 0;
            long anon = 0;
            for (long child : workers()) {
                long[] s = status(child);
                vm += s[0];
                anon += s[1];
            }
            return new long[] {-1, -1, vm, anon};
        }
        return new long[] {-1, -1, -1, -1};
    }

    private List<Long> workers() {
        List<Long> w = new ArrayList<>(CpuProbe.children(pid));
        return w;
    }

    private static long[] status(long pid) throws Exception {
        long rss = 0;
        long anon = 0;
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = kb(line) * 1024;
            } else if (line.startsWith("RssAnon:")) {
                anon = kb(line) * 1024;
            }
        }
        return new long[] {rss, anon};
    }

    private static long kb(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }

    boolean active() {
        return !"none".equals(kind);
    }

    @Override
    public void close() throws Exception {
        if (jmx != null) {
            jmx.close();
        }
    }
}
