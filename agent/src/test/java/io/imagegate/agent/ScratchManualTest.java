package io.imagegate.agent;

import io.imagegate.agent.daemon.Agent;
import io.imagegate.agent.daemon.AttachResult;
import java.nio.file.Files;
import java.nio.file.Path;

/** Not a test: serves an image from an in-memory s3proxy for manual poking with NBD clients. */
final class ScratchManualTest {
    public static void main(String[] args) throws Exception {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Thread.getAllStackTraces().forEach((t, st) -> {
                System.out.println("THREAD " + t);
                for (var e : st) System.out.println("    " + e);
            });
        }));
        Path dir = Files.createTempDirectory("scratch");
        try (S3ProxyFixture store = S3ProxyFixture.inMemory(); var s3 = store.client();
             Agent agent = AgentHarness.start(dir)) {
            Images.bucket(s3, "images", false);
            Images.put(s3, "images", "d.raw", Images.disk(Integer.parseInt(args[0]), 1));
            AttachResult a = agent.attach(AgentHarness.attach(store.endpoint(), "s3://images/d.raw",
                    S3ProxyFixture.ACCESS_KEY, S3ProxyFixture.SECRET_KEY).withListen("127.0.0.1:" + args[1]));
            System.out.println("READY " + a.url());
            long t0 = System.nanoTime();
            try {
                Thread.sleep(Long.parseLong(args[2]));
            } catch (Throwable t) {
                System.out.println("SLEEP THREW " + t);
            }
            System.out.println("MAIN END after " + (System.nanoTime() - t0) / 1000000 + " ms");
        }
    }
}
