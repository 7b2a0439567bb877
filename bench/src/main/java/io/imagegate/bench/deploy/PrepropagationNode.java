package io.imagegate.bench.deploy;

import io.imagegate.bench.BenchTls;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A node that copies the whole image first (one GET of a presigned URL through its link, as
 * {@code curl -o} would), then boots from local disk. The copy's bytes are received and counted but
 * not kept: 64 copies of the image would not fit this machine's disk. The boot then reads the one
 * local copy of the image the benchmark holds, which the page cache keeps warm; a node writing and
 * reading back its own copy would be slower, never faster.
 */
final class PrepropagationNode implements DeployNode {

    private final Path dir;
    private final ShapedNetwork.NodeLink link;
    private final Gateway gateway;
    private final Path localImage;
    private HttpClient http;
    private long received;

    PrepropagationNode(Path dir, ShapedNetwork.NodeLink link, Gateway gateway, Path localImage) {
        this.dir = dir;
        this.link = link;
        this.gateway = gateway;
        this.localImage = localImage;
    }

    @Override
    public void prepare() {
        http = BenchTls.trust(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))).build();
    }

    @Override
    public void boot(TraceReplay replay) throws IOException, InterruptedException {
        URI url = URI.create(gateway.presignedGet(link.endpoint(), Duration.ofHours(3)));
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(url).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            if (r.statusCode() != 200) {
                throw new IOException("GET of the image: " + r.statusCode() + " " + new String(in.readNBytes(500)));
            }
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                received += n;
            }
        }
        if (received != gateway.imageSize()) {
            throw new IOException("received " + received + " of " + gateway.imageSize() + " bytes");
        }
        try (BlockTarget t = BlockTarget.local(localImage, dir.resolve("scratch.raw"))) {
            replay.run(t);
        }
    }

    @Override
    public Map<String, Long> counters() {
        return Map.of("downloadedBytes", received);
    }

    @Override
    public void close() {
        if (http != null) {
            http.close();
        }
    }
}
