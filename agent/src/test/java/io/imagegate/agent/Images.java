package io.imagegate.agent;

import java.util.Random;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;

/** Test images: deterministic bytes with the shape of a disk (data, runs of zeros, repeats). */
public final class Images {

    private Images() {}

    /** {@code size} bytes: random 4 KiB blocks, every fifth 64 KiB all zeros, a repeated block here and there. */
    public static byte[] disk(int size, long seed) {
        byte[] b = new byte[size];
        Random r = new Random(seed);
        byte[] repeated = new byte[4096];
        r.nextBytes(repeated);
        for (int off = 0; off < size; off += 4096) {
            int n = Math.min(4096, size - off);
            if ((off / 65536) % 5 == 4) {
                continue;
            }
            if ((off / 4096) % 7 == 3) {
                System.arraycopy(repeated, 0, b, off, n);
                continue;
            }
            byte[] block = new byte[n];
            r.nextBytes(block);
            System.arraycopy(block, 0, b, off, n);
        }
        return b;
    }

    public static void bucket(S3Client s3, String bucket, boolean versioned) {
        s3.createBucket(b -> b.bucket(bucket));
        if (versioned) {
            s3.putBucketVersioning(b -> b.bucket(bucket).versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
        }
    }

    /** Uploads {@code data}; returns the version id (null on an unversioned bucket). */
    public static String put(S3Client s3, String bucket, String key, byte[] data) {
        return s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(data)).versionId();
    }

    public static byte[] get(S3Client s3, String bucket, String key, String versionId) {
        return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key).versionId(versionId)).asByteArray();
    }
}
