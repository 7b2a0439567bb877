package io.imagegate.bench.agentread;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console reading of the boot benchmark. A shell stands in for the guest's console where the point
 * is the reading (CR LF lines, the marker after other output, an early end); the last test starts the
 * real qemu-system-x86_64 with the benchmark's command line.
 */
class QemuGuestTest {

    @TempDir
    Path dir;

    @Test
    void findsTheMarkerAsTheConsolePrintsItAndEndsTheGuest() throws Exception {
        List<String> console = List.of("/bin/sh", "-c",
                "printf '[    0.000000] Linux version 6.1\\r\\n'; sleep 0.2; "
                        + "printf '[  OK  ] Finished imagegate-boot-ma\\r\\n[   28.4] drm: fb0 IMAGEGATE-BOOT-COMP'; sleep 0.2; "
                        + "printf 'LETE 28.48\\r\\nlogin: '; exec sleep 600");
        long pid;
        try (QemuGuest g = QemuGuest.start(console, dir)) {
            pid = g.pid();
            QemuGuest.Marker m = g.awaitMarker(Duration.ofSeconds(30));
            assertEquals(28.48, m.guestUptime(), 1e-9);
            assertEquals("[   28.4] drm: fb0 IMAGEGATE-BOOT-COMPLETE 28.48", m.line());
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the guest outlived close()");
        List<String> log = Files.readAllLines(dir.resolve("serial.log"));
        assertEquals("[    0.000000] Linux version 6.1", log.getFirst());
        assertEquals(3, log.size()); // the unfinished "login: " is not a line yet
    }

    @Test
    void aGuestEndingBeforeTheMarkerFailsWithItsConsole() throws Exception {
        try (QemuGuest g = QemuGuest.start(List.of("/bin/sh", "-c", "echo 'Kernel panic - not syncing'; exit 3"), dir)) {
            IOException e = assertThrows(IOException.class, () -> g.awaitMarker(Duration.ofSeconds(30)));
            assertTrue(e.getMessage().contains("before the boot marker"), e.getMessage());
            assertTrue(e.getMessage().contains("Kernel panic - not syncing"), e.getMessage());
        }
    }

    @Test
    void noMarkerInTimeFails() throws Exception {
        try (QemuGuest g = QemuGuest.start(List.of("/bin/sh", "-c", "echo booting; exec sleep 600"), dir)) {
            IOException e = assertThrows(IOException.class, () -> g.awaitMarker(Duration.ofMillis(300)));
            assertTrue(e.getMessage().contains("no boot marker"), e.getMessage());
        }
    }

    @Test
    void realQemuTakesTheBenchmarksCommandLine() throws Exception {
        Assumptions.assumeTrue(QemuGuest.available(),
                "qemu-system-x86_64 is not installed (Debian: qemu-system-x86): the real-qemu check is skipped");
        // nothing listens on port 1: qemu parses every option, sets the machine up, then fails to open the disk
        // and ends before any boot (an option this qemu did not take would end it earlier, naming the option)
        Path kernel = Files.writeString(dir.resolve("vmlinuz"), "not a kernel");
        Path initrd = Files.writeString(dir.resolve("initrd.img"), "");
        List<String> cmd = QemuGuest.command(kernel, initrd, "nbd://127.0.0.1:1/none", 1, "128", List.of());
        try (QemuGuest g = QemuGuest.start(cmd, dir)) {
            IOException e = assertThrows(IOException.class, () -> g.awaitMarker(Duration.ofSeconds(60)));
            assertTrue(e.getMessage().contains("before the boot marker"), e.getMessage());
        }
        String err = Files.readString(dir.resolve("qemu.stderr"));
        assertTrue(err.contains("Failed to connect to '127.0.0.1:1'"), err);
    }
}
