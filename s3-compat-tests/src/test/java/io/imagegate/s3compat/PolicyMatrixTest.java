package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.meta.PolicyDocument;
import io.imagegate.meta.UserRecord;
import io.imagegate.s3compat.AuthorizationMatrixTest.Req;
import io.imagegate.s3compat.AuthorizationMatrixTest.Result;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;

/**
 * Every operation against every kind of key once policies are in play: the bucket's owner (under
 * a bucket policy that denies even it deleting versions of base images), a node key (the user
 * policy of README.md's "A node key", read from the README), a reader that a bucket policy grants
 * {@code s3:GetObject} on {@code base/*} and listing with {@code s3:prefix} {@code base/}, another
 * user with no policy, and anonymous callers; on a base image ({@code images/base/...}), a VM disk
 * ({@code images/vm-...}) and a VM disk in another bucket of the same owner. The expectations are
 * the policies' statements, evaluated as docs/SECURITY.md says (explicit Deny, then Allow, then
 * the owner and ACL rules), written out per key below.
 */
class PolicyMatrixTest {

    static GatewayFixture gw;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    static final byte[] OBJECT = "the object of the policy matrix".getBytes(StandardCharsets.UTF_8);

    /** Who calls: access key and secret (null for anonymous). */
    enum Key {
        OWNER("AKIAPMATRIXOWNER0001", "pmatrix-owner-secret-01"),
        NODE("AKIAPMATRIXNODE00001", "pmatrix-node-secret-001"),
        READER("AKIAPMATRIXREADER001", "pmatrix-reader-secret-1"),
        OTHER("AKIAPMATRIXOTHER0001", "pmatrix-other-secret-01"),
        ANONYMOUS(null, null);

        final String ak;
        final String sk;

        Key(String ak, String sk) {
            this.ak = ak;
            this.sk = sk;
        }
    }

    /** Where an operation acts: a bucket and the prefix of the keys it touches there. */
    enum Target {
        BASE("images", "base/"), VM("images", "vm-"), OTHER_BUCKET("other", "vm-");

        final String bucket;
        final String prefix;

        Target(String bucket, String prefix) {
            this.bucket = bucket;
            this.prefix = prefix;
        }

        /** The object there that reads act on. */
        String object() {
            return prefix + "disk.raw";
        }
    }

    /**
     * Where a cell acts: its target, the version of its object, the version of an object the owner
     * wrote for this cell alone (what it deletes or commits on, so the shared object stays the
     * owner's: a version belongs to its writer), a unique tag.
     */
    record Cell(Target t, String version, String ownVersion, String tag) {
        String b() {
            return "/" + t.bucket;
        }

        String k() {
            return b() + "/" + t.object();
        }

        String key(String what) {
            return b() + "/" + t.prefix + what + "-" + tag;
        }
    }

    /** An operation: its name, whether it acts on a bucket (run on BASE's and OTHER_BUCKET's) or an object, its status when allowed. */
    record Op(String name, boolean onBucket, int allowed, Function<Cell, Req> request) {}

    static final String VERSIONING_ON = "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            + "<Status>Enabled</Status></VersioningConfiguration>";

