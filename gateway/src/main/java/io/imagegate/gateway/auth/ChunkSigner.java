package io.imagegate.gateway.auth;

/**
 * Computes the signatures of aws-chunked bodies: each chunk's signature chains from the one
 * before it, starting at the request's own (seed) signature, and the trailer's from the last.
 */
final class ChunkSigner {

    private final SigningKey key;
    private final String chunkPrefix;
    private final String trailerPrefix;
    private final String seedSignature;

    ChunkSigner(SigningKey key, String timestamp, String scope, String seedSignature) {
        this.key = key;
        this.chunkPrefix = "AWS4-HMAC-SHA256-PAYLOAD\n" + timestamp + '\n' + scope + '\n';
        this.trailerPrefix = "AWS4-HMAC-SHA256-TRAILER\n" + timestamp + '\n' + scope + '\n';
        this.seedSignature = seedSignature;
    }

    String seedSignature() {
        return seedSignature;
    }

    String chunkSignature(String previousSignature, byte[] chunkSha256) {
        return key.sign(chunkPrefix + previousSignature + '\n' + Hashes.EMPTY_SHA256 + '\n'
                + Hashes.hex(chunkSha256));
    }

    /** @param canonicalTrailers "name:value\n" for each trailer, sorted by name */
    String trailerSignature(String previousSignature, String canonicalTrailers) {
        return key.sign(trailerPrefix + previousSignature + '\n' + Hashes.sha256Hex(canonicalTrailers));
    }
}
