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
 * authenticated-read and public-read-write buckets; and with explicit grants to one user (the
 * grantee) of each of S3's permissions on the bucket and the object, where a third user (the other
 * user) stays out. The owner, the grantee and the other user are ordinary users created with the
 * store's user API: an administrator may act on every bucket and would pass every cross-user check.
 * The expectations are S3's ACL rules, written out per operation below; a write that reuses another
 * version's bytes (copies, part copies, {@code ?commit}, {@code ?missing-chunks}) also needs read
 * access to that version.
 */
class AuthorizationMatrixTest {

    static GatewayFixture gw;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    static final byte[] OBJECT = "the object of the matrix".getBytes(StandardCharsets.UTF_8);
    static final String OWNER_AK = "AKIAMATRIXOWNER00001";
    static final String OWNER_SK = "matrix-owner-secret-key-0001";
    static final String OTHER_AK = "AKIAMATRIXOTHER00001";
    static final String OTHER_SK = "matrix-other-secret-key-0001";
    static final String GRANTEE_AK = "AKIAMATRIXGRANTEE001";
    static final String GRANTEE_SK = "matrix-grantee-secret-key-0001";

    /** Who calls. */
    enum Caller { OWNER, OTHER_USER, ANONYMOUS, UNKNOWN_KEY, WRONG_SECRET, TAMPERED, GRANTEE }

    /** What an operation needs, as S3's ACLs grant it. */
    enum Rule {
        /** ListBuckets, CreateBucket: any signed-in user. */
        AUTHENTICATED,
        /** The storage report: administrators only. */
        ADMIN,
        /** The bucket's configuration and deletion. */
        OWNER,
        /** Listing the bucket: its READ. */
        BUCKET_READ,
        /** Creating and deleting objects and uploads: the bucket's WRITE. */
        BUCKET_WRITE,
        /** Reading the bucket's ACL: its READ_ACP. */
        BUCKET_READ_ACP,
        /** Changing the bucket's ACL: its WRITE_ACP. */
        BUCKET_WRITE_ACP,
        /** Reading the object: its READ. */
        OBJECT_READ,
        /** Reading the object's ACL: its READ_ACP. */
        OBJECT_READ_ACP,
        /** Changing the object's ACL: its WRITE_ACP. */
        OBJECT_WRITE_ACP,
        /** Writing here with bytes of the object: write access to the bucket and read access to the object. */
        WRITE_AND_OBJECT_READ
    }

    /**
     * A bucket set up one way, holding the object the object-level operations act on: with canned ACLs
     * and what they let others do, or with explicit grants ({@code bucketGrants}, {@code objectGrants}:
     * null for canned ACLs).
     */
    record Scenario(String name, BucketCannedACL bucketAcl, ObjectCannedACL objectAcl, boolean listAnonymous,
                    boolean listOther, boolean writeOthers, boolean readObjectOthers, List<Granted> bucketGrants,
                    List<Granted> objectGrants) {

        Scenario(String name, BucketCannedACL bucketAcl, ObjectCannedACL objectAcl, boolean listAnonymous,
                boolean listOther, boolean writeOthers, boolean readObjectOthers) {
            this(name, bucketAcl, objectAcl, listAnonymous, listOther, writeOthers, readObjectOthers, null, null);
        }

        /** A bucket and its object with explicit grants only (no canned ACL at all). */
        static Scenario granting(String name, List<Granted> bucketGrants, List<Granted> objectGrants) {
            return new Scenario(name, null, null, false, false, false, false, bucketGrants, objectGrants);
        }

        String bucket() {
            return "matrix-" + name;
        }

        boolean explicit() {
            return bucketGrants != null;
        }

        /** The headers that set the bucket's ACL as it was set up. */
        Map<String, String> bucketAclHeaders() {
            return explicit() ? Granted.headers(bucketGrants) : Map.of("x-amz-acl", bucketAcl.toString());
        }

        /** The headers that set the object's ACL as it was set up. */
        Map<String, String> objectAclHeaders() {
            return explicit() ? Granted.headers(objectGrants) : Map.of("x-amz-acl", objectAcl.toString());
        }

        /** S3's permissions the bucket's ACL gives a caller who is not the owner. */
        java.util.Set<String> onBucket(Caller who) {
            if (explicit()) {
                return Granted.permissions(bucketGrants, who);
            }
            java.util.Set<String> p = new java.util.HashSet<>();
            if (who == Caller.ANONYMOUS ? listAnonymous : listOther) {
                p.add("READ");
            }
            if (writeOthers) {
                p.add("WRITE");
            }
            return p;
        }

        /** S3's permissions the object's ACL gives a caller who is not the owner. */
        java.util.Set<String> onObject(Caller who) {
            if (explicit()) {
                return Granted.permissions(objectGrants, who);
            }
            return readObjectOthers ? java.util.Set.of("READ") : java.util.Set.of();
        }
    }