    static final List<Op> OPS = List.of(
            new Op("ListBuckets", true, 200, c -> Req.of("GET", "/")),
            new Op("CreateBucket", true, 200, c -> Req.of("PUT", "/pmatrix-new-" + c.tag())),
            new Op("HeadBucket", true, 200, c -> Req.of("HEAD", c.b())),
            new Op("ListObjectsV2", true, 200, c -> Req.of("GET", c.b() + "?list-type=2")),
            new Op("ListObjectsV2 prefix=base/", true, 200, c -> Req.of("GET", c.b() + "?list-type=2&prefix=base%2F")),
            new Op("ListObjectVersions", true, 200, c -> Req.of("GET", c.b() + "?versions")),
            new Op("ListMultipartUploads", true, 200, c -> Req.of("GET", c.b() + "?uploads")),
            new Op("GetBucketVersioning", true, 200, c -> Req.of("GET", c.b() + "?versioning")),
            new Op("PutBucketVersioning", true, 200, c -> Req.of("PUT", c.b() + "?versioning").body(VERSIONING_ON)),
            new Op("GetBucketAcl", true, 200, c -> Req.of("GET", c.b() + "?acl")),
            new Op("GetBucketPolicy", true, 200, c -> Req.of("GET", c.b() + "?policy")),
            new Op("PutBucketPolicy", true, 204, c -> Req.of("PUT", c.b() + "?policy").body(bucketPolicy(c.t().bucket))),
            new Op("DeleteBucket", true, 409, c -> Req.of("DELETE", c.b())),
            new Op("GetObject", false, 200, c -> Req.of("GET", c.k())),
            new Op("HeadObject", false, 200, c -> Req.of("HEAD", c.k())),
            new Op("GetObjectVersion", false, 200, c -> Req.of("GET", c.k() + "?versionId=" + c.version())),
            new Op("GetManifest", false, 200, c -> Req.of("GET", c.k() + "?manifest")),
            new Op("GetManifestBinary", false, 200, c -> Req.of("GET", c.k() + "?manifest&format=binary")),
            new Op("MissingChunks", false, 200, c -> Req.of("POST", c.k() + "?missing-chunks")
                    .header("Content-Type", "application/json").body("{\"hashes\":[\"" + "ab".repeat(32) + "\"]}")),
            // a commit that keeps the cell's own object as it is: the same bytes, a new version
            new Op("CommitVersion", false, 200, c -> {
                try {
                    return new Req("POST", c.key("cell") + "?commit", Map.of("x-imagegate-base-version-id", c.ownVersion(),
                            "Content-Type", "application/vnd.imagegate.commit"),
                            ExtensionCalls.commitBody(OBJECT.length, List.of()));
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            }),
            new Op("PutObject", false, 200, c -> Req.of("PUT", c.key("put")).body("x")),
            new Op("CopyObject", false, 200, c -> Req.of("PUT", c.key("copy")).header("x-amz-copy-source", c.k())),
            new Op("CreateMultipartUpload", false, 200, c -> Req.of("POST", c.key("mpu") + "?uploads")),
            new Op("DeleteObject", false, 204, c -> Req.of("DELETE", c.key("gone"))),
            new Op("DeleteObjectVersion", false, 204, c -> Req.of("DELETE", c.key("cell") + "?versionId="
                    + c.ownVersion())),
            new Op("DeleteObjects", false, 200, c -> {
                String xml = "<Delete><Object><Key>" + c.key("gone").substring(c.b().length() + 1)
                        + "</Key></Object></Delete>";
                return Req.of("POST", c.b() + "?delete").header("Content-MD5", AuthorizationMatrixTest.md5(xml)).body(xml);
            }),
            new Op("GetObjectAcl", false, 200, c -> Req.of("GET", c.k() + "?acl")),
            new Op("PutObjectAcl", false, 200, c -> Req.of("PUT", c.k() + "?acl").header("x-amz-acl", "private")));

    /**
     * Each bucket's policy: the owner may not delete versions of base images (nor may anyone); the
     * reader may read base images of {@code images} and list them there.
     */
    static String bucketPolicy(String bucket) {
        String readerArn = "arn:aws:iam::000000000000:user/pmatrix-reader";
        if (bucket.equals("images")) {
            return "{\"Version\":\"2012-10-17\",\"Statement\":["
                    + "{\"Sid\":\"KeepBaseImages\",\"Effect\":\"Deny\",\"Principal\":\"*\","
                    + "\"Action\":\"s3:DeleteObjectVersion\",\"Resource\":\"arn:aws:s3:::images/base/*\"},"
                    + "{\"Sid\":\"ReaderReadsBase\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" + readerArn + "\"},"
                    + "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::images/base/*\"},"
                    + "{\"Sid\":\"ReaderListsBase\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" + readerArn + "\"},"
                    + "\"Action\":\"s3:ListBucket\",\"Resource\":\"arn:aws:s3:::images\","
                    + "\"Condition\":{\"StringEquals\":{\"s3:prefix\":\"base/\"}}}]}";
        }
        return "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" + readerArn
                + "\"},\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::other/public/*\"}]}";
    }

    /** What each key may do on each target: the policies above and README's node key, read as AWS reads them. */
    static boolean allowed(Key k, Op op, Target t) {
        String o = op.name();
        return switch (k) {
            // the owner: everything in its buckets, but the bucket policy's explicit Deny
            case OWNER -> !(o.equals("DeleteObjectVersion") && t == Target.BASE);
            // README's node key: reads of images/*, snapshots of images/vm-*, nothing else; its
            // Deny of s3:CreateBucket keeps it from owning buckets
            case NODE -> switch (o) {
                case "ListBuckets" -> true;
                case "GetObject", "HeadObject", "GetObjectVersion", "GetManifest", "GetManifestBinary" ->
                        t != Target.OTHER_BUCKET;
                case "MissingChunks", "CommitVersion" -> t == Target.VM;
                default -> false;
            };
            // the reader: s3:GetObject on images/base/* (not s3:GetObjectVersion; a manifest is a
            // read of the version), listing with the prefix base/ only; as any user, ListBuckets and
            // buckets of its own
            case READER -> switch (o) {
                case "ListBuckets", "CreateBucket" -> true;
                case "GetObject", "HeadObject", "GetManifest", "GetManifestBinary" -> t == Target.BASE;
                case "ListObjectsV2 prefix=base/" -> t == Target.BASE;
                default -> false;
            };
            case OTHER -> o.equals("ListBuckets") || o.equals("CreateBucket");
            case ANONYMOUS -> false;
        };
    }

    static S3Client owner;
    static final Map<Target, String> versions = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        gw = GatewayFixture.start();
        var meta = gw.gateway().meta();
        meta.createUser(new UserRecord("pmatrix-owner", Key.OWNER.ak, Key.OWNER.sk, null, false));
        meta.createUser(new UserRecord("pmatrix-node", Key.NODE.ak, Key.NODE.sk, null, false));
        meta.createUser(new UserRecord("pmatrix-reader", Key.READER.ak, Key.READER.sk, null, false));
        meta.createUser(new UserRecord("pmatrix-other", Key.OTHER.ak, Key.OTHER.sk, null, false));
        meta.putUserPolicy("pmatrix-node", new PolicyDocument(NodePolicy.readme()));
        owner = gw.client(Key.OWNER.ak, Key.OWNER.sk);
        for (String b : List.of("images", "other")) {
            owner.createBucket(r -> r.bucket(b));
            owner.putBucketVersioning(r -> r.bucket(b).versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
            owner.putBucketPolicy(r -> r.bucket(b).policy(bucketPolicy(b)));
        }
        for (Target t : Target.values()) {
            versions.put(t, owner.putObject(r -> r.bucket(t.bucket).key(t.object()), RequestBody.fromBytes(OBJECT))
                    .versionId());
        }
    }

    @AfterAll
    static void stop() throws Exception {
        owner.close();
        gw.close();
    }

    @Test
    void everyKeyGetsWhatThePoliciesAndOwnershipGiveItOnEveryOperation() throws Exception {
        List<String> wrong = new ArrayList<>();
        int cells = 0;
        int allowedCells = 0;
        for (Key k : Key.values()) {
            for (Op op : OPS) {
                for (Target t : Target.values()) {
                    if (op.onBucket() && t == Target.VM) {
                        continue; // bucket operations: once on images (BASE), once on other
                    }
                    String tag = k.name().toLowerCase() + "-" + op.name().toLowerCase().replaceAll("[^a-z0-9]", "")
                            + "-" + t.name().toLowerCase().replace('_', '-');
                    String own = op.name().equals("DeleteObjectVersion") || op.name().equals("CommitVersion")
                            ? owner.putObject(r -> r.bucket(t.bucket).key(t.prefix + "cell-" + tag),
                                    RequestBody.fromBytes(OBJECT)).versionId()
                            : "none";
                    Req req = op.request().apply(new Cell(t, versions.get(t), own, tag));
                    Result r = send(k, req);
                    boolean allow = allowed(k, op, t);
                    boolean ok = allow ? r.status() == op.allowed()
                            : r.status() == 403 && (req.method().equals("HEAD") || "AccessDenied".equals(r.code()));
                    if (!ok) {
                        wrong.add(k + " / " + op.name() + " / " + t + ": expected "
                                + (allow ? op.allowed() : "403 AccessDenied") + ", got " + r.status() + " " + r.body());
                    }
                    cells++;
                    allowedCells += allow ? 1 : 0;
                }
            }
        }
        assertTrue(wrong.isEmpty(), wrong.size() + " of " + cells + " cells wrong:\n" + String.join("\n", wrong));
        assertTrue(allowedCells > 0 && allowedCells < cells, allowedCells + " of " + cells + " allowed");
    }

    /** Sends the request as {@code k}: unsigned for anonymous, else signed by the SDK's SigV4 signer. */
    static Result send(Key k, Req req) throws Exception {
        URI uri = gw.endpoint().resolve(req.pathAndQuery());
        byte[] body = req.body() == null ? new byte[0] : req.body();
        Map<String, List<String>> headers = new LinkedHashMap<>();
        req.headers().forEach((n, v) -> headers.put(n, List.of(v)));
        if (k.ak != null) {
            SdkHttpFullRequest.Builder b = SdkHttpFullRequest.builder().method(SdkHttpMethod.fromValue(req.method()))
                    .uri(uri).contentStreamProvider(ContentStreamProvider.fromByteArray(body));
            req.headers().forEach(b::putHeader);
            SdkHttpFullRequest request = b.build();
            var signed = AwsV4HttpSigner.create().sign(s -> s.request(request)
                    .payload(request.contentStreamProvider().orElse(null))
                    .identity(AwsBasicCredentials.create(k.ak, k.sk))
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                    .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                    .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                    .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
                    .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, true));
            headers.clear();
            signed.request().headers().forEach(headers::put);
        }
        HttpRequest.Builder out = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(1))
                .method(req.method(), body.length == 0 && !req.method().equals("PUT") && !req.method().equals("POST")
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach((n, vs) -> {
            if (!n.equalsIgnoreCase("host") && !n.equalsIgnoreCase("content-length")) {
                vs.forEach(v -> out.header(n, v));
            }
        });
        HttpResponse<String> resp = http.send(out.build(), HttpResponse.BodyHandlers.ofString());
        return new Result(resp.statusCode(), resp.body());
    }
}
