package io.imagegate.agent.daemon;

/**
 * What {@code attach} asks of the agent. Optional fields are null.
 *
 * @param object    s3://BUCKET/KEY[?versionId=V]
 * @param endpoint  the S3 endpoint URL; null for AWS
 * @param listen    host:port of the NBD listener (default 127.0.0.1:10809), unless {@code socket} is given
 * @param socket    a unix socket path for the NBD listener
 * @param export    the export name (default: the key's last path segment)
 * @param mode      auto (probe for imagegate's extensions), manifest, or plain
 * @param profile   auto (prefetch from KEY.profile if present, else record one), record, or off
 * @param accessKey keys the client resolved (environment, profile); null: the agent's own chain
 * @param resume    take over an overlay left on disk for this export name
 * @param caBundle  absolute path of the PEM CA bundle an https endpoint is trusted by; null: the JDK's authorities
 * @param tls       NBD TLS of the listener: auto (null), off, on or require
 * @param hydrateRate fetch the whole version in the background at this many bytes a second; null: don't
 */
public record AttachRequest(String object, String endpoint, String region, String listen, String socket,
                            String export, boolean readOnly, String mode, String profile, String accessKey,
                            String secretKey, String sessionToken, boolean resume, String caBundle, String tls,
                            Long hydrateRate) {

    public static AttachRequest of(String object, String endpoint) {
        return new AttachRequest(object, endpoint, null, null, null, null, false, "auto", "auto", null, null, null, false,
                null, null, null);
    }

    public AttachRequest withHydrate(Long bytesPerSecond) {
        return new AttachRequest(object, endpoint, region, listen, socket, export, readOnly, mode, profile, accessKey,
                secretKey, sessionToken, resume, caBundle, tls, bytesPerSecond);
    }

    public AttachRequest withTls(String nbdTls) {
        return new AttachRequest(object, endpoint, region, listen, socket, export, readOnly, mode, profile, accessKey,
                secretKey, sessionToken, resume, caBundle, nbdTls, hydrateRate);
    }

    public AttachRequest withCaBundle(String path) {
        return new AttachRequest(object, endpoint, region, listen, socket, export, readOnly, mode, profile, accessKey,
                secretKey, sessionToken, resume, path, tls, hydrateRate);
    }

    public AttachRequest withListen(String l) {
        return new AttachRequest(object, endpoint, region, l, socket, export, readOnly, mode, profile, accessKey,
                secretKey, sessionToken, resume, caBundle, tls, hydrateRate);
    }

    public AttachRequest withSocket(String s) {
        return new AttachRequest(object, endpoint, region, listen, s, export, readOnly, mode, profile, accessKey,
                secretKey, sessionToken, resume, caBundle, tls, hydrateRate);
    }

    public AttachRequest withExport(String e) {
        return new AttachRequest(object, endpoint, region, listen, socket, e, readOnly, mode, profile, accessKey,
                secretKey, sessionToken, resume, caBundle, tls, hydrateRate);
    }

    public AttachRequest withReadOnly(boolean r) {
        return new AttachRequest(object, endpoint, region, listen, socket, export, r, mode, profile, accessKey,
                secretKey, sessionToken, resume, caBundle, tls, hydrateRate);
    }

    public AttachRequest withMode(String m) {
        return new AttachRequest(object, endpoint, region, listen, socket, export, readOnly, m, profile, accessKey,
                secretKey, sessionToken, resume, caBundle, tls, hydrateRate);
    }

    public AttachRequest withProfile(String p) {
        return new AttachRequest(object, endpoint, region, listen, socket, export, readOnly, mode, p, accessKey,
                secretKey, sessionToken, resume, caBundle, tls, hydrateRate);
    }

    public AttachRequest withRegion(String r) {
        return new AttachRequest(object, endpoint, r, listen, socket, export, readOnly, mode, profile, accessKey,
                secretKey, sessionToken, resume, caBundle, tls, hydrateRate);
    }

    public AttachRequest withKeys(String ak, String sk, String token) {
        return new AttachRequest(object, endpoint, region, listen, socket, export, readOnly, mode, profile, ak, sk,
                token, resume, caBundle, tls, hydrateRate);
    }

    public AttachRequest withResume(boolean r) {
        return new AttachRequest(object, endpoint, region, listen, socket, export, readOnly, mode, profile, accessKey,
                secretKey, sessionToken, r, caBundle, tls, hydrateRate);
    }
}
