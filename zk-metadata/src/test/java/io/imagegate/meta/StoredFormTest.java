package io.imagegate.meta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The stored forms of ZooKeeper records are pinned by a golden dump ({@code golden/zookeeper.dump}):
 * every record decodes to the values it was written with, encodes back to the same bytes, and is
 * shown as it is in docs/FORMAT-zookeeper.md. A Java field renamed, reordered or retyped fails here.
 */
class StoredFormTest {

    private static final String ROOT = "/imagegate";
    /** Owners are canonical ids (docs/FORMAT-zookeeper.md, "Owners"): alice's, and bob's. */
    private static final String ALICE = "3f1c0e5a9b7d4c2e8f6a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e";
    private static final String BOB = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d";
    private static final String KEY = ROOT + "/buckets/images/obj/debian-12.raw";
    private static final String ACTIVE = ROOT + "/buckets/images/uploads/Qk1k8YtN4sRz0pLmW2vXc7HuE5aJgD9f";
    private static final String COMPLETED = ROOT + "/buckets/images/uploads/x7Jd2KfP9qLs4VnB8mRt1WcY6hZa0GeU";
    private static final String PARTS = ROOT + "/parts/Q/Qk1k8YtN4sRz0pLmW2vXc7HuE5aJgD9f";

    private final Map<String, byte[]> dump = dump();

