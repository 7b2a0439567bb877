package io.imagegate.bench.snapshots;

import java.util.Locale;

/** How a guest's writes fall on its disk between two snapshots (issue 3). */
public enum Workload {
    /** Runs of 4 KiB to 1 MiB at random places, as a filesystem writes files, journals and metadata. */
    CLUSTERED,
    /** Single 4 KiB blocks at random places: the adversarial case for any chunked store. */
    SCATTERED;

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Workload of(String label) {
        return valueOf(label.trim().toUpperCase(Locale.ROOT));
    }
}
