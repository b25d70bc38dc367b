package org.smproxy.browser;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * One headless Debian Chromium driven by Selenium through {@code /usr/bin/chromedriver}, for one test class.
 * Pages are windows of that one browser (a Chromium start costs ~3 s, a window almost nothing). The driver
 * path is explicit so Selenium Manager never runs (it would try to download a driver); the profile is a fresh
 * {@code --user-data-dir}, deleted on {@link #close()}.
 */
public final class Browser implements AutoCloseable {

    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Longest one page call (publish, play, ...) may take; the client's own timeouts are shorter. */
    static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(40);

    /** Held so the level survives: JUL keeps loggers weakly. Selenium warns about CDP versions it never uses. */
    private static final Logger SELENIUM_LOG = Logger.getLogger("org.openqa.selenium");

    static {
        SELENIUM_LOG.setLevel(Level.SEVERE);
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path profile;
    private final ChromeDriverService service;
    private final ChromeDriver driver;
    private final List<Page> pages = new ArrayList<>();
    private final String home;

    private Browser(Path profile, ChromeDriverService service, ChromeDriver driver) {
        this.profile = profile;
        this.service = service;
        this.driver = driver;
        this.home = driver.getWindowHandle();
    }

    /** Starts Chromium, or fails at once with what to install. */
    public static Browser start(Path workDir) {
        for (Path p : List.of(CHROMIUM, CHROMEDRIVER)) {
            if (!Files.isExecutable(p)) {
                throw new IllegalStateException(p + " is missing: browser tests need Debian's chromium and "
                        + "chromium-driver (scripts/install-deps.sh, or apt-get install -y chromium chromium-driver)");
            }
        }
        Path profile;
        try {
            Files.createDirectories(workDir);
            profile = Files.createTempDirectory(workDir, "chromium-profile-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage",
                "--user-data-dir=" + profile,
                "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                "--ignore-certificate-errors",
                // Several pages share one browser; a page in the background must keep its pace.
                "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                "--disable-backgrounding-occluded-windows",
                "--autoplay-policy=no-user-gesture-required");
        options.setAcceptInsecureCerts(true);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(workDir.resolve("chromedriver.log").toFile())
                .build();
        try {
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().scriptTimeout(SCRIPT_TIMEOUT);
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20));
            return new Browser(profile, service, driver);
        } catch (RuntimeException e) {
            service.stop();
            deleteQuietly(profile);
            throw e;
        }
    }

    /**
     * Opens the URL in a new window and waits for its script. The start tab stays open and empty: the driver
     * session ends when a browser's last window closes, and pages may be closed one by one.
     */
    public synchronized Page open(URI url) {
        driver.switchTo().newWindow(WindowType.WINDOW);
        Page page = new Page(driver.getWindowHandle());
        pages.add(page);
        driver.get(url.toString());
        new WebDriverWait(driver, Duration.ofSeconds(15))
                .until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript("return window.smproxyReady === true")));
        return page;
    }

    @Override
    public synchronized void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
            deleteQuietly(profile);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a profile left in target/ is harmless
        }
    }

    private static String json(Object[] args) {
        try {
            return JSON.writeValueAsString(args);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("page call arguments must be JSON: " + e.getMessage(), e);
        }
    }

    /** One window of the browser; each call switches to it first (the driver has one current window). */
    public final class Page {
        private final String handle;

        private Page(String handle) {
            this.handle = handle;
        }

        /**
         * Calls {@code window.<function>(args...)} and awaits its promise. Page functions resolve to JSON,
         * which arrives as maps, lists, strings, longs and doubles.
         */
        @SuppressWarnings("unchecked")
        public Map<String, Object> call(String function, Object... args) {
            synchronized (Browser.this) {
                driver.switchTo().window(handle);
                // Arguments travel as JSON text: Selenium's own encoding sorts map keys, and connectionParams
                // are appended in the caller's order.
                Object result = driver.executeScript("return await window[arguments[0]](...JSON.parse(arguments[1]));",
                        function, json(args));
                return (Map<String, Object>) result;
            }
        }

        /**
         * Runs a script in the page (its {@code return} value, awaited if it is a promise, comes back as JSON
         * values): for pages driven through their own controls rather than window functions.
         */
        public Object script(String script, Object... args) {
            synchronized (Browser.this) {
                driver.switchTo().window(handle);
                return driver.executeScript(script, args);
            }
        }

        /** A PNG of the window at {@code width} x {@code height} CSS pixels. */
        public void screenshot(Path file, int width, int height) {
            synchronized (Browser.this) {
                driver.switchTo().window(handle);
                driver.manage().window().setSize(new org.openqa.selenium.Dimension(width, height));
                try {
                    Files.createDirectories(file.toAbsolutePath().getParent());
                    Files.write(file, driver.getScreenshotAs(org.openqa.selenium.OutputType.BYTES));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        /** Closes the window, and with it every peer connection of the page (no DELETE is sent). */
        public void close() {
            synchronized (Browser.this) {
                if (pages.remove(this)) {
                    driver.switchTo().window(handle);
                    driver.close();
                    driver.switchTo().window(home);
                }
            }
        }

        /** The page's own log lines and the browser console, for failure messages. */
        public String diagnostics() {
            synchronized (Browser.this) {
                driver.switchTo().window(handle);
                Object text = driver.executeScript("return document.getElementById('log')?.textContent || ''");
                String console = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                        .map(LogEntry::toString).collect(Collectors.joining("\n"));
                return "page log:\n" + text + "\nconsole:\n" + console;
            }
        }
    }
}
