package io.imagegate.tls;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A server key manager whose certificate can be replaced while the server runs: each handshake
 * asks the current generation (the JDK's own PKIX key manager over one {@link CertifiedKey}), so
 * new handshakes present the new certificate and connections already established keep theirs.
 * Aliases carry their generation, so a handshake that chose an alias just before a swap still
 * gets the chain and key of that same generation.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {

    private static final char[] IN_MEMORY = "imagegate".toCharArray();

    private record Generation(long number, X509ExtendedKeyManager delegate) {
        String alias(String delegateAlias) {
            return delegateAlias == null ? null : number + ":" + delegateAlias;
        }
    }

    private record Generations(Generation current, Generation previous) {}

    private volatile Generations generations;

    ReloadingKeyManager(CertifiedKey first) throws GeneralSecurityException {
        this.generations = new Generations(new Generation(1, delegateFor(first)), null);
    }

    /** From now on, new handshakes present {@code key}. */
    synchronized void install(CertifiedKey key) throws GeneralSecurityException {
        Generation current = generations.current();
        generations = new Generations(new Generation(current.number() + 1, delegateFor(key)), current);
    }

    private static X509ExtendedKeyManager delegateFor(CertifiedKey key) throws GeneralSecurityException {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("server", key.key(), IN_MEMORY, key.chain().toArray(X509Certificate[]::new));
            KeyManagerFactory factory = KeyManagerFactory.getInstance("PKIX");
            factory.init(store, IN_MEMORY);
            for (KeyManager m : factory.getKeyManagers()) {
                if (m instanceof X509ExtendedKeyManager x) {
                    return x;
                }
            }
            throw new GeneralSecurityException("the JDK's PKIX key manager factory made no X509ExtendedKeyManager");
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private Generation find(String alias) {
        if (alias == null) {
            return null;
        }
        int colon = alias.indexOf(':');
        if (colon < 0) {
            return null;
        }
        Generations g = generations;
        String number = alias.substring(0, colon);
        if (number.equals(Long.toString(g.current().number()))) {
            return g.current();
        }
        if (g.previous() != null && number.equals(Long.toString(g.previous().number()))) {
            return g.previous();
        }
        return null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        Generation g = generations.current();
        return g.alias(g.delegate().chooseEngineServerAlias(keyType, issuers, engine));
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        Generation g = generations.current();
        return g.alias(g.delegate().chooseServerAlias(keyType, issuers, socket));
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        Generation g = generations.current();
        String[] aliases = g.delegate().getServerAliases(keyType, issuers);
        if (aliases == null) {
            return null;
        }
        String[] prefixed = new String[aliases.length];
        for (int i = 0; i < aliases.length; i++) {
            prefixed[i] = g.alias(aliases[i]);
        }
        return prefixed;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Generation g = find(alias);
        return g == null ? null : g.delegate().getCertificateChain(alias.substring(alias.indexOf(':') + 1));
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Generation g = find(alias);
        return g == null ? null : g.delegate().getPrivateKey(alias.substring(alias.indexOf(':') + 1));
    }

    // a server's key manager: it never authenticates as a client

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return null;
    }
}