    /** The dump's records by path, in order. */
    private static Map<String, byte[]> dump() {
        Map<String, byte[]> records = new LinkedHashMap<>();
        try (InputStream in = StoredFormTest.class.getResourceAsStream("/golden/zookeeper.dump")) {
            assertNotNull(in, "golden/zookeeper.dump is on the test class path");
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int space = line.indexOf(' ');
                records.put(line.substring(0, space), line.substring(space + 1).getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return records;
    }

    private byte[] at(String path) {
        byte[] data = dump.get(path);
        assertNotNull(data, "the dump holds " + path);
        return data;
    }

    @Test
    void theRootRecordNamesTheFormat() {
        Stored.RootDoc root = Stored.root(at(ROOT));
        assertEquals(FormatUpgrade.FORMAT, root.format());
        assertNull(root.upgrading());
        assertArrayEquals(at(ROOT), Stored.root(root.format(), false));
    }

    @Test
    void aBucketRecordRoundTrips() {
        byte[] data = at(ROOT + "/buckets/images");
        Stored.BucketDoc doc = Stored.bucket(data);
        BucketRecord b = doc.record();
        assertEquals(new BucketRecord("images", ALICE, Instant.parse("2024-11-25T15:58:12Z"), CannedAcl.PRIVATE,
                Versioning.ENABLED, 65536, "us-east-1", "Zq8RkN1pYe4fGu7A"), b);
        assertEquals("h3TQ9xKv2mLc0bWs", doc.token());
        assertArrayEquals(data, Stored.bucket(b, doc.token(), b.incarnation()));
    }

    @Test
    void aKeyRecordWithItsCurrentVersionRoundTrips() {
        byte[] data = at(KEY);
        KeyState s = Stored.key(data);
        assertEquals(2, s.ordinal());
        assertEquals(3, s.nextOrdinal());
        assertEquals(1732550400123L, s.born());
        assertNull(s.nullOrdinal());
        assertEquals("kT0FhV3nQ8rZc2Ls", s.token());
        assertEquals("Nq5Wm1XbTg7yHe3D", s.incarnation());
        VersionRecord v = s.current();
        assertEquals("debian-12.raw", v.key());
        assertEquals(new VersionIds.Parsed(s.born(), 2), VersionIds.parse(v.versionId()));
        assertFalse(v.deleteMarker());
        assertEquals(ALICE, v.owner());
        assertEquals(Instant.parse("2024-11-27T11:02:41.789Z"), v.lastModified());
        assertEquals(2147483648L, v.size());
        assertEquals("e0c1f4b8d2a7956c3b1e8f4d7a2c5b90-410", v.etag());
        assertTrue(v.manifest().startsWith("m1:65536:2147483648:2:"), v.manifest());
        assertEquals(410, v.partCount());
        assertEquals(Map.of("content-type", "application/octet-stream"), v.headers());
        assertEquals(Map.of("os", "debian", "release", "12.8"), v.userMetadata());
        assertEquals(Map.of("CRC32C", "yZRlqg=="), v.checksums());
        assertEquals(ChecksumType.COMPOSITE, v.checksumType());
        assertEquals(CannedAcl.PUBLIC_READ, v.acl());
        assertArrayEquals(data, Stored.key(s));
    }

    @Test
    void historyRecordsRoundTrip() {
        byte[] put = at(KEY + "/00000000/0000000000");
        VersionRecord v = Stored.version(put);
        assertEquals(new VersionIds.Parsed(1732550400123L, 0), VersionIds.parse(v.versionId()));
        assertEquals(Instant.parse("2024-11-25T16:00:00.123Z"), v.lastModified());
        assertEquals("9b2cf535f27731c974343645a3985328", v.etag());
        assertEquals(0, v.partCount());
        assertEquals(Map.of("content-type", "application/octet-stream", "cache-control", "no-cache"), v.headers());
        assertEquals(Map.of("CRC64NVME", "c1Rh6ZMpbWg="), v.checksums());
        assertEquals(ChecksumType.FULL_OBJECT, v.checksumType());
        assertEquals(CannedAcl.PRIVATE, v.acl());
        assertArrayEquals(put, Stored.version(v));

        byte[] marker = at(KEY + "/00000000/0000000001");
        VersionRecord m = Stored.version(marker);
        assertEquals(new VersionIds.Parsed(1732550400123L, 1), VersionIds.parse(m.versionId()));
        assertTrue(m.deleteMarker());
        assertEquals(BOB, m.owner());
        assertNull(m.etag());
        assertNull(m.manifest());
        assertNull(m.checksumType());
        assertNull(m.acl());
        assertEquals(Map.of(), m.headers());
        assertArrayEquals(marker, Stored.version(m));
    }

    /** Explicit grants (PutBucketAcl with grants): kept as given, in order, after the fields of format 2. */
    @Test
    void aBucketRecordWithExplicitGrantsRoundTrips() {
        byte[] data = at(ROOT + "/buckets/shared");
        Stored.BucketDoc doc = Stored.bucket(data);
        BucketRecord b = doc.record();
        assertEquals(BOB, b.owner());
        assertEquals(CannedAcl.PRIVATE, b.acl(), "what a reader that knows no grants sees");
        assertEquals(List.of(Grant.user(BOB, Grant.Permission.FULL_CONTROL), Grant.user(ALICE, Grant.Permission.READ),
                Grant.user(ALICE, Grant.Permission.WRITE),
                Grant.group(Grant.AUTHENTICATED_USERS, Grant.Permission.READ_ACP)), b.grants());
        assertTrue(b.accessControlList().explicit());
        assertArrayEquals(data, Stored.bucket(b, doc.token(), b.incarnation()));
    }

    /** Explicit grants on a version (PutObjectAcl with grants, PutObject with x-amz-grant-*). */
    @Test
    void aVersionWithExplicitGrantsRoundTrips() {
        byte[] data = at(ROOT + "/buckets/images/obj/shared.raw");
        KeyState s = Stored.key(data);
        VersionRecord v = s.current();
        assertEquals(new VersionIds.Parsed(s.born(), 0), VersionIds.parse(v.versionId()));
        assertEquals(ALICE, v.owner());
        assertEquals(CannedAcl.PRIVATE, v.acl());
        assertEquals(List.of(Grant.user(BOB, Grant.Permission.READ), Grant.group(Grant.ALL_USERS, Grant.Permission.READ),
                Grant.user(BOB, Grant.Permission.WRITE_ACP)), v.grants());
        assertEquals(AccessControlList.of(v.grants()), v.accessControlList());
        assertArrayEquals(data, Stored.key(s));
        // and records without grants decode to a canned ACL
        assertNull(Stored.key(at(KEY)).current().grants());
        assertNull(Stored.bucket(at(ROOT + "/buckets/images")).record().grants());
    }

    @Test
    void thePartitionMapRoundTrips() {
        byte[] rootData = at(ROOT + "/buckets/images/map");
        MapData.Root root = Json.read(rootData, MapData.Root.class);
        assertEquals(1, root.format());
        assertEquals(List.of(new MapData.Bound("", "0f0e0d0c0b0a"), new MapData.Bound("vm/0412", "9a8b7c6d5e4f")),
                root.pages());
        assertArrayEquals(rootData, Json.write(root));

        byte[] pageData = at(ROOT + "/buckets/images/map/0f0e0d0c0b0a");
        MapData.Page page = Json.read(pageData, MapData.Page.class);
        assertEquals(List.of(new MapData.Bound("", "a1b2c3d4e5f6"), new MapData.Bound("ubuntu", "0a1b2c3d4e5f")),
                page.partitions());
        assertEquals(new MapData.Move("a1b2c3d4e5f6", "0a1b2c3d4e5f", "ubuntu", 1732633200000L), page.move());
        assertArrayEquals(pageData, Json.write(page));
    }

    @Test
    void uploadRecordsRoundTrip() {
        byte[] activeData = at(ACTIVE);
        StoredUpload active = Stored.upload(activeData);
        assertEquals(StoredUpload.State.ACTIVE, active.state());
        assertTrue(active.active());
        assertNull(active.result());
        assertNull(active.completed());
        assertEquals(new UploadRecord("Qk1k8YtN4sRz0pLmW2vXc7HuE5aJgD9f", "ubuntu-24.04.raw", ALICE,
                Instant.parse("2024-11-27T12:00:00.001Z"), Map.of("content-type", "application/x-raw"), Map.of(),
                "CRC32", ChecksumType.COMPOSITE, CannedAcl.PRIVATE), active.upload());
        assertEquals("pL4sD9vB2xQ7nK0w", active.token());
        assertArrayEquals(activeData, Stored.upload(active));

        byte[] doneData = at(COMPLETED);
        StoredUpload done = Stored.upload(doneData);
        assertEquals(StoredUpload.State.COMPLETED, done.state());
        assertEquals(Stored.key(at(KEY)).current(), done.result(), "the completed upload holds the version it published");
        assertEquals(Stored.key(at(KEY)).token(), done.token(), "and the token of the publish that completed it");
        assertEquals(Instant.parse("2024-11-27T11:02:41.789Z"), done.completed());
        assertEquals("CRC32C", done.upload().checksumAlgorithm());
        assertArrayEquals(doneData, Stored.upload(done));
    }

    /** An upload's grants travel to the version CompleteMultipartUpload publishes. */
    @Test
    void anUploadRecordWithExplicitGrantsRoundTrips() {
        byte[] data = at(ROOT + "/buckets/images/uploads/Rm2n9ZuO5tSa1qMnX3wYd8IvF6bKhE0g");
        StoredUpload u = Stored.upload(data);
        assertEquals(StoredUpload.State.ACTIVE, u.state());
        assertNull(u.upload().checksumAlgorithm());
        assertEquals(AccessControlList.of(List.of(Grant.user(BOB, Grant.Permission.FULL_CONTROL),
                Grant.group(Grant.AUTHENTICATED_USERS, Grant.Permission.READ))), u.upload().accessControlList());
        assertArrayEquals(data, Stored.upload(u));
        assertNull(Stored.upload(at(ACTIVE)).upload().grants(), "an upload of a canned ACL has no grants");
    }

    @Test
    void partRecordsRoundTrip() {
        byte[] dir = at(PARTS);
        assertEquals("images", Stored.partsDir(dir));
        assertArrayEquals(dir, Stored.partsDir("images"));

        byte[] data = at(PARTS + "/00001");
        PartRecord p = Stored.part(data);
        assertEquals(1, p.partNumber());
        assertEquals("5f363e0e58a95f06cbe9bbc662c5dfb6", p.etag());
        assertEquals(5242880, p.size());
        assertEquals(Instant.parse("2024-11-27T12:00:03.512Z"), p.lastModified());
        assertTrue(p.manifest().startsWith("m1:65536:5242880:1:"), p.manifest());
        assertEquals(Map.of("CRC32", "aB3xZQ=="), p.checksums());
        assertArrayEquals(data, Stored.part(p));
    }

    @Test
    void aUserRecordRoundTripsAndIsTheSameUnderItsAccessKey() {
        byte[] data = at(ROOT + "/users/alice");
        assertArrayEquals(data, at(ROOT + "/accesskeys/AKIAIOSFODNN7EXAMPLE"));
        Stored.UserDoc doc = Stored.user(data);
        assertEquals(new UserRecord("alice", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                Instant.parse("2024-11-25T15:50:00Z"), false, ALICE), doc.record());
        assertEquals(ALICE, doc.record().canonicalId(), "the id that owner fields name her by");
        assertEquals("uV2cR8mT5qX1kN7p", doc.token());
        assertArrayEquals(data, Stored.user(doc.record(), doc.token()));
    }

    @Test
    void aUserRecordWithAnEmailAddressRoundTrips() {
        byte[] data = at(ROOT + "/users/bob");
        assertArrayEquals(data, at(ROOT + "/accesskeys/AKIAI44QH8DHBEXAMPLE"));
        Stored.UserDoc doc = Stored.user(data);
        assertEquals(new UserRecord("bob", "AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
                Instant.parse("2024-11-25T15:52:00Z"), false, BOB, "bob@example.com"), doc.record());
        assertArrayEquals(data, Stored.user(doc.record(), doc.token()));
        assertNull(Stored.user(at(ROOT + "/users/alice")).record().email(), "alice has none");
    }

    @Test
    void collectorRecordsRoundTrip() {
        byte[] stateData = at(ROOT + "/gc/state");
        Pins.GcState state = Json.read(stateData, Pins.GcState.class);
        assertEquals(new Pins.GcState(12, true), state);
        assertArrayEquals(stateData, Json.write(state));

        byte[] lockData = at(ROOT + "/gc/collector");
        GcCoordination.LockData lock = Json.read(lockData, GcCoordination.LockData.class);
        assertEquals(new GcCoordination.LockData(4242, "gw-1", 1732550400123L), lock);
        assertArrayEquals(lockData, Json.write(lock));

        byte[] pinData = at(ROOT + "/gc/pins/F/F4eVh7Kq1zMw9aRt");
        Pins.PinData pin = Json.read(pinData, Pins.PinData.class);
        assertEquals("Bo3tXw8nLq5yMz2c", pin.owner());
        assertEquals(1732709356000L, pin.since());
        assertEquals(1, pin.manifests().size());
        assertEquals(Long.valueOf(12), pin.released());
        assertNull(pin.orphaned());
        assertArrayEquals(pinData, Json.write(pin));
    }

    @Test
    void aPolicyRecordRoundTrips() {
        byte[] data = at(ROOT + "/buckets/images/policy");
        Policies.Doc doc = Json.read(data, Policies.Doc.class);
        assertNull(doc.user(), "a bucket policy names no user");
        assertTrue(doc.document().startsWith("{\"Version\":\"2012-10-17\""), doc.document());
        assertEquals(Map.of("arn:aws:iam::000000000000:user/node-7", BOB), doc.users());
        assertEquals("pQ3vK8nR2sT6wY1z", doc.token());
        assertEquals(new PolicyDocument(doc.document(), Map.of("arn:aws:iam::000000000000:user/node-7", BOB)),
                doc.policy());
        assertArrayEquals(data, Json.write(doc));
    }

    @Test
    void aCorsRecordRoundTrips() {
        byte[] data = at(ROOT + "/buckets/images/cors");
        Stored.CorsDoc doc = Stored.cors(data);
        assertEquals(new CorsConfiguration(List.of(
                new CorsConfiguration.Rule("console", List.of("https://console.example.com", "https://*.example.org"),
                        List.of("GET", "HEAD", "PUT"), List.of("*"), List.of("ETag", "x-amz-version-id"), 3000),
                new CorsConfiguration.Rule(null, List.of("*"), List.of("GET"), List.of(), List.of(), null))),
                doc.record());
        assertEquals("cR7wT2mK9pL4xN1v", doc.token());
        assertArrayEquals(data, Stored.cors(doc.record(), doc.token()));
    }

    @Test
    void readersIgnoreFieldsTheyDoNotKnowAndTakeMissingOnesAsAbsent() {
        String later = new String(at(ROOT + "/buckets/images"), StandardCharsets.UTF_8)
                .replace("\"region\"", "\"addedLater\":{\"x\":[1,2]},\"region\"")
                .replace(",\"incarnation\":\"Zq8RkN1pYe4fGu7A\"", "");
        BucketRecord b = Stored.bucket(later.getBytes(StandardCharsets.UTF_8)).record();
        assertEquals("us-east-1", b.region());
        assertNull(b.incarnation(), "a record of format 1 has no incarnation");
    }

    /** Every record but the root, the parts directory and the access-key copy of the user is shown in the document. */
    @Test
    void docsFormatZookeeperShowsTheseRecords() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "FORMAT-zookeeper.md"));
        List<JsonNode> shown = new ArrayList<>();
        Matcher m = Pattern.compile("```json\\n(.*?)```", Pattern.DOTALL).matcher(doc);
        while (m.find()) {
            shown.add(Json.MAPPER.readTree(m.group(1)));
        }
        for (Map.Entry<String, byte[]> e : dump.entrySet()) {
            String path = e.getKey();
            if (path.equals(ROOT) || path.equals(PARTS) || path.startsWith(ROOT + "/accesskeys/")) {
                continue;
            }
            JsonNode record = Json.MAPPER.readTree(e.getValue());
            assertTrue(shown.contains(record), "docs/FORMAT-zookeeper.md shows the record of " + path + " as "
                    + "the golden dump has it: " + record);
        }
    }
}