    /**
     * One explicit grant: an {@code x-amz-grant-*} permission ({@code READ}, {@code WRITE},
     * {@code READ_ACP}, {@code WRITE_ACP}, {@code FULL_CONTROL}) to {@code GRANTEE} (the grantee user,
     * by canonical id) or to the group {@code AuthenticatedUsers} or {@code AllUsers}.
     */
    record Granted(String permission, String grantee) {
        static final String ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";
        static final String AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

        boolean names(Caller who) {
            return switch (grantee) {
                case "GRANTEE" -> who == Caller.GRANTEE;
                case "AuthenticatedUsers" -> who == Caller.GRANTEE || who == Caller.OTHER_USER;
                case "AllUsers" -> true;
                default -> throw new IllegalArgumentException(grantee);
            };
        }

        /** The grantee as an {@code x-amz-grant-*} header names it. */
        String headerValue() {
            return switch (grantee) {
                case "GRANTEE" -> "id=\"" + granteeId + "\"";
                case "AuthenticatedUsers" -> "uri=\"" + AUTHENTICATED_USERS + "\"";
                default -> "uri=\"" + ALL_USERS + "\"";
            };
        }

        static Map<String, String> headers(List<Granted> grants) {
            Map<String, String> h = new LinkedHashMap<>();
            for (Granted g : grants) {
                h.merge("x-amz-grant-" + g.permission().toLowerCase().replace('_', '-'), g.headerValue(),
                        (a, b) -> a + ", " + b);
            }
            return h;
        }

        /** What the grants give {@code who}: each grant naming it its permission, FULL_CONTROL all four. */
        static java.util.Set<String> permissions(List<Granted> grants, Caller who) {
            java.util.Set<String> p = new java.util.HashSet<>();
            for (Granted g : grants) {
                if (g.names(who)) {
                    p.addAll(g.permission().equals("FULL_CONTROL") ? List.of("READ", "WRITE", "READ_ACP", "WRITE_ACP")
                            : List.of(g.permission()));
                }
            }
            return p;
        }
    }

    static String granteeId;

    static final List<Scenario> SCENARIOS = List.of(
            new Scenario("private", BucketCannedACL.PRIVATE, ObjectCannedACL.PRIVATE, false, false, false, false),
            new Scenario("public-object", BucketCannedACL.PRIVATE, ObjectCannedACL.PUBLIC_READ, false, false, false, true),
            new Scenario("public-read", BucketCannedACL.PUBLIC_READ, ObjectCannedACL.PRIVATE, true, true, false, false),
            new Scenario("auth-read", BucketCannedACL.AUTHENTICATED_READ, ObjectCannedACL.PRIVATE, false, true, false, false),
            new Scenario("public-rw", BucketCannedACL.PUBLIC_READ_WRITE, ObjectCannedACL.PRIVATE, true, true, true, false),
            new Scenario("open", BucketCannedACL.PUBLIC_READ_WRITE, ObjectCannedACL.PUBLIC_READ, true, true, true, true));

