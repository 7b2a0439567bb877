package io.imagegate.meta;

import java.time.Instant;

/** A user and its key pair. The root user is an admin and may act on every bucket. */
public record UserRecord(String name, String accessKey, String secretKey, Instant created, boolean admin) {}
