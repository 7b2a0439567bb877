package io.imagegate.bench.snapshots;

/**
 * A snapshot as users make one today with {@code aws s3 cp}: the whole image sent again as a new
 * version of the disk's key (one PutObject, the SDK's default signing). imagegate deduplicates it
 * against the key's current version, so it stores little; the client still sends every byte.
 */
final class FullUpload {

    private FullUpload() {}

    static Outcome run(S3Session s3, Target t) {
        long t0 = System.nanoTime();
        String version = s3.put(t.bucket(), t.key(), t.size(), () -> t.image().stream(0, t.size()));
        return Outcome.of(t.snapshot(), version, System.nanoTime() - t0, t.size(), 0, 1);
    }
}
