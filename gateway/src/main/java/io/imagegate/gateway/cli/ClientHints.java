package io.imagegate.gateway.cli;

import java.net.URI;
import java.nio.file.Path;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** What {@code serve} tells a client of an HTTPS gateway: a host name the certificate names, and a CA bundle. */
final class ClientHints {

    static final String CA_PLACEHOLDER = "CA.pem";

    private static final int DNS_NAME = 2;
    private static final int IP_ADDRESS = 7;

    private ClientHints() {}

    /**
     * The endpoint with a host the certificate is valid for: the listening address when the
     * certificate names it, else {@code localhost} when it names that, else its first DNS name.
     */
    static URI endpoint(URI listening, X509Certificate leaf) {
        List<String> names = subjectAltNames(leaf);
        String host = listening.getHost();
        String chosen = names.contains(host) || names.contains(host.replaceAll("^\\[|\\]$", "")) ? host
                : names.contains("localhost") ? "localhost"
                : names.stream().filter(n -> !n.startsWith("*.") && !n.contains(":") && !n.matches("[0-9.]+"))
                        .findFirst().orElse(host);
        return URI.create(listening.getScheme() + "://" + chosen + ":" + listening.getPort());
    }

    /** The certificate file itself when its chain ends in a self-signed certificate, else {@link #CA_PLACEHOLDER}. */
    static String caBundle(Path certificateFile, List<X509Certificate> chain) {
        X509Certificate last = chain.getLast();
        if (!last.getSubjectX500Principal().equals(last.getIssuerX500Principal())) {
            return CA_PLACEHOLDER;
        }
        try {
            last.verify(last.getPublicKey());
            return certificateFile.toAbsolutePath().toString();
        } catch (Exception e) {
            return CA_PLACEHOLDER;
        }
    }

    private static List<String> subjectAltNames(X509Certificate leaf) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    int type = (Integer) san.get(0);
                    if (type == DNS_NAME || type == IP_ADDRESS) {
                        names.add(String.valueOf(san.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no names: the listening address stays
        }
        return names;
    }
}
