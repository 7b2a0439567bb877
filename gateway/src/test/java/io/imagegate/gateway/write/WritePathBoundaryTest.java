package io.imagegate.gateway.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The garbage-collection protocol of writes has one home, {@link GuardedWrite}: no other class of
 * the gateway calls what it orders (opening a lease, publishing or putting a part under one,
 * writing packs). Operations cannot reach the chunk layer's writers through {@code Stores} (it
 * gives them a {@code ChunkReader}); this test covers what the compiler cannot, by reading every
 * method reference in the gateway's compiled classes.
 */
class WritePathBoundaryTest {

    /** Methods, by the class (or interface) that declares them, that only the write path may call. */
    private static final Map<String, Set<String>> GUARDED = Map.of(
            "io/imagegate/meta/MetadataStore", Set.of("openLease", "publish", "completeUpload", "putPart"),
            "io/imagegate/meta/ZkMetadataStore", Set.of("openLease", "publish", "completeUpload", "putPart"),
            "io/imagegate/meta/WriteLease", Set.of("protect", "stillLive", "check"),
            "io/imagegate/chunk/ChunkRepository", Set.of("newWriter", "concat", "slice", "edit"),
            "io/imagegate/chunk/DefaultChunkRepository", Set.of("newWriter", "concat", "slice", "edit"));

    private static final String WRITE_PACKAGE = "io/imagegate/gateway/write/";

    @Test
    void onlyTheWritePathPinsWritesPacksOrPublishesUnderALease() throws IOException {
        Path classes = Path.of("target", "classes");
        assertTrue(Files.isDirectory(classes.resolve("io/imagegate/gateway")), "compiled classes at " + classes.toAbsolutePath());
        Set<String> violations = new TreeSet<>();
        Set<String> writePathCalls = new TreeSet<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(classes)) {
            files = walk.filter(p -> p.toString().endsWith(".class")).toList();
        }
        for (Path file : files) {
            String name = classes.relativize(file).toString().replace('\\', '/');
            for (String[] ref : methodRefs(file)) {
                Set<String> guarded = GUARDED.get(ref[0]);
                if (guarded == null || !guarded.contains(ref[1])) {
                    continue;
                }
                if (name.startsWith(WRITE_PACKAGE)) {
                    writePathCalls.add(ref[0] + "." + ref[1]);
                } else {
                    violations.add(name + " calls " + ref[0] + "." + ref[1]);
                }
            }
        }
        assertEquals(Set.of(), violations, "write steps outside io.imagegate.gateway.write");
        // the scan sees what it looks for: the write path itself makes these calls
        assertTrue(writePathCalls.containsAll(Set.of("io/imagegate/meta/MetadataStore.openLease",
                "io/imagegate/meta/MetadataStore.publish", "io/imagegate/meta/MetadataStore.completeUpload",
                "io/imagegate/meta/MetadataStore.putPart", "io/imagegate/meta/WriteLease.check",
                "io/imagegate/meta/WriteLease.stillLive", "io/imagegate/meta/WriteLease.protect",
                "io/imagegate/chunk/ChunkRepository.newWriter", "io/imagegate/chunk/ChunkRepository.concat",
                "io/imagegate/chunk/ChunkRepository.slice", "io/imagegate/chunk/ChunkRepository.edit")),
                writePathCalls.toString());
    }

    /** The (owner class, method name) of every method reference in a class file's constant pool. */
    private static List<String[]> methodRefs(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file); DataInputStream in = new DataInputStream(raw)) {
            if (in.readInt() != 0xCAFEBABE) {
                throw new IOException(file + " is not a class file");
            }
            in.readUnsignedShort();
            in.readUnsignedShort();
            int count = in.readUnsignedShort();
            String[] utf8 = new String[count];
            int[] classNames = new int[count];
            int[][] refs = new int[count][];
            int[] natNames = new int[count];
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> utf8[i] = in.readUTF();
                    case 3, 4 -> in.readInt();
                    case 5, 6 -> {
                        in.readLong();
                        i++; // takes two slots
                    }
                    case 7 -> classNames[i] = in.readUnsignedShort();
                    case 8, 16, 19, 20 -> in.readUnsignedShort();
                    case 9 -> {
                        in.readUnsignedShort();
                        in.readUnsignedShort();
                    }
                    case 10, 11 -> refs[i] = new int[] {in.readUnsignedShort(), in.readUnsignedShort()};
                    case 12 -> {
                        natNames[i] = in.readUnsignedShort();
                        in.readUnsignedShort();
                    }
                    case 15 -> {
                        in.readUnsignedByte();
                        in.readUnsignedShort();
                    }
                    case 17, 18 -> {
                        in.readUnsignedShort();
                        in.readUnsignedShort();
                    }
                    default -> throw new IOException(file + ": unknown constant pool tag " + tag);
                }
            }
            List<String[]> out = new ArrayList<>();
            for (int[] r : refs) {
                if (r != null) {
                    out.add(new String[] {utf8[classNames[r[0]]], utf8[natNames[r[1]]]});
                }
            }
            return out;
        }
    }
}
