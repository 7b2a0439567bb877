/**
 * AWS Signature Version 4 for S3 requests, independent of the HTTP server.
 *
 * <p>How the gateway uses it, once per request:
 * <ol>
 *   <li>Build a {@link io.imagegate.gateway.auth.SignedRequest} from the method, the request
 *       target's path and query exactly as received (still percent-encoded: in Undertow,
 *       {@code getRequestURI()} minus any scheme and host, and {@code getQueryString()}), and
 *       the headers through a {@link io.imagegate.gateway.auth.RequestHeaders} view.</li>
 *   <li>{@link io.imagegate.gateway.auth.SigV4Verifier#verify} returns the access key (or
 *       anonymous) or throws the S3Exception to answer with.</li>
 *   <li>Read the body only through {@code authentication.payload().wrapBody(raw, contentLength)}
 *       and publish nothing until it has returned end of stream: a hash mismatch, bad chunk
 *       signature, short body or bad framing surfaces before that as
 *       {@link io.imagegate.gateway.auth.BodyRejectedException}, whose {@code error()} is the
 *       response. For aws-chunked bodies the object size is {@code payload().decodedLength(..)},
 *       "aws-chunked" must be dropped from the stored Content-Encoding, and checksum trailers are
 *       in {@code trailers()} after end of stream.</li>
 * </ol>
 */
package io.imagegate.gateway.auth;
