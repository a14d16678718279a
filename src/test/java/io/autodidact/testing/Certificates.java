package io.autodidact.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;

/** Self-signed certificates made in the test with the JDK's keytool, for servers that speak TLS. */
public final class Certificates {
    private Certificates() {}

    /** A self-signed certificate for localhost and 127.0.0.1, written as PEM with its PKCS#8 private key. */
    public static void selfSigned(Path certPem, Path keyPem) throws Exception {
        Path store = certPem.resolveSibling(certPem.getFileName() + ".p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        Files.writeString(certPem, pem("CERTIFICATE", ks.getCertificate("server").getEncoded()));
        Files.writeString(keyPem, pem("PRIVATE KEY", ks.getKey("server", "changeit".toCharArray()).getEncoded()));
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
