package io.imagegate.s3compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.meta.UserRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
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
import software.amazon.awssdk.services.s3.model.BucketCannedACL;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;

/**
 * Who may do what, for every operation imagegate serves (the extensions included), against every
 * kind of caller: nobody, an unknown key, a wrong secret, a tampered request, another user, and the
 * owner; in a private bucket, a private bucket holding a public-read object, and public-read,
 * authenticated-read and public-read-write buckets. The owner and the other user are ordinary users
 * created with the store's user API: an administrator may act on every bucket and would pass every
 * cross-user check. The expectations are S3's canned-ACL rules, written out per operation below;
 * a write that reuses another version's bytes (copies, part copies, {@code ?commit},
 * {@code ?missing-chunks}) also needs read access to that version.
 */
class AuthorizationMatrixTest {

    static GatewayFixture gw;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    static final byte[] OBJECT = "the object of the matrix".getBytes(StandardCharsets.UTF_8);
    static final String OWNER_AK = "AKIAMATRIXOWNER00001";
    static final String OWNER_SK = "matrix-owner-secret-key-0001";
    static final String OTHER_AK = "AKIAMATRIXOTHER00001";
    static final String OTHER_SK = "matrix-other-secret-key-0001";

    /** Who calls. */
    enum Caller { OWNER, OTHER_USER, ANONYMOUS, UNKNOWN_KEY, WRONG_SECRET, TAMPERED }

    /** What an operation needs, as S3's canned ACLs grant it. */
    enum Rule {
        /** ListBuckets, CreateBucket: any signed-in user. */
        AUTHENTICATED,
        /** The storage report: administrators only. */
        ADMIN,
        /** The bucket's configuration, ACLs and deletion. */
        OWNER,
        /** Listing the bucket. */
        BUCKET_READ,
        /** Creating and deleting objects and uploads. */
        BUCKET_WRITE,
        /** Reading the object. */
        OBJECT_READ,
        /** Writing here with bytes of the object: write access to the bucket and read access to the object. */
        WRITE_AND_OBJECT_READ
    }

    /** A bucket set up one way, holding the object the object-level operations act on. */
    record Scenario(String name, BucketCannedACL bucketAcl, ObjectCannedACL objectAcl, boolean listAnonymous,
                    boolean listOther, boolean writeOthers, boolean readObjectOthers) {
        String bucket() {
            return "matrix-" + name;
        }
    }

    static final List<Scenario> SCENARIOS = List.of(
            new Scenario("private", BucketCannedACL.PRIVATE, ObjectCannedACL.PRIVATE, false, false, false, false),
            new Scenario("public-object", BucketCannedACL.PRIVATE, ObjectCannedACL.PUBLIC_READ, false, false, false, true),
            new Scenario("public-read", BucketCannedACL.PUBLIC_READ, ObjectCannedACL.PRIVATE, true, true, false, false),
            new Scenario("auth-read", BucketCannedACL.AUTHENTICATED_READ, ObjectCannedACL.PRIVATE, false, true, false, false),
            new Scenario("public-rw", BucketCannedACL.PUBLIC_READ_WRITE, ObjectCannedACL.PRIVATE, true, true, true, false),
            new Scenario("open", BucketCannedACL.PUBLIC_READ_WRITE, ObjectCannedACL.PUBLIC_READ, true, true, true, true));

    /** One request to send. */
    record Req(String method, String pathAndQuery, Map<String, String> headers, byte[] body) {
        static Req of(String method, String pathAndQuery) {
            return new Req(method, pathAndQuery, Map.of(), null);
        }

        Req header(String name, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(name, value);
            return new Req(method, pathAndQuery, h, body);
        }

