package io.imagegate.bench.scaleout;

import io.imagegate.bench.ServerProcess;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The one chunk store every gateway of a run shares: a local directory (LocalChunkStore supports
 * several processes on one directory; each gateway's {@code DATA/chunks} is a symbolic link to it)
 * or an S3 service, here s3proxy with its filesystem backend in a child JVM, which is the
 * production shape (gateways on many machines, one S3 service).
 */
sealed interface ChunkBackend extends AutoCloseable {

    String label();

    /** Arguments of {@code imagegate serve} for this store. */
    List<String> serveArgs();

    /** Environment of every gateway process. */
    Map<String, String> env();

    /** Prepares a gateway's data directory (the local store links its chunk directory). */
    void prepare(Path gatewayData) throws IOException;

    /** The backend's own process, if any. */
    List<ChildJvm> processes();

    @Override
    void close();

    /** A local chunk directory shared by all gateways. */
    record Local(Path chunks) implements ChunkBackend {
        static Local at(Path dir) throws IOException {
            Files.createDirectories(dir);
            return new Local(dir);
        }

        @Override
        public String label() {
            return "local";
        }

        @Override
        public List<String> serveArgs() {
            return List.of();
        }

        @Override
        public Map<String, String> env() {
            return Map.of();
        }

        @Override
        public void prepare(Path gatewayData) throws IOException {
            Files.createDirectories(gatewayData);
            Path link = gatewayData.resolve("chunks");
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, chunks);
        }

        @Override
        public List<ChildJvm> processes() {
            return List.of();
        }

        @Override
        public void close() {}
    }

    /** s3proxy (filesystem backend, data kept under the work directory) as the gateways' S3 service. */
    record S3(ChildJvm s3proxy, URI endpoint, String bucket, long cacheMb) implements ChunkBackend {

        static final String BUCKET = "imagegate-chunks";

        /** Starts s3proxy on {@code dataDir}, keeping what an earlier run stored there. */
        static S3 start(Path work, Path dataDir, Path java, String benchClasspath, Path logback, String heap,
                        long cacheMb) throws IOException {
            Files.createDirectories(dataDir);
            int port = Ensemble.freePort();
            URI endpoint = URI.create("http://127.0.0.1:" + port);
            Path props = work.resolve("s3proxy.properties");
            Files.writeString(props, String.join("\n",
                    "s3proxy.endpoint=" + endpoint,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + ServerProcess.ACCESS_KEY,
                    "s3proxy.credential=" + ServerProcess.SECRET_KEY,
                    "jclouds.provider=filesystem",
                    "jclouds.identity=" + ServerProcess.ACCESS_KEY,
                    "jclouds.credential=" + ServerProcess.SECRET_KEY,
                    "jclouds.filesystem.basedir=" + dataDir,
                    ""));
            List<String> cmd = List.of(java.toString(), "-Xmx" + heap, "-XX:+UseG1GC",
                    "-Dlogback.configurationFile=" + logback, "-cp", benchClasspath, "org.gaul.s3proxy.Main",
                    "--properties", props.toString());
            ChildJvm p = ChildJvm.start("s3proxy", ChildJvm.Role.BACKEND, cmd, Map.of(), work.resolve("s3proxy.log"));
            return new S3(p, endpoint, BUCKET, cacheMb);
        }

        @Override
        public String label() {
            return "s3";
        }

        @Override
        public List<String> serveArgs() {
            return List.of("--chunks", "s3://" + bucket + "/packs", "--chunks-endpoint", endpoint.toString(),
                    "--chunks-cache-mb", String.valueOf(cacheMb));
        }

        @Override
        public Map<String, String> env() {
            return Map.of("IMAGEGATE_CHUNKS_ACCESS_KEY", ServerProcess.ACCESS_KEY,
                    "IMAGEGATE_CHUNKS_SECRET_KEY", ServerProcess.SECRET_KEY);
        }

        @Override
        public void prepare(Path gatewayData) throws IOException {
            Files.createDirectories(gatewayData);
        }

        @Override
        public List<ChildJvm> processes() {
            return List.of(s3proxy);
        }

        @Override
        public void close() {
            s3proxy.close();
        }
    }
}
