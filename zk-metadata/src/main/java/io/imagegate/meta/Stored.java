package io.imagegate.meta;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The stored JSON forms of the records in ZooKeeper (docs/FORMAT-zookeeper.md, "Records"), apart
 * from the records the store's API and its code use: every field is named here explicitly, in the
 * order it is written, and each form maps to and from its record in this class and nowhere else. A
 * Java rename therefore never changes the format, and {@link Json} encodes nothing but these forms
 * (and the internal records that are themselves stored forms: pins, the collector state, the
 * partition map). The golden dump in zk-metadata's tests ({@code golden/zookeeper.dump}) pins the
 * bytes of each.
 */
final class Stored {

    private Stored() {}

    /** A record as it is stored in one znode. */
    sealed interface Doc permits VersionDoc, KeyDoc, BucketDoc, UploadDoc, UploadStateDoc, PartDoc, UserDoc, RootDoc,
            PartsDirDoc, LifecycleDoc, CorsDoc, LifecycleRunsDoc, Policies.Doc, Pins.PinData, Pins.GcState, GcCoordination.LockData, MapData.Root,
            MapData.Page {}

    // ---- versions and keys

    /** A version: the key record's {@code current}, and {@code obj/<name>/<group>/<ordinal>}. */
    @JsonPropertyOrder({"key", "versionId", "deleteMarker", "owner", "lastModified", "size", "etag", "manifest",
            "partCount", "headers", "userMetadata", "checksums", "checksumType", "acl", "grants"})
    record VersionDoc(
            @JsonProperty("key") String key,
            @JsonProperty("versionId") String versionId,
            @JsonProperty("deleteMarker") boolean deleteMarker,
            @JsonProperty("owner") String owner,
            @JsonProperty("lastModified") Instant lastModified,
            @JsonProperty("size") long size,
            @JsonProperty("etag") String etag,
            @JsonProperty("manifest") String manifest,
            @JsonProperty("partCount") int partCount,
            @JsonProperty("headers") Map<String, String> headers,
            @JsonProperty("userMetadata") Map<String, String> userMetadata,
            @JsonProperty("checksums") Map<String, String> checksums,
            @JsonProperty("checksumType") ChecksumType checksumType,
            @JsonProperty("acl") CannedAcl acl,
            @JsonProperty("grants") List<GrantDoc> grants) implements Doc {

        static VersionDoc of(VersionRecord v) {
            return v == null ? null : new VersionDoc(v.key(), v.versionId(), v.deleteMarker(), v.owner(),
                    v.lastModified(), v.size(), v.etag(), v.manifest(), v.partCount(), v.headers(), v.userMetadata(),
                    v.checksums(), v.checksumType(), v.acl(), GrantDoc.of(v.grants()));
        }

        VersionRecord record() {
            return new VersionRecord(key, versionId, deleteMarker, owner, lastModified, size, etag, manifest, partCount,
                    headers, userMetadata, checksums, checksumType, acl, GrantDoc.grants(grants));
        }
    }

    /** One grant of an explicit ACL: a user's canonical {@code id} or a group's {@code uri}, and its permission. */
    @JsonPropertyOrder({"id", "uri", "permission"})
    record GrantDoc(
            @JsonProperty("id") String id,
            @JsonProperty("uri") String uri,
            @JsonProperty("permission") Grant.Permission permission) {

        static List<GrantDoc> of(List<Grant> grants) {
            return grants == null ? null : grants.stream().map(g -> new GrantDoc(g.id(), g.uri(), g.permission())).toList();
        }

        static List<Grant> grants(List<GrantDoc> docs) {
            return docs == null ? null : docs.stream().map(d -> new Grant(d.id(), d.uri(), d.permission())).toList();
        }
    }

    /** A key: {@code obj/<name>}, its current version inline. */
    @JsonPropertyOrder({"current", "ordinal", "nextOrdinal", "born", "nullOrdinal", "token", "incarnation"})
    record KeyDoc(
            @JsonProperty("current") VersionDoc current,
            @JsonProperty("ordinal") long ordinal,
            @JsonProperty("nextOrdinal") long nextOrdinal,
            @JsonProperty("born") long born,
            @JsonProperty("nullOrdinal") Long nullOrdinal,
            @JsonProperty("token") String token,
            @JsonProperty("incarnation") String incarnation) implements Doc {

        static KeyDoc of(KeyState s) {
            return new KeyDoc(VersionDoc.of(s.current()), s.ordinal(), s.nextOrdinal(), s.born(), s.nullOrdinal(),
                    s.token(), s.incarnation());
        }

        KeyState state() {
            return new KeyState(current == null ? null : current.record(), ordinal, nextOrdinal, born, nullOrdinal,
                    token, incarnation);
        }
    }

