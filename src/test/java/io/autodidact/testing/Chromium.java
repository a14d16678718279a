package io.autodidact.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A real headless Chromium for browser tests: Debian's {@code chromium} and {@code chromium-driver}, installed with
 * apt the first time they are missing (CI runs as root on a fresh Debian machine). Selenium is given both paths,
 * so Selenium Manager never downloads a browser or driver.
 */
public final class Chromium {
    public static final Path DRIVER = Path.of("/usr/bin/chromedriver"), BROWSER = Path.of("/usr/bin/chromium");

    private Chromium() {}

    /** Installs the packages when either binary is missing; fails, saying how to fix it, when that is impossible. */
    public static synchronized void ensureInstalled() {
        if (present()) return;
        String log = apt(List.of("apt-get", "install", "-y", "--no-install-recommends", "chromium", "chromium-driver"));
        if (!present()) log += apt(List.of("apt-get", "update")) + apt(List.of("apt-get", "install", "-y", "--no-install-recommends",
                "chromium", "chromium-driver"));
        if (!present())
            throw new IllegalStateException("the dashboard test needs " + BROWSER + " and " + DRIVER + " and could not install them; run "
                    + "`apt-get install -y chromium chromium-driver` as root (Debian) and retry. apt said:\n" + log);
    }

    private static boolean present() {
        return Files.isExecutable(DRIVER) && Files.isExecutable(BROWSER);
    }

    private static String apt(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(15, TimeUnit.MINUTES)) p.destroyForcibly();
            return "$ " + String.join(" ", command) + "\n" + out.lines().skip(Math.max(0, out.lines().count() - 15)).reduce("", (a, b) -> a + b + "\n");
        } catch (IOException e) {
            return "$ " + String.join(" ", command) + ": " + e.getMessage() + "\n";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "$ " + String.join(" ", command) + ": interrupted\n";
        }
    }

    /** A headless browser; the caller quits it. */
    public static ChromeDriver start() {
        ensureInstalled();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        // --no-sandbox: CI runs as root, where Chromium's own sandbox refuses to start.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }
}
