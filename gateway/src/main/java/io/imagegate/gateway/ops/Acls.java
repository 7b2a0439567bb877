package io.imagegate.gateway.ops;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.api.S3Request;
import io.imagegate.gateway.http.Call;
import io.imagegate.gateway.http.XmlDocument;
import io.imagegate.gateway.http.XmlWriter;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.CannedAcl;
import io.imagegate.meta.CanonicalIds;
import io.imagegate.meta.VersionRecord;
import java.io.IOException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.w3c.dom.Element;

/**
 * Canned ACLs on buckets and objects: set with {@code x-amz-acl} (or an AccessControlPolicy
 * body equal to a canned ACL), read back as the grants S3 would list. An object's ACL names its
 * owner, the user who wrote it, with FULL_CONTROL; {@code bucket-owner-read} and
 * {@code bucket-owner-full-control} add the bucket's owner, and mean {@code private} on a bucket.
 */
public final class Acls {

    private static final String ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";
    private static final String AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
    private static final String XSI = "http://www.w3.org/2001/XMLSchema-instance";

    private final Stores stores;
    private final Owners owners;

    public Acls(Stores stores) {
        this.stores = stores;
        this.owners = new Owners(stores.meta());
    }

    /** The canned ACL a request sets, if any; grant headers are not supported. */
    public static Optional<CannedAcl> cannedFromHeader(Call call) {
        for (String grant : new String[] {"x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp",
                "x-amz-grant-write-acp", "x-amz-grant-full-control"}) {
            if (call.hasHeader(grant)) {
                throw new S3Exception(S3ErrorCode.NOT_IMPLEMENTED, "Only canned ACLs (x-amz-acl) are supported.");
            }
        }
        String v = call.header("x-amz-acl");
        if (v == null) {
            return Optional.empty();
        }
        return Optional.of(CannedAcl.fromHeader(v.trim()).orElseThrow(() -> new S3Exception(S3ErrorCode.INVALID_ARGUMENT)
                .detail("ArgumentName", "x-amz-acl").detail("ArgumentValue", v)));
    }

    public void getBucketAcl(Call call, BucketRecord bucket) {
        String owner = CanonicalIds.ofOwner(bucket.owner());
        call.respondXml(200, policy(owner, owner, bucket.acl()));
    }

    public void putBucketAcl(Call call, BucketRecord bucket) throws IOException {
        String owner = CanonicalIds.ofOwner(bucket.owner());
        CannedAcl acl = requested(call, owner, owner).forBucket();
        stores.meta().updateBucket(bucket.withAcl(acl));
        call.respond(200);
    }

    public void getObjectAcl(Call call, BucketRecord bucket, S3Request.GetObjectAcl op) {
        VersionRecord object = AccessControl.requireAcp(call, bucket, op,
                () -> Versions.forRead(stores.meta(), bucket, op.key(), op.versionId(), "GET"));
        call.respondHeader("x-amz-version-id", Versions.headerVersionId(bucket, object));
        call.respondXml(200, policy(AccessControl.objectOwner(bucket, object), CanonicalIds.ofOwner(bucket.owner()),
                object.acl()));
    }

    public void putObjectAcl(Call call, BucketRecord bucket, S3Request.PutObjectAcl op) throws IOException {
        // 404 and 405 as S3 orders them, to those who may list the bucket
        VersionRecord object = AccessControl.requireAcp(call, bucket, op,
                () -> Versions.forRead(stores.meta(), bucket, op.key(), op.versionId(), "PUT"));
        CannedAcl acl = requested(call, AccessControl.objectOwner(bucket, object), CanonicalIds.ofOwner(bucket.owner()));
        // a version that became a delete marker meanwhile is IsDeleteMarker: 405, as for one named by id
        stores.meta().setAcl(bucket, op.key(), op.versionId(), acl);
        call.respond(200);
    }

    /**
     * The ACL a PutBucketAcl or PutObjectAcl request asks for.
     *
     * @param owner the canonical id of the resource's owner
     * @param bucketOwner the canonical id of the bucket's owner
     */
    CannedAcl requested(Call call, String owner, String bucketOwner) throws IOException {
        Optional<CannedAcl> header = cannedFromHeader(call);
        byte[] body = call.smallBody(64 * 1024);
        if (header.isPresent()) {
            if (body.length > 0) {
                throw new S3Exception(S3ErrorCode.INVALID_REQUEST,
                        "Specifying both Canned ACLs and Header Grants or a body is not allowed");
            }
            return header.get();
        }
        if (body.length == 0) {
            throw new S3Exception(S3ErrorCode.MISSING_SECURITY_HEADER,
                    "Your request was missing a required header").detail("MissingHeaderName", "x-amz-acl");
        }
        return fromPolicy(XmlDocument.parse(body), owner, bucketOwner);
    }