        Req body(String text) {
            return new Req(method, pathAndQuery, headers, text.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Where a cell acts: its scenario, the object, the upload in progress, and a name no other cell uses. */
    record Cell(Scenario s, String uploadId, String abortUploadId, String tag) {
        String b() {
            return "/" + s.bucket();
        }

        String k() {
            return b() + "/obj";
        }
    }

    /** An operation: its name, what it needs, the status it gets when allowed, and its request. */
    record Op(String name, Rule rule, int allowed, Function<Cell, Req> request) {}

    static final List<Op> OPS = List.of(
            new Op("ListBuckets", Rule.AUTHENTICATED, 200, c -> Req.of("GET", "/")),
            new Op("GetStorageReport", Rule.ADMIN, 200, c -> Req.of("GET", "/?storage-report")),
            new Op("CreateBucket", Rule.AUTHENTICATED, 200, c -> Req.of("PUT", "/matrix-new-" + c.tag())),
            new Op("HeadBucket", Rule.BUCKET_READ, 200, c -> Req.of("HEAD", c.b())),
            new Op("DeleteBucket", Rule.OWNER, 409, c -> Req.of("DELETE", c.b())),
            new Op("GetBucketLocation", Rule.OWNER, 200, c -> Req.of("GET", c.b() + "?location")),
            new Op("GetBucketVersioning", Rule.OWNER, 200, c -> Req.of("GET", c.b() + "?versioning")),
            new Op("PutBucketVersioning", Rule.OWNER, 200, c -> Req.of("PUT", c.b() + "?versioning")
                    .body("<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>")),
            new Op("GetBucketAcl", Rule.OWNER, 200, c -> Req.of("GET", c.b() + "?acl")),
            new Op("PutBucketAcl", Rule.OWNER, 200, c -> Req.of("PUT", c.b() + "?acl")
                    .header("x-amz-acl", c.s().bucketAcl().toString())),
            new Op("PutBucketLifecycleConfiguration", Rule.OWNER, 200, c -> {
                String xml = "<LifecycleConfiguration><Rule><ID>r</ID><Filter/><Status>Enabled</Status>"
                        + "<Expiration><Days>30</Days></Expiration></Rule></LifecycleConfiguration>";
                return Req.of("PUT", c.b() + "?lifecycle").header("Content-MD5", md5(xml)).body(xml);
            }),
            new Op("DeleteBucketLifecycle", Rule.OWNER, 204, c -> Req.of("DELETE", c.b() + "?lifecycle")),
            new Op("PutBucketCors", Rule.OWNER, 200, c -> {
                String xml = "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
                        + "<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>";
                return Req.of("PUT", c.b() + "?cors").header("Content-MD5", md5(xml)).body(xml);
            }),
            new Op("DeleteBucketCors", Rule.OWNER, 204, c -> Req.of("DELETE", c.b() + "?cors")),
            new Op("ListObjectsV2", Rule.BUCKET_READ, 200, c -> Req.of("GET", c.b() + "?list-type=2")),
            new Op("ListObjects", Rule.BUCKET_READ, 200, c -> Req.of("GET", c.b())),
            new Op("ListObjectVersions", Rule.BUCKET_READ, 200, c -> Req.of("GET", c.b() + "?versions")),
            new Op("ListMultipartUploads", Rule.BUCKET_READ, 200, c -> Req.of("GET", c.b() + "?uploads")),
            new Op("DeleteObjects", Rule.BUCKET_WRITE, 200, c -> {
                String xml = "<Delete><Object><Key>gone-" + c.tag() + "</Key></Object></Delete>";
                return Req.of("POST", c.b() + "?delete").header("Content-MD5", md5(xml)).body(xml);
            }),
            new Op("GetObject", Rule.OBJECT_READ, 200, c -> Req.of("GET", c.k())),
            new Op("HeadObject", Rule.OBJECT_READ, 200, c -> Req.of("HEAD", c.k())),
            new Op("GetObjectVersion", Rule.OBJECT_READ, 200, c -> Req.of("GET", c.k() + "?versionId=null")),
            new Op("PutObject", Rule.BUCKET_WRITE, 200, c -> Req.of("PUT", c.b() + "/put-" + c.tag()).body("x")),
            new Op("CopyObject", Rule.WRITE_AND_OBJECT_READ, 200, c -> Req.of("PUT", c.b() + "/copy-" + c.tag())
                    .header("x-amz-copy-source", c.k())),
            new Op("DeleteObject", Rule.BUCKET_WRITE, 204, c -> Req.of("DELETE", c.b() + "/gone-" + c.tag())),
            new Op("GetObjectAcl", Rule.OWNER, 200, c -> Req.of("GET", c.k() + "?acl")),
            new Op("PutObjectAcl", Rule.OWNER, 200, c -> Req.of("PUT", c.k() + "?acl")
                    .header("x-amz-acl", c.s().objectAcl().toString())),
            new Op("CreateMultipartUpload", Rule.BUCKET_WRITE, 200, c -> Req.of("POST", c.b() + "/mpu-" + c.tag() + "?uploads")),
            new Op("UploadPart", Rule.BUCKET_WRITE, 200, c -> Req.of("PUT", c.b() + "/mpu?partNumber=1&uploadId="
                    + c.uploadId()).body("part")),
            new Op("UploadPartCopy", Rule.WRITE_AND_OBJECT_READ, 200, c -> Req.of("PUT", c.b() + "/mpu?partNumber=2&uploadId="
                    + c.uploadId()).header("x-amz-copy-source", c.k())),
            // a part list naming a part that was never uploaded: allowed callers get S3's InvalidPart
            new Op("CompleteMultipartUpload", Rule.BUCKET_WRITE, 400, c -> Req.of("POST", c.b() + "/mpu?uploadId="
                    + c.uploadId()).body("<CompleteMultipartUpload><Part><PartNumber>9</PartNumber>"
                    + "<ETag>\"00000000000000000000000000000000\"</ETag></Part></CompleteMultipartUpload>")),
            new Op("AbortMultipartUpload", Rule.BUCKET_WRITE, 204, c -> Req.of("DELETE", c.b() + "/abort?uploadId="
                    + c.abortUploadId())),
            new Op("ListParts", Rule.BUCKET_WRITE, 200, c -> Req.of("GET", c.b() + "/mpu?uploadId=" + c.uploadId())),
            new Op("GetManifest", Rule.OBJECT_READ, 200, c -> Req.of("GET", c.k() + "?manifest")),
            new Op("GetManifestBinary", Rule.OBJECT_READ, 200, c -> Req.of("GET", c.k() + "?manifest&format=binary")),
            new Op("MissingChunks", Rule.WRITE_AND_OBJECT_READ, 200, c -> Req.of("POST", c.k() + "?missing-chunks")
                    .header("Content-Type", "application/json").body("{\"hashes\":[\"" + "ab".repeat(32) + "\"]}")),
            // a commit that keeps the object as it is: the same bytes and the same ACL, a new version
            new Op("CommitVersion", Rule.WRITE_AND_OBJECT_READ, 200, c -> {
                try {
                    return new Req("POST", c.k() + "?commit", Map.of("x-imagegate-base-version-id", "null",
                            "x-amz-acl", c.s().objectAcl().toString(), "Content-Type", "application/vnd.imagegate.commit"),
                            ExtensionCalls.commitBody(OBJECT.length, List.of()));
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            }));

    static S3Client owner;
    static final Map<String, String> uploads = new HashMap<>();

    @BeforeAll
    static void start() {
        gw = GatewayFixture.start();
        gw.gateway().meta().createUser(new UserRecord("matrix-owner", OWNER_AK, OWNER_SK, null, false));
        gw.gateway().meta().createUser(new UserRecord("matrix-other", OTHER_AK, OTHER_SK, null, false));
        owner = gw.client(OWNER_AK, OWNER_SK);
        for (Scenario s : SCENARIOS) {
            owner.createBucket(r -> r.bucket(s.bucket()).acl(s.bucketAcl()));
            owner.putObject(r -> r.bucket(s.bucket()).key("obj").acl(s.objectAcl()), RequestBody.fromBytes(OBJECT));
            uploads.put(s.name(), owner.createMultipartUpload(r -> r.bucket(s.bucket()).key("mpu")).uploadId());
        }
    }

    @AfterAll
    static void stop() throws Exception {
        owner.close();
        gw.close();
    }

    /** Whether the caller may do the operation in the scenario: S3's rules for canned ACLs. */
    static boolean allowed(Rule rule, Caller who, Scenario s) {
        if (who == Caller.OWNER) {
            return rule != Rule.ADMIN;
        }
        boolean signedIn = who == Caller.OTHER_USER;
        boolean lists = signedIn ? s.listOther() : s.listAnonymous();
        return switch (rule) {
            case AUTHENTICATED -> signedIn;
            case ADMIN, OWNER -> false;
            case BUCKET_READ -> lists;
            case BUCKET_WRITE -> s.writeOthers();
            case OBJECT_READ -> s.readObjectOthers();
            case WRITE_AND_OBJECT_READ -> s.writeOthers() && s.readObjectOthers();
        };
    }

    @Test
    void ownersOtherUsersAndAnonymousCallersGetWhatTheCannedAclsGrant() throws Exception {
        List<String> wrong = new ArrayList<>();
        int cells = 0;
        for (Scenario s : SCENARIOS) {
            for (Caller who : List.of(Caller.OWNER, Caller.OTHER_USER, Caller.ANONYMOUS)) {
                for (Op op : OPS) {
                    Cell cell = cell(s, who, op);
                    Result r = send(who, op.request().apply(cell));
                    boolean allow = allowed(op.rule(), who, s);
                    String expected = allow ? String.valueOf(op.allowed()) : "403 AccessDenied";
                    String got = r.status() + (r.status() == 403 ? " " + r.code() : "");
                    boolean ok = allow ? r.status() == op.allowed() : got.equals(expected) || (r.status() == 403
                            && op.request().apply(cell).method().equals("HEAD"));
                    if (!ok) {
                        wrong.add(s.name() + " / " + who + " / " + op.name() + ": expected " + expected + ", got " + got
                                + " " + r.body());
                    }
                    cells++;
                }
            }
        }
        assertTrue(wrong.isEmpty(), wrong.size() + " of " + cells + " cells wrong:\n" + String.join("\n", wrong));
    }

    @Test
    void aBadSignatureIsRefusedForEveryOperationEvenWhereAnonymousCallersAreAllowed() throws Exception {
        Scenario open = SCENARIOS.stream().filter(s -> s.name().equals("open")).findFirst().orElseThrow();
        List<String> wrong = new ArrayList<>();
        Map<Caller, String> codes = Map.of(Caller.UNKNOWN_KEY, "InvalidAccessKeyId",
                Caller.WRONG_SECRET, "SignatureDoesNotMatch", Caller.TAMPERED, "SignatureDoesNotMatch");
        for (Caller who : List.of(Caller.UNKNOWN_KEY, Caller.WRONG_SECRET, Caller.TAMPERED)) {
            for (Op op : OPS) {
                Req req = op.request().apply(cell(open, who, op));
                Result r = send(who, req);
                boolean ok = r.status() == 403 && (req.method().equals("HEAD") || codes.get(who).equals(r.code()));
                if (!ok) {
                    wrong.add(who + " / " + op.name() + ": got " + r.status() + " " + r.code());
                }
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    void onlyAnAdministratorGetsTheStorageReport() throws Exception {
        SignedHttp root = new SignedHttp(gw.endpoint(), GatewayFixture.ACCESS_KEY, GatewayFixture.SECRET_KEY);
        assertEquals(200, root.get("/?storage-report&bucket=matrix-private").status());
        assertEquals(403, new SignedHttp(gw.endpoint(), OWNER_AK, OWNER_SK).get("/?storage-report&bucket=matrix-private")
                .status());
    }

    private Cell cell(Scenario s, Caller who, Op op) {
        String tag = s.name() + "-" + who.name().toLowerCase().replace('_', '-') + "-" + op.name().toLowerCase();
        String abort = op.name().equals("AbortMultipartUpload")
                ? owner.createMultipartUpload(r -> r.bucket(s.bucket()).key("abort")).uploadId() : "none";
        return new Cell(s, uploads.get(s.name()), abort, tag);
    }

    record Result(int status, String body) {
        String code() {
            int a = body.indexOf("<Code>");
            return a < 0 ? null : body.substring(a + 6, body.indexOf("</Code>", a));
        }
    }

    /** Sends the request as {@code who}: unsigned, or signed by the SDK's SigV4 signer with good or bad keys. */
    static Result send(Caller who, Req req) throws Exception {
        URI uri = gw.endpoint().resolve(req.pathAndQuery());
        byte[] body = req.body() == null ? new byte[0] : req.body();
        Map<String, List<String>> headers = new LinkedHashMap<>();
        req.headers().forEach((k, v) -> headers.put(k, List.of(v)));
        if (who != Caller.ANONYMOUS) {
            String ak = switch (who) {
                case OWNER, WRONG_SECRET, TAMPERED -> OWNER_AK;
                case OTHER_USER -> OTHER_AK;
                default -> "AKIADOESNOTEXIST0001";
            };
            String sk = switch (who) {
                case OWNER, TAMPERED -> OWNER_SK;
                case OTHER_USER -> OTHER_SK;
                default -> "not-the-secret-of-anyone";
            };
            SdkHttpFullRequest.Builder b = SdkHttpFullRequest.builder().method(SdkHttpMethod.fromValue(req.method()))
                    .uri(uri).contentStreamProvider(ContentStreamProvider.fromByteArray(body));
            req.headers().forEach(b::putHeader);
            if (who == Caller.TAMPERED) {
                b.putHeader("x-amz-meta-signed", "as signed");
            }
            SdkHttpFullRequest request = b.build();
            var signed = AwsV4HttpSigner.create().sign(r -> r.request(request)
                    .payload(request.contentStreamProvider().orElse(null))
                    .identity(AwsBasicCredentials.create(ak, sk))
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                    .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                    .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                    .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
                    .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, true));
            headers.clear();
            signed.request().headers().forEach(headers::put);
            if (who == Caller.TAMPERED) {
                headers.put("x-amz-meta-signed", List.of("changed after signing"));
            }
        }
        HttpRequest.Builder out = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(1))
                .method(req.method(), body.length == 0 && !req.method().equals("PUT") && !req.method().equals("POST")
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach((k, vs) -> {
            if (!k.equalsIgnoreCase("host") && !k.equalsIgnoreCase("content-length")) {
                vs.forEach(v -> out.header(k, v));
            }
        });
        HttpResponse<String> resp = http.send(out.build(), HttpResponse.BodyHandlers.ofString());
        return new Result(resp.statusCode(), resp.body());
    }

    static String md5(String text) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
