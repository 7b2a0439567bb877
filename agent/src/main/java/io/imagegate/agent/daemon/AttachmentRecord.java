package io.imagegate.agent.daemon;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * An attachment as it survives a restart: {@code exports/NAME/export.json}, replaced atomically
 * (written beside, synced, renamed, directory synced). {@code layers} lists the overlay generations
 * oldest first; the last is the active one, the others are frozen by snapshots not yet committed.
 * {@code caBundle} (absent in records written before it existed: null) is the CA bundle the
 * endpoint is trusted by; {@code tls} (absent: null, read as auto) the NBD TLS of its listener;
 * {@code hydrateRate} (absent: null, no hydration) the rate in bytes a second at which the whole
 * version is fetched in the background.
 */
public record AttachmentRecord(int format, String name, String bucket, String key, String versionId, String etag,
                               long size, String mode, int chunkSize, String endpoint, String region, String listen,
                               String socket, boolean readOnly, String profile, List<Long> layers, long nextGeneration,
                               List<String> snapshots, String caBundle, String tls,
                               Long hydrateRate) {

    static final int FORMAT = 1;
    static final String FILE = "export.json";
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public AttachmentRecord {
        layers = List.copyOf(layers);
        snapshots = List.copyOf(snapshots);
    }

    AttachmentRecord withHydrateRate(Long rate) {
        return new AttachmentRecord(format, name, bucket, key, versionId, etag, size, mode, chunkSize, endpoint, region,
                listen, socket, readOnly, profile, layers, nextGeneration, snapshots, caBundle, tls, rate);
    }

    AttachmentRecord withLayers(List<Long> l, long next) {
        return new AttachmentRecord(format, name, bucket, key, versionId, etag, size, mode, chunkSize, endpoint, region,
                listen, socket, readOnly, profile, l, next, snapshots, caBundle, tls, hydrateRate);
    }

    AttachmentRecord withVersion(String v, String e, List<Long> l, String snapshot) {
        List<String> s = new ArrayList<>(snapshots);
        if (snapshot != null) {
            s.add(snapshot);
        }
        return new AttachmentRecord(format, name, bucket, key, v, e, size, mode, chunkSize, endpoint, region, listen,
                socket, readOnly, profile, l, nextGeneration, s, caBundle, tls, hydrateRate);
    }

    static AttachmentRecord read(Path dir) throws IOException {
        AttachmentRecord r = JSON.readValue(dir.resolve(FILE).toFile(), AttachmentRecord.class);
        if (r.format != FORMAT) {
            throw new IOException(dir.resolve(FILE) + " has format " + r.format + ", this agent reads " + FORMAT);
        }
        return r;
    }

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path tmp = dir.resolve(FILE + ".tmp");
        Files.write(tmp, JSON.writeValueAsBytes(this));
        try (FileChannel f = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            f.force(true);
        }
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // directories cannot be opened for sync on some file systems
        }
    }

    static ObjectMapper json() {
        return JSON;
    }
}
