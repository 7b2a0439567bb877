package io.imagegate.helm;

import com.marcnuri.helm.Helm;
import org.junit.jupiter.api.Assumptions;

/**
 * Whether helm-java's bundled Helm (a native library called through JNA) loads on this machine.
 * If it does not, the chart tests are skipped with the reason, not failed: the chart is not the
 * cause. Anything after a successful load (lint errors, render failures) fails as usual.
 */
final class HelmAvailable {

    private static final String VERSION;
    private static final Throwable PROBLEM;

    static {
        String version = null;
        Throwable problem = null;
        try {
            version = Helm.version().call();
        } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError from JNA, IllegalStateException, ...
            problem = t;
        }
        VERSION = version;
        PROBLEM = problem;
    }

    private HelmAvailable() {
    }

    /** Skips the calling test (or class, from {@code @BeforeAll}) when Helm cannot run here. */
    static String assume() {
        Assumptions.assumeTrue(PROBLEM == null, () -> "SKIPPED: helm-java's native Helm library could not be loaded on "
                + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + " (java "
                + System.getProperty("java.version") + "): " + PROBLEM + ". The chart was neither linted nor rendered.");
        return VERSION;
    }
}
