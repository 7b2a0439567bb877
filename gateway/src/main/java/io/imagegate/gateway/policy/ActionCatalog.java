package io.imagegate.gateway.policy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every action a policy may name, with the kind of resource it applies to: the actions of AWS's
 * S3 (those imagegate checks, and the others AWS defines, so policies written for AWS are accepted)
 * and imagegate's own ({@code imagegate:}). A pattern that names none of them is "Policy has invalid
 * action"; a statement whose actions apply to none of its resources is refused as AWS refuses it.
 */
public final class ActionCatalog {

    /** What an action acts on: its resource ARN is {@code arn:aws:s3:::*}, a bucket's, or an object's. */
    public enum Kind { SERVICE, BUCKET, OBJECT }

    /** An action by its canonical name, e.g. {@code s3:GetObject}. */
    public record Entry(String name, Kind kind) {}

    private static final Map<String, Entry> BY_LOWER_NAME = new LinkedHashMap<>();

    static {
        for (String n : List.of("ListAllMyBuckets", "CreateJob", "GetAccessPoint", "ListAccessPoints",
                "ListJobs", "GetAccountPublicAccessBlock", "PutAccountPublicAccessBlock", "ListStorageLensConfigurations")) {
            add("s3:" + n, Kind.SERVICE);
        }
        add("imagegate:GetStorageReport", Kind.SERVICE);
        for (String n : List.of("CreateBucket", "DeleteBucket", "ListBucket", "ListBucketVersions",
                "ListBucketMultipartUploads", "GetBucketLocation", "GetBucketVersioning", "PutBucketVersioning",
                "GetBucketAcl", "PutBucketAcl", "GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy",
                "GetBucketPolicyStatus", "GetLifecycleConfiguration", "PutLifecycleConfiguration", "GetBucketCORS",
                "PutBucketCORS", "GetBucketWebsite", "PutBucketWebsite", "DeleteBucketWebsite", "GetBucketLogging",
                "PutBucketLogging", "GetBucketNotification", "PutBucketNotification", "GetBucketTagging",
                "PutBucketTagging", "GetBucketRequestPayment", "PutBucketRequestPayment",
                "GetBucketObjectLockConfiguration", "PutBucketObjectLockConfiguration", "GetBucketOwnershipControls",
                "PutBucketOwnershipControls", "DeleteBucketOwnershipControls", "GetBucketPublicAccessBlock",
                "PutBucketPublicAccessBlock", "GetEncryptionConfiguration", "PutEncryptionConfiguration",
                "GetReplicationConfiguration", "PutReplicationConfiguration", "GetAccelerateConfiguration",
                "PutAccelerateConfiguration", "GetAnalyticsConfiguration", "PutAnalyticsConfiguration",
                "GetInventoryConfiguration", "PutInventoryConfiguration", "GetMetricsConfiguration",
                "PutMetricsConfiguration", "GetIntelligentTieringConfiguration", "PutIntelligentTieringConfiguration")) {
            add("s3:" + n, Kind.BUCKET);
        }
        for (String n : List.of("GetObject", "GetObjectVersion", "PutObject", "DeleteObject", "DeleteObjectVersion",
                "GetObjectAcl", "GetObjectVersionAcl", "PutObjectAcl", "PutObjectVersionAcl", "AbortMultipartUpload",
                "ListMultipartUploadParts", "GetObjectAttributes", "GetObjectVersionAttributes", "GetObjectTagging",
                "GetObjectVersionTagging", "PutObjectTagging", "PutObjectVersionTagging", "DeleteObjectTagging",
                "DeleteObjectVersionTagging", "GetObjectLegalHold", "PutObjectLegalHold", "GetObjectRetention",
                "PutObjectRetention", "BypassGovernanceRetention", "RestoreObject", "GetObjectTorrent",
                "GetObjectVersionTorrent", "ReplicateObject", "ReplicateDelete", "ReplicateTags",
                "GetObjectVersionForReplication", "ObjectOwnerOverrideToBucketOwner")) {
            add("s3:" + n, Kind.OBJECT);
        }
        for (String n : List.of("GetManifest", "GetMissingChunks", "CommitVersion")) {
            add("imagegate:" + n, Kind.OBJECT);
        }
    }

    private ActionCatalog() {}

    private static void add(String name, Kind kind) {
        BY_LOWER_NAME.put(name.toLowerCase(Locale.ROOT), new Entry(name, kind));
    }

    /** The action with this name (any case), or null. */
    public static Entry find(String name) {
        return BY_LOWER_NAME.get(name.toLowerCase(Locale.ROOT));
    }

    /** Every action, in a stable order. */
    public static java.util.Collection<Entry> all() {
        return BY_LOWER_NAME.values();
    }

    /** Whether {@code service} prefixes actions a policy may name. */
    static boolean knownService(String service) {
        return service.equalsIgnoreCase("s3") || service.equalsIgnoreCase("imagegate");
    }
}
