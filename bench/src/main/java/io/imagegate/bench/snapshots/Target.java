package io.imagegate.bench.snapshots;

/**
 * Where one snapshot goes: the guest's disk as an object ({@code bucket/key}) whose version
 * {@code baseVersion} is the base image (a server-side copy: no bytes stored), and the disk as it
 * stands at snapshot time. {@code copySource*} name the bytes UploadPartCopy takes unchanged
 * ranges from: the key's own base version on imagegate, the shared base object on s3proxy.
 */
record Target(int snapshot, String bucket, String key, String baseVersion, SnapshotImage image,
              String copySourceKey, String copySourceVersion) {

    WriteSet writes() {
        return image.writes();
    }

    long size() {
        return image.size();
    }
}
