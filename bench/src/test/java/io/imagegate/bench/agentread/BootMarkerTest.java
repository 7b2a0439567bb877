package io.imagegate.bench.agentread;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BootMarkerTest {

    @Test
    void markerAloneOnItsLine() {
        assertEquals(28.48, BootMarker.uptime("IMAGEGATE-BOOT-COMPLETE 28.48").getAsDouble(), 1e-9);
        assertEquals(31.0, BootMarker.uptime("IMAGEGATE-BOOT-COMPLETE 31").getAsDouble(), 1e-9);
    }

    @Test
    void markerAfterOtherConsoleOutputOnTheSameLine() {
        // the kernel and systemd write to the same console: the marker may follow their text, and lines end in CR
        assertEquals(29.5, BootMarker.uptime("[   28.4] bochs-drm: fb0 IMAGEGATE-BOOT-COMPLETE 29.50\r").getAsDouble(), 1e-9);
        assertEquals(12.25, BootMarker.uptime("\u001b[0m\u001b[0;32mIMAGEGATE-BOOT-COMPLETE\t12.25").getAsDouble(), 1e-9);
    }

    @Test
    void otherLinesAreNoMarker() {
        // systemd's own line about the marker's unit, and a marker cut before its number
        assertTrue(BootMarker.uptime("[  OK  ] Finished imagegate-boot-ma…once multi-user.target is reached.").isEmpty());
        assertTrue(BootMarker.uptime("IMAGEGATE-BOOT-COMPLETE").isEmpty());
        assertTrue(BootMarker.uptime("IMAGEGATE-BOOT-COMPLETE x").isEmpty());
        assertTrue(BootMarker.uptime("").isEmpty());
    }
}