    static byte[] version(VersionRecord v) {
        return Json.write(VersionDoc.of(v));
    }

    static VersionRecord version(byte[] data) {
        return Json.read(data, VersionDoc.class).record();
    }

    static byte[] key(KeyState s) {
        return Json.write(KeyDoc.of(s));
    }

    static KeyState key(byte[] data) {
        return Json.read(data, KeyDoc.class).state();
    }

    // ---- buckets

    /** A bucket: {@code buckets/<bucket>}. */
    @JsonPropertyOrder({"name", "owner", "created", "acl", "versioning", "chunkSize", "region", "token", "incarnation",
            "grants"})
    record BucketDoc(
            @JsonProperty("name") String name,
            @JsonProperty("owner") String owner,
            @JsonProperty("created") Instant created,
            @JsonProperty("acl") CannedAcl acl,
            @JsonProperty("versioning") Versioning versioning,
            @JsonProperty("chunkSize") int chunkSize,
            @JsonProperty("region") String region,
            @JsonProperty("token") String token,
            @JsonProperty("incarnation") String incarnation,
            @JsonProperty("grants") List<GrantDoc> grants) implements Doc {

        BucketRecord record() {
            return new BucketRecord(name, owner, created, acl, versioning, chunkSize, region, incarnation,
                    GrantDoc.grants(grants));
        }
    }

    /** The bucket record as stored by the write with {@code token}, of the bucket's {@code incarnation}. */
    static byte[] bucket(BucketRecord b, String token, String incarnation) {
        return Json.write(new BucketDoc(b.name(), b.owner(), b.created(), b.acl(), b.versioning(), b.chunkSize(),
                b.region(), token, incarnation, GrantDoc.of(b.grants())));
    }

    static BucketDoc bucket(byte[] data) {
        return Json.read(data, BucketDoc.class);
    }

    // ---- multipart uploads

    /** What CreateMultipartUpload was told: the {@code upload} of an upload's record. */
    @JsonPropertyOrder({"uploadId", "key", "owner", "initiated", "headers", "userMetadata", "checksumAlgorithm",
            "checksumType", "acl", "grants"})
    record UploadDoc(
            @JsonProperty("uploadId") String uploadId,
            @JsonProperty("key") String key,
            @JsonProperty("owner") String owner,
            @JsonProperty("initiated") Instant initiated,
            @JsonProperty("headers") Map<String, String> headers,
            @JsonProperty("userMetadata") Map<String, String> userMetadata,
            @JsonProperty("checksumAlgorithm") String checksumAlgorithm,
            @JsonProperty("checksumType") ChecksumType checksumType,
            @JsonProperty("acl") CannedAcl acl,
            @JsonProperty("grants") List<GrantDoc> grants) implements Doc {

        static UploadDoc of(UploadRecord u) {
            return new UploadDoc(u.uploadId(), u.key(), u.owner(), u.initiated(), u.headers(), u.userMetadata(),
                    u.checksumAlgorithm(), u.checksumType(), u.acl(), GrantDoc.of(u.grants()));
        }

        UploadRecord record() {
            return new UploadRecord(uploadId, key, owner, initiated, headers, userMetadata, checksumAlgorithm,
                    checksumType, acl, GrantDoc.grants(grants));
        }
    }

    /** An upload's record: {@code uploads/<uploadId>}. */
    @JsonPropertyOrder({"upload", "state", "result", "completed", "token"})
    record UploadStateDoc(
            @JsonProperty("upload") UploadDoc upload,
            @JsonProperty("state") StoredUpload.State state,
            @JsonProperty("result") VersionDoc result,
            @JsonProperty("completed") Instant completed,
            @JsonProperty("token") String token) implements Doc {}

    static byte[] upload(StoredUpload s) {
        return Json.write(new UploadStateDoc(UploadDoc.of(s.upload()), s.state(), VersionDoc.of(s.result()),
                s.completed(), s.token()));
    }

    static StoredUpload upload(byte[] data) {
        UploadStateDoc d = Json.read(data, UploadStateDoc.class);
        return new StoredUpload(d.upload() == null ? null : d.upload().record(), d.state(),
                d.result() == null ? null : d.result().record(), d.completed(), d.token());
    }

    /** A part: {@code parts/<c>/<uploadId>/<nnnnn>}. */
    @JsonPropertyOrder({"partNumber", "etag", "size", "lastModified", "manifest", "checksums"})
    record PartDoc(
            @JsonProperty("partNumber") int partNumber,
            @JsonProperty("etag") String etag,
            @JsonProperty("size") long size,
            @JsonProperty("lastModified") Instant lastModified,
            @JsonProperty("manifest") String manifest,
            @JsonProperty("checksums") Map<String, String> checksums) implements Doc {}

