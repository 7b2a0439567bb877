package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.chunk.ChunkStoreStats;
import io.imagegate.meta.UserRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketCannedACL;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.DeleteMarkerEntry;
import software.amazon.awssdk.services.s3.model.DeleteObjectResponse;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.DeletedObject;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.ObjectVersion;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * S3 versioning as AWS behaves, through the AWS SDK v2: enabled and suspended buckets, null
 * versions, delete markers, permanent deletes, bad version ids, ListObjectVersions paging, and
 * restoring an old version by copying it onto its own key without storing a byte.
 */
class VersioningTest {

    static GatewayFixture gw;
    static S3Client s3;
    static SignedHttp raw;

    @BeforeAll
    static void start() {
        gw = GatewayFixture.start();
        s3 = gw.client();
        raw = new SignedHttp(gw.endpoint());
    }

    @AfterAll
    static void stop() throws Exception {
        s3.close();
        gw.close();
    }

    static String versionedBucket(String prefix) {
        String b = GatewayFixture.uniqueBucket(prefix);
        s3.createBucket(r -> r.bucket(b));
        setVersioning(b, BucketVersioningStatus.ENABLED);
        return b;
    }

    static void setVersioning(String bucket, BucketVersioningStatus status) {
        s3.putBucketVersioning(r -> r.bucket(bucket).versioningConfiguration(c -> c.status(status)));
    }

