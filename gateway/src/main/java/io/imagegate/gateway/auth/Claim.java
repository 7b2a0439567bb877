package io.imagegate.gateway.auth;

import java.util.List;

/**
 * What a signed request claims, from its Authorization header or its presigned query, before
 * any of it is believed.
 *
 * @param timestamp the request time as signed, yyyyMMdd'T'HHmmss'Z'
 * @param signedHeaders the signed header names, lower-case, in the order given
 * @param signedHeadersLine the SignedHeaders value as sent, which the canonical request repeats
 * @param payloadHash the last line of the canonical request
 * @param payloadValue the x-amz-content-sha256 header, or null when absent (presigned only)
 */
record Claim(AuthLocation where, CredentialScope scope, String timestamp, List<String> signedHeaders,
        String signedHeadersLine, String signature, String payloadHash, String payloadValue, PayloadKind payload) {}
