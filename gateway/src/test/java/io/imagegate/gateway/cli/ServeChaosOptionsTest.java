package io.imagegate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code serve}'s chunk-store fault options exist for {@code bench/run chaos} only: off by default and not in --help. */
class ServeChaosOptionsTest {

    @Test
    void chunkStoreFaultOptionsAreHiddenFromHelp() {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = ImagegateCommand.run("serve", "--help");
        } finally {
            System.setOut(saved);
        }
        String help = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit);
        assertTrue(help.contains("--gc-interval"), help);
        assertFalse(help.contains("chaos"), help);
    }
}
