package io.imagegate.bench.agentread;

import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The line the boot image's last unit prints on the serial console once {@code multi-user.target}
 * is reached ({@code bench/build-boot-image}): {@code IMAGEGATE-BOOT-COMPLETE <uptime>}, the guest's
 * uptime in seconds. The console is shared with the kernel and systemd, so the marker may sit
 * after other output on the same line, and lines end in CR LF.
 */
final class BootMarker {

    static final String TEXT = "IMAGEGATE-BOOT-COMPLETE";
    private static final Pattern MARKER = Pattern.compile(TEXT + "\\s+(\\d+(?:\\.\\d+)?)");

    private BootMarker() {}

    /** The guest uptime the marker in {@code line} reports; empty when the line holds no complete marker. */
    static OptionalDouble uptime(String line) {
        Matcher m = MARKER.matcher(line);
        return m.find() ? OptionalDouble.of(Double.parseDouble(m.group(1))) : OptionalDouble.empty();
    }
}
