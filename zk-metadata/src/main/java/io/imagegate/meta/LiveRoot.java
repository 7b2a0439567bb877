package io.imagegate.meta;

/**
 * A manifest root the metadata holds, as {@link MetadataStore#visitLiveRoots} reports it: a
 * version (current or not; delete markers hold none) or a part of an upload in progress.
 *
 * @param versionId  the version's id; null for a part
 * @param uploadId   the upload a part belongs to; null for a version
 * @param partNumber the part's number; 0 for a version
 * @param manifest   the chunk layer's encoded manifest root
 * @param size       the object's (or part's) size in bytes
 */
public record LiveRoot(String bucket, String key, String versionId, String uploadId, int partNumber,
                       String manifest, long size) {

    public boolean isPart() {
        return uploadId != null;
    }

    /** Receives live roots, one at a time. */
    @FunctionalInterface
    public interface Visitor {
        void visit(LiveRoot root);
    }
}