    static byte[] part(PartRecord p) {
        return Json.write(new PartDoc(p.partNumber(), p.etag(), p.size(), p.lastModified(), p.manifest(),
                p.checksums()));
    }

    static PartRecord part(byte[] data) {
        PartDoc d = Json.read(data, PartDoc.class);
        return new PartRecord(d.partNumber(), d.etag(), d.size(), d.lastModified(), d.manifest(), d.checksums());
    }

    /** An upload's part directory: {@code parts/<c>/<uploadId>}, naming the upload's bucket. */
    record PartsDirDoc(@JsonProperty("bucket") String bucket) implements Doc {}

    static byte[] partsDir(String bucket) {
        return Json.write(new PartsDirDoc(bucket));
    }

    static String partsDir(byte[] data) {
        return Json.read(data, PartsDirDoc.class).bucket();
    }

    // ---- users

    /** A user: {@code users/<user>} and the same bytes in {@code accesskeys/<accessKey>}. */
    @JsonPropertyOrder({"name", "accessKey", "secretKey", "created", "admin", "id", "token", "email"})
    record UserDoc(
            @JsonProperty("name") String name,
            @JsonProperty("accessKey") String accessKey,
            @JsonProperty("secretKey") String secretKey,
            @JsonProperty("created") Instant created,
            @JsonProperty("admin") boolean admin,
            @JsonProperty("id") String id,
            @JsonProperty("token") String token,
            @JsonProperty("email") String email) implements Doc {

        UserRecord record() {
            return new UserRecord(name, accessKey, secretKey, created, admin, id, email);
        }
    }

    static byte[] user(UserRecord u, String token) {
        return Json.write(new UserDoc(u.name(), u.accessKey(), u.secretKey(), u.created(), u.admin(), u.id(), token,
                u.email()));
    }

    static UserDoc user(byte[] data) {
        return Json.read(data, UserDoc.class);
    }

    // ---- lifecycle

    /** A bucket's lifecycle configuration: {@code buckets/<bucket>/lifecycle}, written by the write with {@code token}. */
    @JsonPropertyOrder({"rules", "token"})
    record LifecycleDoc(
            @JsonProperty("rules") List<RuleDoc> rules,
            @JsonProperty("token") String token) implements Doc {

        LifecycleConfiguration record() {
            return new LifecycleConfiguration(rules == null ? List.of() : rules.stream().map(RuleDoc::record).toList());
        }
    }

    /** One rule of a {@link LifecycleDoc}. */
    @JsonPropertyOrder({"id", "enabled", "filter", "expiration", "noncurrent", "abortDays"})
    record RuleDoc(
            @JsonProperty("id") String id,
            @JsonProperty("enabled") boolean enabled,
            @JsonProperty("filter") FilterDoc filter,
            @JsonProperty("expiration") ExpirationDoc expiration,
            @JsonProperty("noncurrent") NoncurrentDoc noncurrent,
            @JsonProperty("abortDays") Integer abortDays) {

        static RuleDoc of(LifecycleConfiguration.Rule r) {
            LifecycleConfiguration.Filter f = r.filter();
            LifecycleConfiguration.Expiration e = r.expiration();
            LifecycleConfiguration.NoncurrentExpiration n = r.noncurrent();
            return new RuleDoc(r.id(), r.enabled(),
                    new FilterDoc(f.form(), f.prefix(), f.sizeGreaterThan(), f.sizeLessThan()),
                    e == null ? null : new ExpirationDoc(e.days(), e.date(), e.expiredObjectDeleteMarker()),
                    n == null ? null : new NoncurrentDoc(n.days(), n.newerVersions()), r.abortDays());
        }

        LifecycleConfiguration.Rule record() {
            return new LifecycleConfiguration.Rule(id, enabled,
                    new LifecycleConfiguration.Filter(filter.form(), filter.prefix(), filter.sizeGreaterThan(),
                            filter.sizeLessThan()),
                    expiration == null ? null : new LifecycleConfiguration.Expiration(expiration.days(),
                            expiration.date(), expiration.expiredObjectDeleteMarker()),
                    noncurrent == null ? null : new LifecycleConfiguration.NoncurrentExpiration(noncurrent.days(),
                            noncurrent.newerVersions()),
                    abortDays);
        }
    }

    @JsonPropertyOrder({"form", "prefix", "sizeGreaterThan", "sizeLessThan"})
    record FilterDoc(
            @JsonProperty("form") LifecycleConfiguration.FilterForm form,
            @JsonProperty("prefix") String prefix,
            @JsonProperty("sizeGreaterThan") Long sizeGreaterThan,
            @JsonProperty("sizeLessThan") Long sizeLessThan) {}

