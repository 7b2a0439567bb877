package io.imagegate.gateway.auth;

import java.util.Optional;

/** Looks up the secret key of an access key id; empty when the access key is unknown or disabled. */
@FunctionalInterface
public interface SecretKeys {
    Optional<String> secretFor(String accessKeyId);
}
