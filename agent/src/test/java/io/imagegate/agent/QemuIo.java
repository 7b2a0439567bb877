package io.imagegate.agent;

import java.util.ArrayList;
import java.util.List;

/** qemu-io as a test's hands on an export: writes with patterns, flushes, reads. */
public final class QemuIo {

    private QemuIo() {}

    /** Runs the given qemu-io commands (e.g. "write -P 0xab 0 4096", "flush") on one connection. */
    public static String run(String url, String... commands) throws Exception {
        Tools.require("qemu-io");
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", "raw"));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(url);
        String out = Tools.ok(cmd);
        if (out.contains("failed") || out.contains("error")) {
            throw new AssertionError("qemu-io: " + out);
        }
        return out;
    }

    /** Applies "write -P pattern offset length" to an expected image. */
    public static void apply(byte[] image, int pattern, long offset, int length) {
        java.util.Arrays.fill(image, (int) offset, (int) (offset + length), (byte) pattern);
    }
}
