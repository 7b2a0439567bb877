package io.imagegate.gateway.gc;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/**
 * How much the gateway stores and how well versions share it: per bucket, and for the whole
 * gateway. Logical bytes are what clients see (the sum of version sizes); physical bytes are what
 * is stored. JSON form in docs/API.md, "Storage report".
 *
 * @param total null for a report of one bucket
 */
public record StorageReport(Instant computed, List<Bucket> buckets, Total total) {

    /**
     * One bucket.
     *
     * @param versions        versions (current and not, delete markers excluded)
     * @param logicalBytes    the sum of their sizes
     * @param physicalBytes   distinct chunk and manifest-page bytes its versions and the parts of
     *                        its uploads in progress reference (shared ones counted once here, and
     *                        in every bucket that references them)
     * @param chunks          distinct stored chunks referenced (zero runs are not stored)
     * @param pages           distinct manifest pages referenced
     * @param uploadParts     parts of uploads in progress, and their bytes
     */
    public record Bucket(String bucket, long versions, long logicalBytes, long physicalBytes, long chunks,
                         long chunkBytes, long pages, long pageBytes, long uploadParts, long uploadPartBytes) {

        public Double dedupRatio() {
            return ratio(logicalBytes, physicalBytes);
        }
    }

    /**
     * The whole gateway.
     *
     * @param referencedBytes distinct chunk and page bytes any live version or part references
     * @param physicalBytes   bytes of every pack in the store, including what the collector has
     *                        not reclaimed yet and pack framing
     */
    public record Total(long buckets, long versions, long logicalBytes, long referencedBytes, long physicalBytes,
                        long packs, long chunks, long pages) {

        public Double dedupRatio() {
            return ratio(logicalBytes, physicalBytes);
        }
    }

    /** logical / physical, or null when nothing is stored. */
    static Double ratio(long logical, long physical) {
        return physical == 0 ? null : (double) logical / physical;
    }

    public byte[] toJson() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = new com.fasterxml.jackson.core.JsonFactory().createGenerator(out)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("computed", computed.toString());
            g.writeArrayFieldStart("buckets");
            for (Bucket b : buckets) {
                g.writeStartObject();
                g.writeStringField("bucket", b.bucket());
                g.writeNumberField("versions", b.versions());
                g.writeNumberField("logicalBytes", b.logicalBytes());
                g.writeNumberField("physicalBytes", b.physicalBytes());
                g.writeNumberField("chunks", b.chunks());
                g.writeNumberField("chunkBytes", b.chunkBytes());
                g.writeNumberField("pages", b.pages());
                g.writeNumberField("pageBytes", b.pageBytes());
                g.writeNumberField("uploadParts", b.uploadParts());
                g.writeNumberField("uploadPartBytes", b.uploadPartBytes());
                ratioField(g, b.dedupRatio());
                g.writeEndObject();
            }
            g.writeEndArray();
            if (total != null) {
                g.writeObjectFieldStart("total");
                g.writeNumberField("buckets", total.buckets());
                g.writeNumberField("versions", total.versions());
                g.writeNumberField("logicalBytes", total.logicalBytes());
                g.writeNumberField("referencedBytes", total.referencedBytes());
                g.writeNumberField("physicalBytes", total.physicalBytes());
                g.writeNumberField("packs", total.packs());
                g.writeNumberField("chunks", total.chunks());
                g.writeNumberField("pages", total.pages());
                ratioField(g, total.dedupRatio());
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void ratioField(JsonGenerator g, Double ratio) throws IOException {
        if (ratio == null) {
            g.writeNullField("dedupRatio");
        } else {
            g.writeNumberField("dedupRatio", Math.round(ratio * 1000) / 1000.0);
        }
    }

    /** A table for the command line. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-32s %10s %16s %16s %10s %8s %8s%n", "BUCKET", "VERSIONS", "LOGICAL", "PHYSICAL",
                "CHUNKS", "PAGES", "DEDUP"));
        for (Bucket b : buckets) {
            sb.append(String.format("%-32s %10d %16d %16d %10d %8d %8s%n", b.bucket(), b.versions(), b.logicalBytes(),
                    b.physicalBytes(), b.chunks(), b.pages(), text(b.dedupRatio())));
        }
        if (total != null) {
            sb.append(String.format("%-32s %10d %16d %16d %10d %8d %8s%n", "(gateway: packs on store)",
                    total.versions(), total.logicalBytes(), total.physicalBytes(), total.chunks(), total.pages(),
                    text(total.dedupRatio())));
            sb.append(String.format("packs: %d; referenced by live versions and parts: %d bytes%n", total.packs(),
                    total.referencedBytes()));
        }
        return sb.toString();
    }

    private static String text(Double ratio) {
        return ratio == null ? "-" : String.format("%.2fx", ratio);
    }
}
