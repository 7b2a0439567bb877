package io.imagegate.gateway.auth;

/**
 * The parts of an HTTP request that SigV4 covers, independent of the HTTP server.
 *
 * @param method the request method, e.g. GET
 * @param rawPath the path exactly as on the wire, still percent-encoded, without the query
 * @param rawQuery the query exactly as on the wire, without '?'; null or empty when absent
 * @param headers every request header
 */
public record SignedRequest(String method, String rawPath, String rawQuery, RequestHeaders headers) {}
