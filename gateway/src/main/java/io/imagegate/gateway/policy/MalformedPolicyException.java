package io.imagegate.gateway.policy;

/**
 * A policy document that cannot be accepted, with the reason in the words AWS uses for it (S3
 * answers PutBucketPolicy with 400 MalformedPolicy and this message).
 */
public final class MalformedPolicyException extends RuntimeException {

    public MalformedPolicyException(String message) {
        super(message, null, false, false);
    }
}
