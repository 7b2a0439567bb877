package io.imagegate.gateway.auth;

/**
 * Who sent a request and how to read its body.
 *
 * @param accessKey the verified access key id; null when anonymous
 * @param method how the request was authenticated
 * @param payload how the body must be read and checked
 */
public record Authentication(String accessKey, Method method, PayloadPolicy payload) {

    /** How a request proved its identity. */
    public enum Method { ANONYMOUS, AUTHORIZATION_HEADER, PRESIGNED_URL }

    public boolean isAnonymous() {
        return method == Method.ANONYMOUS;
    }
}