    static String put(String bucket, String key, String body) {
        return s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromString(body)).versionId();
    }

    static String get(String bucket, String key, String versionId) {
        return s3.getObjectAsBytes(r -> r.bucket(bucket).key(key).versionId(versionId)).asUtf8String();
    }

    static List<ObjectVersion> versions(String bucket, String key) {
        return s3.listObjectVersions(r -> r.bucket(bucket).prefix(key)).versions().stream()
                .filter(v -> v.key().equals(key)).toList();
    }

    static String header(S3Exception e, String name) {
        return e.awsErrorDetails().sdkHttpResponse().firstMatchingHeader(name).orElse(null);
    }

    // ---- enabled buckets

    @Test
    void everyWriteToAnEnabledBucketIsAVersionReadableById() {
        String b = versionedBucket("ver-read");
        String v1 = put(b, "disk.raw", "one");
        String v2 = put(b, "disk.raw", "two");
        String v3 = put(b, "disk.raw", "three");
        assertNotNull(v1);
        assertEquals(3, List.of(v1, v2, v3).stream().distinct().count());
        assertEquals("three", get(b, "disk.raw", null));
        assertEquals("one", get(b, "disk.raw", v1));
        assertEquals("two", get(b, "disk.raw", v2));
        ResponseBytes<GetObjectResponse> got = s3.getObjectAsBytes(r -> r.bucket(b).key("disk.raw").versionId(v1));
        assertEquals(v1, got.response().versionId());
        HeadObjectResponse head = s3.headObject(r -> r.bucket(b).key("disk.raw").versionId(v2));
        assertEquals(v2, head.versionId());
        assertEquals(3, head.contentLength());
        assertEquals(v3, s3.headObject(r -> r.bucket(b).key("disk.raw")).versionId());
    }

    @Test
    void versionsAreListedNewestFirstWithOnlyTheCurrentOneLatest() {
        String b = versionedBucket("ver-list");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(put(b, "k", "body " + i));
        }
        List<ObjectVersion> listed = versions(b, "k");
        assertEquals(ids.reversed(), listed.stream().map(ObjectVersion::versionId).toList());
        assertEquals(List.of(true, false, false, false, false), listed.stream().map(ObjectVersion::isLatest).toList());
        assertEquals(6L, listed.get(0).size());
    }

    @Test
    void rangeGetOfAnOldVersionReadsThatVersion() {
        String b = versionedBucket("ver-range");
        String v1 = put(b, "k", "0123456789");
        put(b, "k", "abcdefghij");
        String part = s3.getObjectAsBytes(r -> r.bucket(b).key("k").versionId(v1).range("bytes=3-5")).asUtf8String();
        assertEquals("345", part);
    }

    // ---- delete markers

    @Test
    void deleteWithoutVersionIdAddsADeleteMarker() {
        String b = versionedBucket("ver-marker");
        String v1 = put(b, "k", "kept");
        DeleteObjectResponse del = s3.deleteObject(r -> r.bucket(b).key("k"));
        assertTrue(del.deleteMarker());
        String marker = del.versionId();
        assertNotNull(marker);
        assertNotEquals(v1, marker);

        NoSuchKeyException get = assertThrows(NoSuchKeyException.class, () -> get(b, "k", null));
        assertEquals(404, get.statusCode());
        assertEquals("true", header(get, "x-amz-delete-marker"));
        assertEquals(marker, header(get, "x-amz-version-id"));
        S3Exception head = assertThrows(S3Exception.class, () -> s3.headObject(r -> r.bucket(b).key("k")));
        assertEquals(404, head.statusCode());
        assertEquals("true", header(head, "x-amz-delete-marker"));

        assertEquals("kept", get(b, "k", v1));
        assertTrue(s3.listObjectsV2(r -> r.bucket(b)).contents().isEmpty(), "a marker hides the key from listings");
        ListObjectVersionsResponse listed = s3.listObjectVersions(r -> r.bucket(b));
        assertEquals(1, listed.deleteMarkers().size());
        DeleteMarkerEntry m = listed.deleteMarkers().get(0);
        assertEquals(marker, m.versionId());
        assertTrue(m.isLatest());
        assertEquals(1, listed.versions().size());
        assertFalse(listed.versions().get(0).isLatest());
    }

    @Test
    void getOrHeadOfADeleteMarkersVersionIdIsMethodNotAllowed() throws Exception {
        String b = versionedBucket("ver-405");
        put(b, "k", "x");
        String marker = s3.deleteObject(r -> r.bucket(b).key("k")).versionId();
        S3Exception get = assertThrows(S3Exception.class, () -> get(b, "k", marker));
        assertEquals(405, get.statusCode());
        assertEquals("MethodNotAllowed", get.awsErrorDetails().errorCode());
        assertEquals("true", header(get, "x-amz-delete-marker"));
        assertEquals(marker, header(get, "x-amz-version-id"));
        assertNotNull(header(get, "Last-Modified"));
        S3Exception head = assertThrows(S3Exception.class,
                () -> s3.headObject(r -> r.bucket(b).key("k").versionId(marker)));
        assertEquals(405, head.statusCode());
        assertEquals("true", header(head, "x-amz-delete-marker"));

        SignedHttp.Response rawGet = raw.get("/" + b + "/k?versionId=" + marker);
        assertEquals(405, rawGet.status());
        assertTrue(rawGet.text().contains("<ResourceType>DeleteMarker</ResourceType>"), rawGet.text());
        assertTrue(rawGet.text().contains("<Method>GET</Method>"), rawGet.text());
        assertEquals("DELETE", rawGet.header("Allow").orElse(null));
    }

    @Test
    void deletingTheDeleteMarkerRestoresThePreviousVersion() {
        String b = versionedBucket("ver-undelete");
        String v1 = put(b, "k", "first");
        String v2 = put(b, "k", "second");
        String marker = s3.deleteObject(r -> r.bucket(b).key("k")).versionId();
        DeleteObjectResponse undo = s3.deleteObject(r -> r.bucket(b).key("k").versionId(marker));
        assertTrue(undo.deleteMarker(), "deleting a marker answers x-amz-delete-marker: true");
        assertEquals(marker, undo.versionId());
        assertEquals("second", get(b, "k", null));
        assertEquals(v2, s3.headObject(r -> r.bucket(b).key("k")).versionId());
        assertEquals(List.of(v2, v1), versions(b, "k").stream().map(ObjectVersion::versionId).toList());
        assertTrue(s3.listObjectVersions(r -> r.bucket(b)).deleteMarkers().isEmpty());
        assertEquals(1, s3.listObjectsV2(r -> r.bucket(b)).keyCount());
    }

    @Test
    void deleteMarkersAreOwnedByWhoeverDeleted() {
        String b = versionedBucket("ver-owner");
        s3.putBucketAcl(r -> r.bucket(b).acl(BucketCannedACL.PUBLIC_READ_WRITE));
        put(b, "k", "x");
        UserRecord carol = new UserRecord("carol", "AKIACAROL0000000001", "carol-secret-key-001", Instant.now(), false);
        gw.gateway().meta().createUser(carol);
        try (S3Client c = gw.client(carol.accessKey(), carol.secretKey())) {
            c.deleteObject(r -> r.bucket(b).key("k"));
        }
        DeleteMarkerEntry m = s3.listObjectVersions(r -> r.bucket(b)).deleteMarkers().get(0);
        assertEquals("carol", m.owner().displayName());
    }

    // ---- permanent deletes

    @Test
    void deletingASpecificVersionRemovesItForGood() {
        String b = versionedBucket("ver-purge");
        String v1 = put(b, "k", "one");
        String v2 = put(b, "k", "two");
        String v3 = put(b, "k", "three");
        DeleteObjectResponse d = s3.deleteObject(r -> r.bucket(b).key("k").versionId(v2));
        assertEquals(v2, d.versionId());
        assertFalse(Boolean.TRUE.equals(d.deleteMarker()));
        S3Exception gone = assertThrows(S3Exception.class, () -> get(b, "k", v2));
        assertEquals(404, gone.statusCode());
        assertEquals("NoSuchVersion", gone.awsErrorDetails().errorCode());
        assertEquals(List.of(v3, v1), versions(b, "k").stream().map(ObjectVersion::versionId).toList());

        s3.deleteObject(r -> r.bucket(b).key("k").versionId(v3));
        assertEquals("one", get(b, "k", null), "deleting the current version makes the previous one current");
        assertTrue(versions(b, "k").get(0).isLatest());

        s3.deleteObject(r -> r.bucket(b).key("k").versionId(v1));
        assertTrue(s3.listObjectVersions(r -> r.bucket(b)).versions().isEmpty());
        assertThrows(NoSuchKeyException.class, () -> get(b, "k", null));
        s3.deleteBucket(r -> r.bucket(b));
    }

    @Test
    void deletingAVersionTheKeyDoesNotHaveSucceedsAndChangesNothing() {
        String b = versionedBucket("ver-absent");
        String other = put(b, "other", "x");
        put(b, "k", "kept");
        DeleteObjectResponse d = s3.deleteObject(r -> r.bucket(b).key("k").versionId(other));
        assertEquals(204, d.sdkHttpResponse().statusCode());
        assertEquals("kept", get(b, "k", null));
    }

    // ---- bad version ids

    @Test
    void wellFormedUnknownVersionIdIsNoSuchVersion() {
        String b = versionedBucket("ver-nsv");
        String foreign = put(b, "a", "x");
        put(b, "k", "y");
        for (String key : new String[] {"k", "missing-key"}) {
            S3Exception e = assertThrows(S3Exception.class, () -> get(b, key, foreign));
            assertEquals(404, e.statusCode(), key);
            assertEquals("NoSuchVersion", e.awsErrorDetails().errorCode(), key);
        }
        S3Exception head = assertThrows(S3Exception.class, () -> s3.headObject(r -> r.bucket(b).key("k").versionId(foreign)));
        assertEquals(404, head.statusCode());
    }

    @Test
    void malformedVersionIdIsInvalidArgument() throws Exception {
        String b = versionedBucket("ver-bad");
        put(b, "k", "y");
        for (String bad : new String[] {"garbage", "AAAAAAAAAAAAAAAAAAAAAA", "x"}) {
            S3Exception e = assertThrows(S3Exception.class, () -> get(b, "k", bad));
            assertEquals(400, e.statusCode(), bad);
            assertEquals("InvalidArgument", e.awsErrorDetails().errorCode(), bad);
            S3Exception d = assertThrows(S3Exception.class, () -> s3.deleteObject(r -> r.bucket(b).key("k").versionId(bad)));
            assertEquals(400, d.statusCode(), bad);
            assertEquals("InvalidArgument", d.awsErrorDetails().errorCode(), bad);
        }
        SignedHttp.Response r = raw.get("/" + b + "/k?versionId=garbage");
        assertTrue(r.text().contains("<ArgumentName>versionId</ArgumentName>"), r.text());
        assertEquals("y", get(b, "k", null));
    }

    // ---- null versions and suspended buckets

    @Test
    void anObjectWrittenBeforeVersioningIsTheNullVersion() {
        String b = GatewayFixture.uniqueBucket("ver-null");
        s3.createBucket(r -> r.bucket(b));
        PutObjectResponse before = s3.putObject(r -> r.bucket(b).key("k"), RequestBody.fromString("old"));
        assertNull(before.versionId(), "an unversioned bucket sends no version id");
        setVersioning(b, BucketVersioningStatus.ENABLED);
        String v1 = put(b, "k", "new");
        assertEquals(List.of(v1, "null"), versions(b, "k").stream().map(ObjectVersion::versionId).toList());
        assertEquals("old", get(b, "k", "null"));
        assertEquals("null", s3.headObject(r -> r.bucket(b).key("k").versionId("null")).versionId());
    }

    @Test
    void suspendedBucketWritesReplaceTheNullVersionAndKeepOthers() {
        String b = versionedBucket("ver-susp");
        String v1 = put(b, "k", "versioned");
        setVersioning(b, BucketVersioningStatus.SUSPENDED);
        assertEquals(BucketVersioningStatus.SUSPENDED, s3.getBucketVersioning(r -> r.bucket(b)).status());
        assertNull(put(b, "k", "null one"), "a write into a suspended bucket sends no version id");
        assertNull(put(b, "k", "null two"));
        assertEquals("null", s3.headObject(r -> r.bucket(b).key("k")).versionId(), "reads still say null");
        assertEquals(List.of("null", v1), versions(b, "k").stream().map(ObjectVersion::versionId).toList());
        assertEquals("null two", get(b, "k", null));
        assertEquals("versioned", get(b, "k", v1));

        DeleteObjectResponse d = s3.deleteObject(r -> r.bucket(b).key("k"));
        assertTrue(d.deleteMarker());
        assertEquals("null", d.versionId(), "a suspended bucket's marker is the null version");
        ListObjectVersionsResponse listed = s3.listObjectVersions(r -> r.bucket(b));
        assertEquals(List.of(v1), listed.versions().stream().map(ObjectVersion::versionId).toList());
        assertEquals(List.of("null"), listed.deleteMarkers().stream().map(DeleteMarkerEntry::versionId).toList());

        setVersioning(b, BucketVersioningStatus.ENABLED);
        String v3 = put(b, "k", "again");
        assertEquals(3, s3.listObjectVersions(r -> r.bucket(b)).versions().size()
                + s3.listObjectVersions(r -> r.bucket(b)).deleteMarkers().size());
        assertEquals(v3, s3.headObject(r -> r.bucket(b).key("k")).versionId());
    }

    @Test
    void suspendingANeverVersionedBucketReportsSuspended() {
        String b = GatewayFixture.uniqueBucket("ver-never");
        s3.createBucket(r -> r.bucket(b));
        setVersioning(b, BucketVersioningStatus.SUSPENDED);
        assertEquals(BucketVersioningStatus.SUSPENDED, s3.getBucketVersioning(r -> r.bucket(b)).status());
        assertNull(put(b, "k", "x"));
        assertEquals("x", get(b, "k", "null"));
    }

    /** AWS: PutObject, CopyObject and CompleteMultipartUpload into a Suspended bucket answer no x-amz-version-id. */
    @Test
    void writesIntoASuspendedBucketSendNoVersionIdAndReadsSayNull() {
        String b = versionedBucket("ver-susp-w");
        String v1 = put(b, "src", "source");
        setVersioning(b, BucketVersioningStatus.SUSPENDED);

        CopyObjectResponse copied = s3.copyObject(r -> r.sourceBucket(b).sourceKey("src").sourceVersionId(v1)
                .destinationBucket(b).destinationKey("copy"));
        assertNull(copied.versionId(), "CopyObject");
        assertEquals(v1, copied.copySourceVersionId(), "the source's id is still named");

        String upload = s3.createMultipartUpload(r -> r.bucket(b).key("mpu")).uploadId();
        String etag = s3.uploadPart(r -> r.bucket(b).key("mpu").uploadId(upload).partNumber(1),
                RequestBody.fromString("part")).eTag();
        var completed = s3.completeMultipartUpload(r -> r.bucket(b).key("mpu").uploadId(upload)
                .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(etag).build())));
        assertNull(completed.versionId(), "CompleteMultipartUpload");

        for (String key : List.of("copy", "mpu")) {
            assertEquals("null", s3.headObject(r -> r.bucket(b).key(key)).versionId(), key);
            assertEquals("null", s3.getObject(r -> r.bucket(b).key(key)).response().versionId(), key);
        }
        // a delete marker is a version clients address: its id, null, is named (as AWS does)
        DeleteObjectResponse d = s3.deleteObject(r -> r.bucket(b).key("copy"));
        assertTrue(d.deleteMarker());
        assertEquals("null", d.versionId());

        setVersioning(b, BucketVersioningStatus.ENABLED);
        assertNotNull(put(b, "copy", "enabled again"), "an enabled bucket names the new version");
    }

    // ---- ListObjectVersions

    @Test
    void listObjectVersionsPagesThroughEveryVersionWithMarkers() {
        String b = versionedBucket("ver-page");
        List<String> expected = new ArrayList<>();
        for (String key : new String[] {"a", "b", "c"}) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ids.add(put(b, key, key + i));
            }
            expected.addAll(ids.reversed().stream().map(id -> key + "@" + id).toList());
        }
        String marker = s3.deleteObject(r -> r.bucket(b).key("b")).versionId();
        expected.add(3, "b@" + marker);

        for (int pageSize : new int[] {1, 2, 4, 1000}) {
            List<String> seen = new ArrayList<>();
            String keyMarker = null;
            String idMarker = null;
            int pages = 0;
            while (true) {
                String km = keyMarker;
                String im = idMarker;
                ListObjectVersionsResponse page = s3.listObjectVersions(r -> r.bucket(b).maxKeys(pageSize)
                        .keyMarker(km).versionIdMarker(im));
                pages++;
                List<Object[]> entries = new ArrayList<>();
                page.versions().forEach(v -> entries.add(new Object[] {v.key(), v.versionId(), v.lastModified()}));
                page.deleteMarkers().forEach(m -> entries.add(new Object[] {m.key(), m.versionId(), m.lastModified()}));
                assertTrue(entries.size() <= pageSize);
                // the SDK splits versions from markers: put them back in listing order (key, then newest first)
                entries.sort((x, y) -> {
                    int c = ((String) x[0]).compareTo((String) y[0]);
                    return c != 0 ? c : ((String) y[1]).compareTo((String) x[1]);
                });
                entries.forEach(e -> seen.add(e[0] + "@" + e[1]));
                if (!page.isTruncated()) {
                    break;
                }
                keyMarker = page.nextKeyMarker();
                idMarker = page.nextVersionIdMarker();
                assertNotNull(keyMarker);
                assertNotNull(idMarker);
            }
            assertEquals(expected, seen, "page size " + pageSize);
            assertEquals((expected.size() + pageSize - 1) / pageSize, pages, "page size " + pageSize);
        }
    }

    @Test
    void listObjectVersionsHonoursPrefixDelimiterAndKeyMarker() {
        String b = versionedBucket("ver-delim");
        for (String key : new String[] {"img/a.raw", "img/a.raw", "img/sub/x", "img/sub/y", "other", "img/b.raw"}) {
            put(b, key, key);
        }
        ListObjectVersionsResponse r = s3.listObjectVersions(q -> q.bucket(b).prefix("img/").delimiter("/"));
        assertEquals(List.of("img/a.raw", "img/a.raw", "img/b.raw"), r.versions().stream().map(ObjectVersion::key).toList());
        assertEquals(List.of("img/sub/"), r.commonPrefixes().stream().map(p -> p.prefix()).toList());
        assertEquals("img/", r.prefix());
        assertEquals("/", r.delimiter());

        ListObjectVersionsResponse after = s3.listObjectVersions(q -> q.bucket(b).keyMarker("img/a.raw"));
        assertEquals(List.of("img/b.raw", "img/sub/x", "img/sub/y", "other"),
                after.versions().stream().map(ObjectVersion::key).toList(), "key-marker alone skips every version of it");
    }

    @Test
    void versionIdMarkerResumesWithinAKey() {
        String b = versionedBucket("ver-vidm");
        String v1 = put(b, "k", "1");
        String v2 = put(b, "k", "2");
        String v3 = put(b, "k", "3");
        put(b, "l", "l");
        ListObjectVersionsResponse r = s3.listObjectVersions(q -> q.bucket(b).keyMarker("k").versionIdMarker(v3));
        assertEquals(List.of("k@" + v2, "k@" + v1), r.versions().stream().filter(v -> v.key().equals("k"))
                .map(v -> v.key() + "@" + v.versionId()).toList());
        assertFalse(r.versions().stream().filter(v -> v.key().equals("k")).anyMatch(ObjectVersion::isLatest));
    }

    @Test
    void versionIdMarkerWithoutKeyMarkerIsInvalidArgument() {
        String b = versionedBucket("ver-vidonly");
        String v = put(b, "k", "1");
        S3Exception e = assertThrows(S3Exception.class, () -> s3.listObjectVersions(q -> q.bucket(b).versionIdMarker(v)));
        assertEquals(400, e.statusCode());
        assertEquals("InvalidArgument", e.awsErrorDetails().errorCode());
    }

    @Test
    void listObjectVersionsWithUrlEncodingEncodesKeysAndMarkers() throws Exception {
        String b = versionedBucket("ver-enc");
        put(b, "a b/ü+c", "1");
        put(b, "a b/ü+c", "2");
        put(b, "z", "z");
        SignedHttp.Response r = raw.get("/" + b + "?versions&encoding-type=url&max-keys=1");
        assertEquals(200, r.status(), r.text());
        String xml = r.text();
        assertTrue(xml.contains("<EncodingType>url</EncodingType>"), xml);
        assertTrue(xml.contains("<Key>a%20b/%C3%BC%2Bc</Key>"), xml);
        assertTrue(xml.contains("<NextKeyMarker>a%20b/%C3%BC%2Bc</NextKeyMarker>"), xml);
        assertTrue(xml.contains("<IsTruncated>true</IsTruncated>"), xml);
        assertTrue(xml.contains("<IsLatest>true</IsLatest>"), xml);
        // and the SDK, which decodes, sees the key as it is
        assertEquals("a b/ü+c", s3.listObjectVersions(q -> q.bucket(b).encodingType("url")).versions().get(0).key());
    }

    @Test
    void listingInterleavesMarkersAndVersionsInOrder() throws Exception {
        String b = versionedBucket("ver-xml");
        String v1 = put(b, "k", "1");
        String m = s3.deleteObject(r -> r.bucket(b).key("k")).versionId();
        String v2 = put(b, "k", "2");
        String xml = raw.get("/" + b + "?versions").text();
        List<String> order = new ArrayList<>();
        Matcher matcher = Pattern.compile("<(Version|DeleteMarker)>.*?<VersionId>([^<]+)</VersionId>").matcher(xml);
        while (matcher.find()) {
            order.add(matcher.group(1) + ":" + matcher.group(2));
        }
        assertEquals(List.of("Version:" + v2, "DeleteMarker:" + m, "Version:" + v1), order, xml);
    }

    // ---- ListObjects and DeleteObjects

    @Test
    void listObjectsShowsOnlyCurrentVersionsThatAreNotMarkers() {
        String b = versionedBucket("ver-lo");
        put(b, "a", "1");
        put(b, "a", "22");
        put(b, "b", "x");
        s3.deleteObject(r -> r.bucket(b).key("b"));
        put(b, "c", "c");
        var listed = s3.listObjectsV2(r -> r.bucket(b)).contents();
        assertEquals(List.of("a", "c"), listed.stream().map(o -> o.key()).toList());
        assertEquals(2L, listed.get(0).size());
        assertEquals(List.of("a", "c"), s3.listObjects(r -> r.bucket(b)).contents().stream().map(o -> o.key()).toList());
    }

    @Test
    void deleteObjectsTakesVersionIds() {
        String b = versionedBucket("ver-multi");
        String a1 = put(b, "a", "1");
        String a2 = put(b, "a", "2");
        String c1 = put(b, "c", "1");
        DeleteObjectsResponse r = s3.deleteObjects(q -> q.bucket(b).delete(d -> d.objects(
                ObjectIdentifier.builder().key("a").versionId(a1).build(),
                ObjectIdentifier.builder().key("c").build(),
                ObjectIdentifier.builder().key("a").versionId("not-a-version-id").build())));
        assertEquals(2, r.deleted().size(), r.toString());
        DeletedObject purged = r.deleted().stream().filter(d -> d.key().equals("a")).findFirst().orElseThrow();
        assertEquals(a1, purged.versionId());
        assertFalse(Boolean.TRUE.equals(purged.deleteMarker()));
        DeletedObject marked = r.deleted().stream().filter(d -> d.key().equals("c")).findFirst().orElseThrow();
        assertTrue(marked.deleteMarker());
        assertNotNull(marked.deleteMarkerVersionId());
        assertNull(marked.versionId());
        assertEquals(1, r.errors().size(), "a malformed version id fails only its own entry");
        assertEquals("a", r.errors().get(0).key());

        assertEquals(List.of(a2), versions(b, "a").stream().map(ObjectVersion::versionId).toList());
        assertEquals("1", get(b, "c", c1));
        DeleteObjectsResponse undo = s3.deleteObjects(q -> q.bucket(b).delete(d -> d.objects(
                ObjectIdentifier.builder().key("c").versionId(marked.deleteMarkerVersionId()).build())));
        DeletedObject u = undo.deleted().get(0);
        assertTrue(u.deleteMarker(), "deleting a marker by id reports DeleteMarker");
        assertEquals(marked.deleteMarkerVersionId(), u.deleteMarkerVersionId());
        assertEquals("1", get(b, "c", null));
    }

    // ---- restore by copy, multipart

    @Test
    void copyingAnOldVersionOntoItsKeyRestoresItWithoutStoringData() {
        String b = versionedBucket("ver-restore");
        byte[] old = new byte[3 * 1024 * 1024 + 123];
        new Random(7).nextBytes(old);
        String v1 = s3.putObject(r -> r.bucket(b).key("disk.raw"), RequestBody.fromBytes(old)).versionId();
        byte[] newer = old.clone();
        newer[100] ^= 1;
        s3.putObject(r -> r.bucket(b).key("disk.raw"), RequestBody.fromBytes(newer));

        ChunkStoreStats before = gw.gateway().chunkStore().stats();
        CopyObjectResponse copy = s3.copyObject(r -> r.sourceBucket(b).sourceKey("disk.raw").sourceVersionId(v1)
                .destinationBucket(b).destinationKey("disk.raw"));
        ChunkStoreStats after = gw.gateway().chunkStore().stats();
        assertEquals(before.packsWritten(), after.packsWritten(), "restoring writes no pack");
        assertEquals(before.bytesWritten(), after.bytesWritten(), "restoring writes no byte");

        assertEquals(v1, copy.copySourceVersionId());
        String restored = copy.versionId();
        assertNotNull(restored);
        assertNotEquals(v1, restored);
        assertArrayEquals(old, s3.getObjectAsBytes(r -> r.bucket(b).key("disk.raw")).asByteArray());
        assertEquals(3, versions(b, "disk.raw").size());
        assertEquals(gw.gateway().meta().version(b, "disk.raw", v1).manifest(),
                gw.gateway().meta().version(b, "disk.raw", restored).manifest(), "the restored version shares the manifest");
    }

    @Test
    void copyFromTheCurrentVersionOntoItselfWithoutChangesIsRejected() {
        String b = versionedBucket("ver-self");
        String v = put(b, "k", "x");
        S3Exception e = assertThrows(S3Exception.class, () -> s3.copyObject(r -> r.sourceBucket(b).sourceKey("k")
                .sourceVersionId(v).destinationBucket(b).destinationKey("k")));
        assertEquals(400, e.statusCode());
        assertEquals("InvalidRequest", e.awsErrorDetails().errorCode());
    }

    @Test
    void copyFromADeleteMarkerOrUnknownVersionFails() {
        String b = versionedBucket("ver-copyerr");
        String v = put(b, "k", "x");
        String marker = s3.deleteObject(r -> r.bucket(b).key("k")).versionId();
        S3Exception fromMarker = assertThrows(S3Exception.class, () -> s3.copyObject(r -> r.sourceBucket(b).sourceKey("k")
                .sourceVersionId(marker).destinationBucket(b).destinationKey("k2")));
        assertEquals(400, fromMarker.statusCode());
        S3Exception fromCurrent = assertThrows(S3Exception.class, () -> s3.copyObject(r -> r.sourceBucket(b).sourceKey("k")
                .destinationBucket(b).destinationKey("k2")));
        assertEquals(404, fromCurrent.statusCode());
        assertEquals("NoSuchKey", fromCurrent.awsErrorDetails().errorCode());
        String other = put(b, "o", "o");
        S3Exception unknown = assertThrows(S3Exception.class, () -> s3.copyObject(r -> r.sourceBucket(b).sourceKey("k")
                .sourceVersionId(other).destinationBucket(b).destinationKey("k2")));
        assertEquals(404, unknown.statusCode());
        assertEquals("NoSuchVersion", unknown.awsErrorDetails().errorCode());
        s3.copyObject(r -> r.sourceBucket(b).sourceKey("k").sourceVersionId(v).destinationBucket(b).destinationKey("k2"));
        assertEquals("x", get(b, "k2", null));
    }

    @Test
    void uploadPartCopyTakesAVersionId() {
        String b = versionedBucket("ver-upc");
        byte[] first = new byte[6 * 1024 * 1024];
        new Random(1).nextBytes(first);
        String v1 = s3.putObject(r -> r.bucket(b).key("src"), RequestBody.fromBytes(first)).versionId();
        put(b, "src", "replaced");
        String upload = s3.createMultipartUpload(r -> r.bucket(b).key("dst")).uploadId();
        var part = s3.uploadPartCopy(r -> r.sourceBucket(b).sourceKey("src").sourceVersionId(v1)
                .destinationBucket(b).destinationKey("dst").uploadId(upload).partNumber(1));
        assertEquals(v1, part.copySourceVersionId());
        s3.completeMultipartUpload(r -> r.bucket(b).key("dst").uploadId(upload).multipartUpload(m -> m.parts(
                CompletedPart.builder().partNumber(1).eTag(part.copyPartResult().eTag()).build())));
        assertArrayEquals(first, s3.getObjectAsBytes(r -> r.bucket(b).key("dst")).asByteArray());
    }

    @Test
    void repeatedCompleteOfACompletedUploadAnswersAsTheFirst() {
        String b = versionedBucket("ver-mpu");
        String upload = s3.createMultipartUpload(r -> r.bucket(b).key("k")).uploadId();
        String etag = s3.uploadPart(r -> r.bucket(b).key("k").uploadId(upload).partNumber(1),
                RequestBody.fromString("only part")).eTag();
        var first = s3.completeMultipartUpload(r -> r.bucket(b).key("k").uploadId(upload).multipartUpload(m -> m.parts(
                CompletedPart.builder().partNumber(1).eTag(etag).build())));
        var again = s3.completeMultipartUpload(r -> r.bucket(b).key("k").uploadId(upload).multipartUpload(m -> m.parts(
                CompletedPart.builder().partNumber(1).eTag(etag).build())));
        assertEquals(first.eTag(), again.eTag());
        assertEquals(first.versionId(), again.versionId());
        assertEquals(1, versions(b, "k").size(), "the repeat publishes nothing");
        S3Exception other = assertThrows(S3Exception.class, () -> s3.completeMultipartUpload(r -> r.bucket(b).key("k")
                .uploadId(upload).multipartUpload(m -> m.parts(
                        CompletedPart.builder().partNumber(1).eTag("\"0123456789abcdef0123456789abcdef\"").build()))));
        assertEquals(404, other.statusCode());
        assertEquals("NoSuchUpload", other.awsErrorDetails().errorCode());
        assertEquals("only part", get(b, "k", null));
        assertEquals(List.of(first.versionId()), versions(b, "k").stream().map(ObjectVersion::versionId).toList());
    }
}
