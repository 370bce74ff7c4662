package dev.anchorwatch.api;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * The entry point. Maps KServe's custom-explainer arguments ({@link KServeArgs}) to configuration before Quarkus
 * starts — as system properties, so they win over the environment and application.properties, as a command line
 * should — then runs the service. Without arguments it starts exactly as before.
 */
@QuarkusMain
public final class AnchorwatchMain {

    private AnchorwatchMain() {
    }

    public static void main(String... args) {
        KServeArgs parsed;
        try {
            parsed = KServeArgs.parse(args);
        } catch (KServeArgs.BadArguments e) {
            // logging is not configured yet; a clear line on stderr and the usual exit code for bad usage
            System.err.println("anchorwatch: " + e.getMessage());
            System.exit(2);
            return;
        }
        parsed.warnings().forEach(w -> System.err.println("anchorwatch: " + w));
        parsed.config().forEach(System::setProperty);
        Quarkus.run(args);
    }
}
