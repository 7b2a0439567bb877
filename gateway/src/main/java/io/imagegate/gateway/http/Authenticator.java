package io.imagegate.gateway.http;

import java.io.IOException;

/**
 * Establishes who sent a request: verifies its signature, then sets the call's principal and
 * installs the verified body stream. Throws an S3Exception when the request is not authentic.
 */
public interface Authenticator {

    void authenticate(Call call) throws IOException;
}