    /**
     * Explicit grants to the grantee, one permission at a time on the bucket and its object (an object
     * has no WRITE: S3 accepts the grant, and it gives nothing), then FULL_CONTROL, and groups named by
     * grants; {@code g-policy} is set up by AccessControlPolicy bodies instead of headers.
     */
    static final List<Scenario> GRANT_SCENARIOS = List.of(
            Scenario.granting("g-read", List.of(new Granted("READ", "GRANTEE")), List.of(new Granted("READ", "GRANTEE"))),
            Scenario.granting("g-write", List.of(new Granted("WRITE", "GRANTEE")),
                    List.of(new Granted("WRITE", "GRANTEE"))),
            Scenario.granting("g-read-acp", List.of(new Granted("READ_ACP", "GRANTEE")),
                    List.of(new Granted("READ_ACP", "GRANTEE"))),
            Scenario.granting("g-write-acp", List.of(new Granted("WRITE_ACP", "GRANTEE")),
                    List.of(new Granted("WRITE_ACP", "GRANTEE"))),
            Scenario.granting("g-full", List.of(new Granted("FULL_CONTROL", "GRANTEE")),
                    List.of(new Granted("FULL_CONTROL", "GRANTEE"))),
            Scenario.granting("g-write-obj-read", List.of(new Granted("WRITE", "GRANTEE")),
                    List.of(new Granted("READ", "GRANTEE"))),
            Scenario.granting("g-groups", List.of(new Granted("READ", "AuthenticatedUsers"), new Granted("READ_ACP", "AllUsers")),
                    List.of(new Granted("READ", "AllUsers"), new Granted("READ_ACP", "AuthenticatedUsers"))),
            Scenario.granting("g-policy", List.of(new Granted("WRITE", "GRANTEE"), new Granted("READ", "AuthenticatedUsers")),
                    List.of(new Granted("READ", "GRANTEE"), new Granted("WRITE_ACP", "GRANTEE"))));

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

