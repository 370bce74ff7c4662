package dev.anchorwatch.testsupport;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** Issue 11, item 3: under CI a missing browser fails the viewer's browser tests; elsewhere it skips them. */
class BrowserTest {

    static final Path NOWHERE = Path.of("/nonexistent/anchorwatch/chromium");

    @Test
    void aMissingBrowserFailsUnderCiAndSkipsElsewhere() {
        AssertionFailedError failed = assertThrows(AssertionFailedError.class,
                () -> Browser.requireInstalled(NOWHERE, Browser.CHROMEDRIVER, true));
        assertTrue(failed.getMessage().contains(NOWHERE + " is missing") && failed.getMessage().contains("under CI"),
                failed.getMessage());
        TestAbortedException skipped = assertThrows(TestAbortedException.class,
                () -> Browser.requireInstalled(NOWHERE, Browser.CHROMEDRIVER, false));
        assertTrue(skipped.getMessage().contains("apt-get install -y chromium chromium-driver"), skipped.getMessage());
        // the driver is checked too, not only the browser
        assertThrows(AssertionFailedError.class, () -> Browser.requireInstalled(Path.of("/bin/sh"), NOWHERE, true));
    }
}