    /**
     * Who a policy's grantee is, in the terms {@link #fromPolicy} compares: a group's URI,
     * {@code owner} or {@code bucket-owner}. Grants to anyone else are refused as AWS refuses
     * unknown grantees (an unknown id, an e-mail address: users here have none, a group S3 does
     * not define), and as not implemented for another existing user: explicit grants are not
     * stored yet, and taking such a grant for the owner's own would acknowledge an ACL that is not
     * applied.
     */
    private String grantee(Element g, String owner, String bucketOwner) {
        Optional<String> uri = XmlDocument.childText(g, "URI").map(String::trim);
        if (uri.isPresent()) {
            if (!uri.get().equals(ALL_USERS) && !uri.get().equals(AUTHENTICATED_USERS)
                    && !uri.get().equals("http://acs.amazonaws.com/groups/s3/LogDelivery")) {
                throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT).detail("ArgumentName", "uri")
                        .detail("ArgumentValue", uri.get());
            }
            return uri.get();
        }
        Optional<String> email = XmlDocument.childText(g, "EmailAddress").map(String::trim);
        if (email.isPresent()) {
            throw new S3Exception(S3ErrorCode.UNRESOLVABLE_GRANT_BY_EMAIL_ADDRESS).detail("EmailAddress", email.get());
        }
        String id = XmlDocument.childText(g, "ID").map(String::trim).orElse("");
        if (id.equals(owner)) {
            return "owner";
        }
        if (id.equals(bucketOwner)) {
            return "bucket-owner";
        }
        if (stores.meta().userById(id).isEmpty()) {
            throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "Invalid id").detail("ArgumentName", "CanonicalUser/ID")
                    .detail("ArgumentValue", id);
        }
        throw new S3Exception(S3ErrorCode.NOT_IMPLEMENTED,
                "Grants to users other than the owner and the bucket owner are not supported.");
    }

    private CannedAcl fromPolicy(XmlDocument doc, String owner, String bucketOwner) {
        if (!doc.rootName().equals("AccessControlPolicy")) {
            throw new S3Exception(S3ErrorCode.MALFORMED_ACL);
        }
        Set<String> grants = new HashSet<>();
        for (Element list : XmlDocument.children(doc.root(), "AccessControlList")) {
            for (Element grant : XmlDocument.children(list, "Grant")) {
                String permission = XmlDocument.childText(grant, "Permission").orElse("");
                String who = XmlDocument.children(grant, "Grantee").stream().findFirst()
                        .map(g -> grantee(g, owner, bucketOwner))
                        .orElseThrow(() -> new S3Exception(S3ErrorCode.MALFORMED_ACL));
                grants.add(who + " " + permission);
            }
        }
        grants.remove("owner FULL_CONTROL");
        if (grants.isEmpty()) return CannedAcl.PRIVATE;
        if (grants.equals(Set.of(ALL_USERS + " READ"))) return CannedAcl.PUBLIC_READ;
        if (grants.equals(Set.of(ALL_USERS + " READ", ALL_USERS + " WRITE"))) return CannedAcl.PUBLIC_READ_WRITE;
        if (grants.equals(Set.of(AUTHENTICATED_USERS + " READ"))) return CannedAcl.AUTHENTICATED_READ;
        if (grants.equals(Set.of("bucket-owner READ"))) return CannedAcl.BUCKET_OWNER_READ;
        if (grants.equals(Set.of("bucket-owner FULL_CONTROL"))) return CannedAcl.BUCKET_OWNER_FULL_CONTROL;
        throw new S3Exception(S3ErrorCode.NOT_IMPLEMENTED,
                "Only access control policies equal to a canned ACL are supported.");
    }

    /**
     * @param owner the canonical id of the resource's owner (the bucket's, or the object's writer)
     * @param bucketOwner the canonical id of the bucket's owner
     */
    private XmlWriter policy(String owner, String bucketOwner, CannedAcl acl) {
        XmlWriter x = XmlWriter.s3("AccessControlPolicy");
        owners.write(x, "Owner", owner);
        x.start("AccessControlList");
        user(x, owner, "FULL_CONTROL");
        CannedAcl a = acl == null ? CannedAcl.PRIVATE : acl;
        switch (a) {
            case PRIVATE -> { }
            case BUCKET_OWNER_READ -> {
                if (!bucketOwner.equals(owner)) {
                    user(x, bucketOwner, "READ");
                }
            }
            case BUCKET_OWNER_FULL_CONTROL -> {
                if (!bucketOwner.equals(owner)) {
                    user(x, bucketOwner, "FULL_CONTROL");
                }
            }
            case PUBLIC_READ -> group(x, ALL_USERS, "READ");
            case PUBLIC_READ_WRITE -> {
                group(x, ALL_USERS, "READ");
                group(x, ALL_USERS, "WRITE");
            }
            case AUTHENTICATED_READ -> group(x, AUTHENTICATED_USERS, "READ");
        }
        return x.end();
    }

    private void user(XmlWriter x, String id, String permission) {
        x.start("Grant").start("Grantee", "xmlns:xsi", XSI, "xsi:type", "CanonicalUser")
                .element("ID", id).element("DisplayName", owners.displayName(id)).end()
                .element("Permission", permission).end();
    }

    private static void group(XmlWriter x, String uri, String permission) {
        x.start("Grant").start("Grantee", "xmlns:xsi", XSI, "xsi:type", "Group").element("URI", uri).end()
                .element("Permission", permission).end();
    }
}