        Req headers(Map<String, String> more) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.putAll(more);
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
            new Op("GetBucketAcl", Rule.BUCKET_READ_ACP, 200, c -> Req.of("GET", c.b() + "?acl")),
            new Op("PutBucketAcl", Rule.BUCKET_WRITE_ACP, 200, c -> Req.of("PUT", c.b() + "?acl")
                    .headers(c.s().bucketAclHeaders())),
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
            new Op("GetObjectAcl", Rule.OBJECT_READ_ACP, 200, c -> Req.of("GET", c.k() + "?acl")),
            new Op("PutObjectAcl", Rule.OBJECT_WRITE_ACP, 200, c -> Req.of("PUT", c.k() + "?acl")
                    .headers(c.s().objectAclHeaders())),
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
                            "Content-Type", "application/vnd.imagegate.commit"),
                            ExtensionCalls.commitBody(OBJECT.length, List.of())).headers(c.s().objectAclHeaders());
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
        gw.gateway().meta().createUser(new UserRecord("matrix-grantee", GRANTEE_AK, GRANTEE_SK, null, false));
        owner = gw.client(OWNER_AK, OWNER_SK);
        try (S3Client grantee = gw.client(GRANTEE_AK, GRANTEE_SK)) {
            granteeId = grantee.listBuckets().owner().id();
        }
        for (Scenario s : SCENARIOS) {
            owner.createBucket(r -> r.bucket(s.bucket()).acl(s.bucketAcl()));
            owner.putObject(r -> r.bucket(s.bucket()).key("obj").acl(s.objectAcl()), RequestBody.fromBytes(OBJECT));
            uploads.put(s.name(), owner.createMultipartUpload(r -> r.bucket(s.bucket()).key("mpu")).uploadId());
        }
        String ownerId = owner.listBuckets().owner().id();
        for (Scenario s : GRANT_SCENARIOS) {
            if (s.name().equals("g-policy")) {
                // AccessControlPolicy bodies, the owner's own grant left out (it keeps its rights as owner)
                owner.createBucket(r -> r.bucket(s.bucket()));
                owner.putBucketAcl(r -> r.bucket(s.bucket()).accessControlPolicy(p -> p.owner(o -> o.id(ownerId))
                        .grants(policyGrants(s.bucketGrants()))));
                owner.putObject(r -> r.bucket(s.bucket()).key("obj"), RequestBody.fromBytes(OBJECT));
                owner.putObjectAcl(r -> r.bucket(s.bucket()).key("obj").accessControlPolicy(p -> p.owner(o -> o.id(ownerId))
                        .grants(policyGrants(s.objectGrants()))));
            } else {
                owner.createBucket(r -> r.bucket(s.bucket()).overrideConfiguration(o -> s.bucketAclHeaders().forEach(o::putHeader)));
                owner.putObject(r -> r.bucket(s.bucket()).key("obj").overrideConfiguration(o ->
                        s.objectAclHeaders().forEach(o::putHeader)), RequestBody.fromBytes(OBJECT));
            }
            uploads.put(s.name(), owner.createMultipartUpload(r -> r.bucket(s.bucket()).key("mpu")).uploadId());
        }
    }

    static List<software.amazon.awssdk.services.s3.model.Grant> policyGrants(List<Granted> grants) {
        List<software.amazon.awssdk.services.s3.model.Grant> out = new ArrayList<>();
        for (Granted g : grants) {
            var grantee = switch (g.grantee()) {
                case "GRANTEE" -> software.amazon.awssdk.services.s3.model.Grantee.builder()
                        .type(software.amazon.awssdk.services.s3.model.Type.CANONICAL_USER).id(granteeId).build();
                case "AuthenticatedUsers" -> software.amazon.awssdk.services.s3.model.Grantee.builder()
                        .type(software.amazon.awssdk.services.s3.model.Type.GROUP).uri(Granted.AUTHENTICATED_USERS).build();
                default -> software.amazon.awssdk.services.s3.model.Grantee.builder()
                        .type(software.amazon.awssdk.services.s3.model.Type.GROUP).uri(Granted.ALL_USERS).build();
            };
            out.add(software.amazon.awssdk.services.s3.model.Grant.builder().grantee(grantee)
                    .permission(g.permission()).build());
        }
        return out;
    }

    @AfterAll
    static void stop() throws Exception {
        owner.close();
        gw.close();
    }

    /**
     * Whether the caller may do the operation in the scenario: S3's ACL rules. The owner may do
     * everything but the administrators' operation; anyone else what the bucket's ACL (READ: list;
     * WRITE: create and delete objects; READ_ACP, WRITE_ACP: its ACL) and the object's ACL (READ,
     * READ_ACP, WRITE_ACP) give them.
     */
    static boolean allowed(Rule rule, Caller who, Scenario s) {
        if (who == Caller.OWNER) {
            return rule != Rule.ADMIN;
        }
        boolean signedIn = who == Caller.OTHER_USER || who == Caller.GRANTEE;
        java.util.Set<String> bucket = s.onBucket(who);
        java.util.Set<String> object = s.onObject(who);
        return switch (rule) {
            case AUTHENTICATED -> signedIn;
            case ADMIN, OWNER -> false;
            case BUCKET_READ -> bucket.contains("READ");
            case BUCKET_WRITE -> bucket.contains("WRITE");
            case BUCKET_READ_ACP -> bucket.contains("READ_ACP");
            case BUCKET_WRITE_ACP -> bucket.contains("WRITE_ACP");
            case OBJECT_READ -> object.contains("READ");
            case OBJECT_READ_ACP -> object.contains("READ_ACP");
            case OBJECT_WRITE_ACP -> object.contains("WRITE_ACP");
            case WRITE_AND_OBJECT_READ -> bucket.contains("WRITE") && object.contains("READ");
        };
    }

    @Test
    void ownersOtherUsersAndAnonymousCallersGetWhatTheCannedAclsGrant() throws Exception {
        check(SCENARIOS, List.of(Caller.OWNER, Caller.OTHER_USER, Caller.ANONYMOUS));
    }

    /**
     * Explicit grants: the grantee gets exactly what each grant gives (and FULL_CONTROL all of it), the
     * other user and anonymous callers nothing a grant does not name them for, the owner everything.
     */
    @Test
    void explicitGranteesGetExactlyWhatTheirGrantsGiveAndOthersNothing() throws Exception {
        check(GRANT_SCENARIOS, List.of(Caller.OWNER, Caller.OTHER_USER, Caller.ANONYMOUS, Caller.GRANTEE));
    }

    private void check(List<Scenario> scenarios, List<Caller> callers) throws Exception {
        List<String> wrong = new ArrayList<>();
        int cells = 0;
        for (Scenario s : scenarios) {
            for (Caller who : callers) {
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
                case GRANTEE -> GRANTEE_AK;
                default -> "AKIADOESNOTEXIST0001";
            };
            String sk = switch (who) {
                case OWNER, TAMPERED -> OWNER_SK;
                case OTHER_USER -> OTHER_SK;
                case GRANTEE -> GRANTEE_SK;
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
