package io.imagegate.agent.daemon;

/** What {@code attach} reports: where the export is served and which version it pinned. */
public record AttachResult(String export, String url, String object, String versionId, String etag, long size,
                           String mode, boolean resumed) {}
