package io.imagegate.bench.agentread;

import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One guest boot under qemu as {@code bench/record-boot-trace} runs it: TCG (no KVM), direct kernel
 * boot of the image's kernel and initrd, the root file system on virtio-blk from an NBD URL. The
 * serial console is qemu's stdout, read line by line as it comes, so the boot marker is seen the
 * moment qemu writes it (no polling of a file); every line goes to {@code serial.log}.
 */
final class QemuGuest implements AutoCloseable {

    /**
     * The kernel command line. {@code no_timer_check}: under TCG on a loaded host the kernel's check that the timer
     * interrupt arrives through the IO-APIC can fail ("IO-APIC + timer doesn't work!") and panic before the first
     * console line, as on a slow hypervisor; the option skips the check (common for guests). {@code panic=1}: a
     * guest that panics anyway reboots, which {@code -no-reboot} turns into qemu's exit, so the harness reports it
     * at once instead of waiting for its timeout.
     */
    static final String APPEND = "root=/dev/vda rw console=ttyS0 no_timer_check panic=1";

    /** When the marker was read: {@link System#nanoTime()} and the guest's own uptime it reports. */
    record Marker(long nanoTime, double guestUptime, String line) {}

    private final Process process;
    private final CompletableFuture<Marker> marker = new CompletableFuture<>();
    private final Deque<String> tail = new ArrayDeque<>();
    private final Thread reader;
    private final Thread onExit;

    private QemuGuest(Process process, Path serialLog) {
        this.process = process;
        this.reader = Thread.ofPlatform().daemon().name("qemu-serial").start(() -> read(serialLog));
        // a benchmark stopped with ^C or a signal must not leave a guest running on the CPUs
        this.onExit = new Thread(process::destroyForcibly, "qemu-kill");
        Runtime.getRuntime().addShutdownHook(onExit);
    }

    /** The qemu command line: the guest of the boot image, its disk at {@code nbdUrl}. */
    static List<String> command(Path kernel, Path initrd, String nbdUrl, int cpus, String memory, List<String> extra) {
        List<String> cmd = new ArrayList<>(List.of("qemu-system-x86_64", "-machine", "pc", "-accel", "tcg",
                "-m", memory, "-smp", Integer.toString(cpus), "-display", "none", "-monitor", "none", "-nic", "none",
                "-no-reboot", "-serial", "stdio",
                "-kernel", kernel.toString(), "-initrd", initrd.toString(),
                "-append", APPEND,
                "-drive", "file=" + nbdUrl + ",format=raw,if=virtio"));
        cmd.addAll(extra);
        return cmd;
    }

    static boolean available() {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, "qemu-system-x86_64"))) {
                return true;
            }
        }
        return false;
    }

    static QemuGuest start(List<String> command, Path dir) throws IOException {
        Files.createDirectories(dir);
        Process p = new ProcessBuilder(command).redirectError(dir.resolve("qemu.stderr").toFile()).start();
        return new QemuGuest(p, dir.resolve("serial.log"));
    }

    long pid() {
        return process.pid();
    }

    /** Waits for the marker; fails when qemu ends first or {@code timeout} passes (with the console's last lines). */
    Marker awaitMarker(Duration timeout) throws IOException, InterruptedException {
        try {
            return marker.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException("no boot marker within " + timeout.toSeconds() + " s; console:\n" + tail());
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        }
    }

    private void read(Path serialLog) {
        try (InputStream in = process.getInputStream();
             BufferedWriter log = Files.newBufferedWriter(serialLog, StandardCharsets.UTF_8)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) >= 0) {
                long now = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    if (buf[i] != '\n') {
                        line.write(buf[i]);
                        continue;
                    }
                    String s = line.toString(StandardCharsets.UTF_8).replace("\r", "");
                    line.reset();
                    log.write(s);
                    log.newLine();
                    log.flush(); // a console read while the guest runs (a hung boot) shows where it is
                    remember(s);
                    OptionalDouble up = BootMarker.uptime(s);
                    if (up.isPresent() && !marker.isDone()) {
                        marker.complete(new Marker(now, up.getAsDouble(), s));
                    }
                }
            }
        } catch (IOException e) {
            // qemu's stdout closed under us: the process is ending
        }
        marker.completeExceptionally(new IOException("qemu ended (exit "
                + (process.isAlive() ? "?" : process.exitValue()) + ") before the boot marker; console:\n" + tail()));
    }

    private synchronized void remember(String line) {
        tail.addLast(line);
        if (tail.size() > 30) {
            tail.removeFirst();
        }
    }

    private synchronized String tail() {
        return String.join("\n", tail);
    }

    @Override
    public void close() throws InterruptedException {
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        reader.join(5000);
    }
}
