package io.imagegate.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.GcInfo;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.NotificationListener;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Watches a child JVM's heap and CPU through JMX (the local management agent, started through
 * the attach API: no port, no flag on the child). Between collections the heap in use only
 * grows, so its peak is the heap in use just before some collection (the collectors'
 * notifications report every one) or at the end of the window; a slow sampler is only a
 * backstop and costs the server almost nothing. The live set is the heap in use just after
 * collections.
 */
final class HeapProbe implements AutoCloseable {

    /** What a server's JVM did during one phase. */
    record Window(long peakUsedBytes, long maxAfterGcBytes, long committedBytes, int collections,
                  long gcPauseMillis, long cpuNanos, long clientCpuNanos) {}

    private static final long SAMPLE_MILLIS = 500;

    private final JMXConnector connector;
    private final MBeanServerConnection mbeans;
    private final MemoryMXBean memory;
    private final ObjectName os;
    private final Thread sampler;
    private final AtomicLong peakUsed = new AtomicLong();
    private final AtomicLong maxAfterGc = new AtomicLong();
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong collections = new AtomicLong();
    private final AtomicLong gcMillis = new AtomicLong();
    private final AtomicLong runPeakUsed = new AtomicLong();
    private final AtomicLong runMaxAfterGc = new AtomicLong();
    private long cpuAtStart;
    private long clientCpuAtStart;
    private volatile boolean closed;

    private HeapProbe(JMXConnector connector) throws IOException {
        this.connector = connector;
        this.mbeans = connector.getMBeanServerConnection();
        this.memory = ManagementFactory.newPlatformMXBeanProxy(mbeans, ManagementFactory.MEMORY_MXBEAN_NAME,
                MemoryMXBean.class);
        try {
            this.os = new ObjectName(ManagementFactory.OPERATING_SYSTEM_MXBEAN_NAME);
            NotificationListener onGc = this::onGc;
            for (ObjectName gc : mbeans.queryNames(new ObjectName(ManagementFactory.GARBAGE_COLLECTOR_MXBEAN_DOMAIN_TYPE + ",*"), null)) {
                mbeans.addNotificationListener(gc, onGc, null, null);
            }
        } catch (javax.management.JMException e) {
            throw new IOException(e);
        }
        this.sampler = Thread.ofPlatform().daemon().name("heap-probe").start(this::sample);
    }

    /** Attaches to the JVM with this process id. */
    static HeapProbe attach(long pid) throws IOException {
        VirtualMachine vm;
        try {
            vm = VirtualMachine.attach(String.valueOf(pid));
        } catch (com.sun.tools.attach.AttachNotSupportedException e) {
            throw new IOException("cannot attach to " + pid + ": " + e.getMessage(), e);
        }
        try {
            String address = vm.startLocalManagementAgent();
            return new HeapProbe(JMXConnectorFactory.connect(new JMXServiceURL(address)));
        } finally {
            vm.detach();
        }
    }

    /** Starts a new window: peaks and counters from now. */
    void begin() {
        peakUsed.set(0);
        maxAfterGc.set(0);
        committed.set(0);
        collections.set(0);
        gcMillis.set(0);
        cpuAtStart = cpuNanos();
        clientCpuAtStart = clientCpuNanos();
    }

    /** What happened since {@link #begin}. */
    Window end() {
        observe(memory.getHeapMemoryUsage());
        return new Window(peakUsed.get(), maxAfterGc.get(), committed.get(), (int) collections.get(),
                gcMillis.get(), cpuNanos() - cpuAtStart, clientCpuNanos() - clientCpuAtStart);
    }

    /** The largest heap in use seen since attaching. */
    long runPeakUsed() {
        return runPeakUsed.get();
    }

    /** The largest heap left in use after a collection since attaching: the live set and what survived. */
    long runMaxAfterGc() {
        return runMaxAfterGc.get();
    }

    /** The configured maximum heap (-Xmx) as the JVM reports it. */
    long maxHeap() {
        return memory.getHeapMemoryUsage().getMax();
    }

    private long cpuNanos() {
        try {
            return ((Number) mbeans.getAttribute(os, "ProcessCpuTime")).longValue();
        } catch (Exception e) {
            return -1;
        }
    }

    /** CPU time of this JVM, the client side: the same SDK work drives every server. */
    private static long clientCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private void sample() {
        while (!closed) {
            try {
                observe(memory.getHeapMemoryUsage());
                Thread.sleep(SAMPLE_MILLIS);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void observe(MemoryUsage usage) {
        peakUsed.accumulateAndGet(usage.getUsed(), Math::max);
        runPeakUsed.accumulateAndGet(usage.getUsed(), Math::max);
        committed.accumulateAndGet(usage.getCommitted(), Math::max);
    }

    private void onGc(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        GcInfo gc = info.getGcInfo();
        long before = heapOnly(gc.getMemoryUsageBeforeGc());
        long after = heapOnly(gc.getMemoryUsageAfterGc());
        peakUsed.accumulateAndGet(before, Math::max);
        runPeakUsed.accumulateAndGet(before, Math::max);
        // concurrent cycles (G1's "G1 Concurrent GC") are not pauses and end with nothing freed yet
        if (!info.getGcName().contains("Concurrent")) {
            maxAfterGc.accumulateAndGet(after, Math::max);
            runMaxAfterGc.accumulateAndGet(after, Math::max);
            collections.incrementAndGet();
            gcMillis.addAndGet(gc.getDuration());
        }
    }

    /** Sums the heap pools (G1 Eden, Survivor, Old Gen; skips Metaspace, code cache and the like). */
    private static long heapOnly(Map<String, MemoryUsage> pools) {
        long sum = 0;
        for (Map.Entry<String, MemoryUsage> e : pools.entrySet()) {
            String name = e.getKey();
            if (name.contains("Eden") || name.contains("Survivor") || name.contains("Old Gen")
                    || name.contains("Humongous")) {
                sum += e.getValue().getUsed();
            }
        }
        return sum;
    }

    @Override
    public void close() {
        closed = true;
        sampler.interrupt();
        try {
            connector.close();
        } catch (IOException e) {
            // the child is going away anyway
        }
    }
}
