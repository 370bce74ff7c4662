package dev.anchorwatch.testsupport;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium driven over WebDriver: Debian's {@code chromium} and {@code chromium-driver} at
 * {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver}, named explicitly so that Selenium Manager never
 * looks for (or downloads) a browser or a driver. Under CI ({@code CI=true}) a missing browser fails the test;
 * elsewhere the test is skipped with a message saying what to install.
 */
public final class Browser implements AutoCloseable {

    public static final Path CHROMIUM = Path.of(System.getProperty("anchorwatch.chromium", "/usr/bin/chromium"));
    public static final Path CHROMEDRIVER = Path.of(System.getProperty("anchorwatch.chromedriver", "/usr/bin/chromedriver"));
    public static final Path SCREENSHOTS = Path.of("target", "viewer-screenshots");

    private final ChromeDriver driver;
    private final Path profile;

    private Browser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    /** Starts Chromium, or fails (CI) / skips (elsewhere) when it is not installed. */
    public static Browser start() {
        requireInstalled(CHROMIUM, CHROMEDRIVER, "true".equalsIgnoreCase(System.getenv("CI")));
        try {
            Path profile = Files.createTempDirectory("anchorwatch-chromium-");
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM.toFile());
            options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1400,1000", "--user-data-dir=" + profile);
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(CHROMEDRIVER.toFile())
                    .usingAnyFreePort()
                    .build();
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
            return new Browser(driver, profile);
        } catch (IOException e) {
            throw new IllegalStateException("cannot make a browser profile directory", e);
        }
    }

    /**
     * Returns when both programs are there; otherwise fails the test under CI ({@code ci}), or aborts it (skipped)
     * elsewhere, naming what to install.
     */
    static void requireInstalled(Path chromium, Path chromedriver, boolean ci) {
        String missing = !Files.isExecutable(chromium) ? chromium.toString()
                : !Files.isExecutable(chromedriver) ? chromedriver.toString() : null;
        if (missing != null) {
            String message = missing + " is missing: the viewer's browser tests need Debian's chromium and "
                    + "chromium-driver (apt-get install -y chromium chromium-driver)";
            if (ci) {
                Assertions.fail(message + "; under CI a missing browser fails the run");
            }
            Assumptions.abort(message + "; skipped outside CI");
        }
    }

    public WebDriver driver() {
        return driver;
    }

    /** Opens a page and waits until its script says it has loaded its data ({@code body[data-ready]}). */
    public void open(String url) {
        driver.get(url);
        awaitReady();
    }

    public void awaitReady() {
        new WebDriverWait(driver, Duration.ofSeconds(30)).until(d ->
                "true".equals(d.findElement(By.tagName("body")).getAttribute("data-ready")));
    }

    /** Saves a PNG of the window under target/viewer-screenshots/NAME.png and returns its path. */
    public Path screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
            Path to = SCREENSHOTS.resolve(name + ".png");
            Files.copy(shot.toPath(), to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return to;
        } catch (IOException e) {
            throw new IllegalStateException("cannot save screenshot " + name, e);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temp dir left behind is harmless
            }
        }
    }
}
