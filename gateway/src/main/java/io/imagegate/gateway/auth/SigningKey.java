package io.imagegate.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A SigV4 signing key, HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
 * "aws4_request"), with a keyed HMAC ready to clone.
 *
 * <p>Derivation costs four HMACs and keying a Mac costs more than using it, so keys are cached
 * per (secret, date, region, service) and each signature clones an already keyed Mac.
 */
final class SigningKey {

    private static final String HMAC_SHA256 = "HmacSHA256";
    private static final int CACHE_LIMIT = 4096;
    private static final ConcurrentHashMap<CacheKey, SigningKey> CACHE = new ConcurrentHashMap<>();
    private static final Mac PROTOTYPE = newMac();

    private record CacheKey(String secret, String date, String region, String service) {}

    private final Mac keyed;

    private SigningKey(byte[] key) {
        this.keyed = keyedMac(key);
    }

    static SigningKey of(String secret, String date, String region, String service) {
        CacheKey k = new CacheKey(secret, date, region, service);
        SigningKey cached = CACHE.get(k);
        if (cached != null) {
            return cached;
        }
        if (CACHE.size() >= CACHE_LIMIT) {
            // Keys roll over daily; dropping everything now and then is simpler than an LRU.
            CACHE.clear();
        }
        SigningKey derived = new SigningKey(derive(secret, date, region, service));
        CACHE.put(k, derived);
        return derived;
    }

    /** Hex HMAC-SHA256 of the text under this key: a signature. */
    String sign(String stringToSign) {
        return Hashes.hex(mac().doFinal(stringToSign.getBytes(StandardCharsets.UTF_8)));
    }

    private Mac mac() {
        try {
            return (Mac) keyed.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("HmacSHA256 is cloneable in every JDK provider", e);
        }
    }

    private static byte[] derive(String secret, String date, String region, String service) {
        byte[] k = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
        k = hmac(k, region);
        k = hmac(k, service);
        return hmac(k, "aws4_request");
    }

    private static byte[] hmac(byte[] key, String data) {
        return keyedMac(key).doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    private static Mac keyedMac(byte[] key) {
        try {
            Mac m = (Mac) PROTOTYPE.clone();
            m.init(new SecretKeySpec(key, HMAC_SHA256));
            return m;
        } catch (CloneNotSupportedException | InvalidKeyException e) {
            throw new IllegalStateException("cannot key HmacSHA256", e);
        }
    }

    private static Mac newMac() {
        try {
            return Mac.getInstance(HMAC_SHA256);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has HmacSHA256", e);
        }
    }
}