    @JsonPropertyOrder({"days", "date", "expiredObjectDeleteMarker"})
    record ExpirationDoc(
            @JsonProperty("days") Integer days,
            @JsonProperty("date") Instant date,
            @JsonProperty("expiredObjectDeleteMarker") boolean expiredObjectDeleteMarker) {}

    @JsonPropertyOrder({"days", "newerVersions"})
    record NoncurrentDoc(@JsonProperty("days") int days, @JsonProperty("newerVersions") Integer newerVersions) {}

    static byte[] lifecycle(LifecycleConfiguration c, String token) {
        return Json.write(new LifecycleDoc(c.rules().stream().map(RuleDoc::of).toList(), token));
    }

    static LifecycleDoc lifecycle(byte[] data) {
        return Json.read(data, LifecycleDoc.class);
    }

    // ---- CORS

    /** A bucket's CORS configuration: {@code buckets/<bucket>/cors}, written by the write with {@code token}. */
    @JsonPropertyOrder({"rules", "token"})
    record CorsDoc(
            @JsonProperty("rules") List<CorsRuleDoc> rules,
            @JsonProperty("token") String token) implements Doc {

        CorsConfiguration record() {
            return new CorsConfiguration(rules == null ? List.of() : rules.stream().map(CorsRuleDoc::record).toList());
        }
    }

    /** One rule of a {@link CorsDoc}. */
    @JsonPropertyOrder({"id", "allowedOrigins", "allowedMethods", "allowedHeaders", "exposeHeaders", "maxAgeSeconds"})
    record CorsRuleDoc(
            @JsonProperty("id") String id,
            @JsonProperty("allowedOrigins") List<String> allowedOrigins,
            @JsonProperty("allowedMethods") List<String> allowedMethods,
            @JsonProperty("allowedHeaders") List<String> allowedHeaders,
            @JsonProperty("exposeHeaders") List<String> exposeHeaders,
            @JsonProperty("maxAgeSeconds") Integer maxAgeSeconds) {

        static CorsRuleDoc of(CorsConfiguration.Rule r) {
            return new CorsRuleDoc(r.id(), r.allowedOrigins(), r.allowedMethods(), r.allowedHeaders(), r.exposeHeaders(),
                    r.maxAgeSeconds());
        }

        CorsConfiguration.Rule record() {
            return new CorsConfiguration.Rule(id, allowedOrigins == null ? List.of() : allowedOrigins,
                    allowedMethods == null ? List.of() : allowedMethods, allowedHeaders, exposeHeaders, maxAgeSeconds);
        }
    }

    static byte[] cors(CorsConfiguration c, String token) {
        return Json.write(new CorsDoc(c.rules().stream().map(CorsRuleDoc::of).toList(), token));
    }

    static CorsDoc cors(byte[] data) {
        return Json.read(data, CorsDoc.class);
    }

    /** Where the lifecycle rules' runs stand: {@code lifecycle}. */
    @JsonPropertyOrder({"lastCompleted", "running"})
    record LifecycleRunsDoc(
            @JsonProperty("lastCompleted") Instant lastCompleted,
            @JsonProperty("running") CheckpointDoc running) implements Doc {}

    @JsonPropertyOrder({"run", "now", "started", "bucket", "afterKey", "bucketDone"})
    record CheckpointDoc(
            @JsonProperty("run") String run,
            @JsonProperty("now") Instant now,
            @JsonProperty("started") Instant started,
            @JsonProperty("bucket") String bucket,
            @JsonProperty("afterKey") String afterKey,
            @JsonProperty("bucketDone") boolean bucketDone) {}

    static byte[] lifecycleRuns(LifecycleRunState s) {
        LifecycleRunState.Checkpoint c = s.running();
        return Json.write(new LifecycleRunsDoc(s.lastCompleted(), c == null ? null
                : new CheckpointDoc(c.run(), c.now(), c.started(), c.bucket(), c.afterKey(), c.bucketDone())));
    }

    static LifecycleRunState lifecycleRuns(byte[] data) {
        LifecycleRunsDoc d = Json.read(data, LifecycleRunsDoc.class);
        CheckpointDoc c = d.running();
        return new LifecycleRunState(d.lastCompleted(), c == null ? null
                : new LifecycleRunState.Checkpoint(c.run(), c.now(), c.started(), c.bucket(), c.afterKey(),
                        c.bucketDone()));
    }

    // ---- the root

    /** The root znode: the metadata's format, and whether an upgrade to it is under way. */
    @JsonPropertyOrder({"format", "upgrading"})
    record RootDoc(@JsonProperty("format") int format, @JsonProperty("upgrading") Boolean upgrading) implements Doc {}

    static byte[] root(int format, boolean upgrading) {
        return Json.write(new RootDoc(format, upgrading ? Boolean.TRUE : null));
    }

    static RootDoc root(byte[] data) {
        return Json.read(data, RootDoc.class);
    }
}
