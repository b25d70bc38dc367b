package org.smproxy.standalone;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A self-signed certificate for a first start without a keystore: made once with the JDK's keytool and reused, so
 * browsers that were told to trust it keep trusting it across restarts. Its password sits beside it, owner-only.
 */
final class SelfSignedKeystore {
    private static final Logger log = LoggerFactory.getLogger(SelfSignedKeystore.class);

    record Keystore(Path file, String password, String type) {
    }

    private SelfSignedKeystore() {
    }

    static Keystore obtain(Path file) throws IOException {
        Path passwordFile = file.resolveSibling(file.getFileName() + ".password");
        if (Files.isReadable(file) && Files.isReadable(passwordFile)) {
            log.info("using the self-signed certificate made earlier: {}", file);
            return new Keystore(file, Files.readString(passwordFile).trim(), "PKCS12");
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        byte[] secret = new byte[18];
        new SecureRandom().nextBytes(secret);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        Files.deleteIfExists(file);
        String host = InetAddress.getLocalHost().getHostName();
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "smproxy", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "825",
                "-dname", "CN=streammanager-proxy self-signed", "-ext", "SAN=dns:localhost,ip:127.0.0.1,dns:" + host,
                "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass", password, "-keypass", password);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("keytool could not make a self-signed certificate: " + output.trim());
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while making a self-signed certificate", e);
        }
        Files.writeString(passwordFile, password);
        try {
            Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            log.debug("file system has no POSIX permissions; leaving defaults on {}", passwordFile);
        }
        log.info("made a self-signed certificate for localhost and {}: {} (set standalone.keystore.file to use your own)",
                host, file);
        return new Keystore(file, password, "PKCS12");
    }
}
