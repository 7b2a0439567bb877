package io.imagegate.gateway.auth;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;

/** Where a request carries its signature, which decides how S3 words errors about it. */
enum AuthLocation {
    HEADER,
    QUERY;

    /** An error in the credential scope, e.g. a wrong region or service. */
    S3Exception credentialError(String problem) {
        return this == HEADER
                ? new S3Exception(S3ErrorCode.AUTHORIZATION_HEADER_MALFORMED,
                        "The authorization header is malformed; " + problem)
                : new S3Exception(S3ErrorCode.AUTHORIZATION_QUERY_PARAMETERS_ERROR,
                        "Error parsing the X-Amz-Credential parameter; " + problem);
    }
}
