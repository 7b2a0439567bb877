package io.imagegate.agent.snapshot;

import io.imagegate.agent.image.ImageVersion;

/**
 * A published snapshot: the new version, how it was made ({@code commit} extension or
 * {@code multipart}), and what crossed the network: bytes uploaded, bytes the store copied
 * server-side (UploadPartCopy), chunks the guest changed.
 */
public record Committed(ImageVersion version, String method, long changedChunks, long uploadedBytes, long copiedBytes) {}
