package dev.anchorwatch.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The command line KServe gives a custom explainer container ({@code spec.explainer.containers}):
 * {@code --model_name NAME --predictor_host HOST --http_port 8080}, sometimes {@code --workers N}, as two words or as
 * {@code --flag=value}. Turned into configuration keys before Quarkus starts, so that the same settings can come
 * from arguments, from system properties or from the environment (see docs/configuration.md):
 *
 * <table>
 * <caption>arguments and the keys they set</caption>
 * <tr><td>{@code --model_name}</td><td>{@code anchorwatch.kserve.model-name} (turns explainer mode on)</td></tr>
 * <tr><td>{@code --predictor_host}</td><td>{@code anchorwatch.kserve.predictor-host}</td></tr>
 * <tr><td>{@code --protocol}</td><td>{@code anchorwatch.kserve.protocol} ({@code v1} or {@code v2})</td></tr>
 * <tr><td>{@code --http_port}</td><td>{@code quarkus.http.port}</td></tr>
 * <tr><td>{@code --workers}</td><td>{@code anchorwatch.explain.workers}</td></tr>
 * </table>
 *
 * <p>Arguments KServe's own model servers accept but that mean nothing here are ignored with a warning, as those
 * servers ignore unknown ones (a newer KServe may add one); a known flag without a value, or with a bad one, is an
 * error.
 *
 * @param config   configuration keys and values, in argument order
 * @param warnings what was ignored, for the log
 */
public record KServeArgs(Map<String, String> config, List<String> warnings) {

    public static final String MODEL_NAME = "anchorwatch.kserve.model-name";
    public static final String PREDICTOR_HOST = "anchorwatch.kserve.predictor-host";
    public static final String PROTOCOL = "anchorwatch.kserve.protocol";
    public static final String HTTP_PORT = "quarkus.http.port";
    public static final String WORKERS = "anchorwatch.explain.workers";

    private static final Map<String, String> KEYS = Map.of(
            "--model_name", MODEL_NAME,
            "--predictor_host", PREDICTOR_HOST,
            "--protocol", PROTOCOL,
            "--http_port", HTTP_PORT,
            "--workers", WORKERS);

    /** A command line that cannot be used; the message says which argument and why. */
    public static final class BadArguments extends IllegalArgumentException {
        BadArguments(String message) {
            super(message);
        }
    }

    public KServeArgs {
        config = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(config));
        warnings = List.copyOf(warnings);
    }

    public static KServeArgs parse(String... args) {
        Map<String, String> config = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                warnings.add("ignoring argument '" + arg + "'");
                continue;
            }
            int eq = arg.indexOf('=');
            String flag = (eq < 0 ? arg : arg.substring(0, eq)).toLowerCase(Locale.ROOT).replace('-', '_')
                    .replaceFirst("^__", "--");
            String key = KEYS.get(flag);
            if (key == null) {
                // skip its value too, when it has one, so that the value is not read as an argument
                if (eq < 0 && i + 1 < args.length && !args[i + 1].startsWith("--")) {
                    i++;
                }
                warnings.add("ignoring argument '" + (eq < 0 ? arg : arg.substring(0, eq))
                        + "': Anchorwatch does not use it");
                continue;
            }
            String value;
            if (eq >= 0) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                throw new BadArguments(flag + " needs a value");
            }
            config.put(key, check(flag, value.trim()));
        }
        return new KServeArgs(config, warnings);
    }

    private static String check(String flag, String value) {
        if (value.isEmpty()) {
            throw new BadArguments(flag + " needs a value");
        }
        switch (flag) {
            case "--http_port" -> {
                int port = integer(flag, value);
                if (port < 0 || port > 65_535) {
                    throw new BadArguments(flag + " must be a TCP port (0-65535), got " + value);
                }
            }
            case "--workers" -> {
                if (integer(flag, value) < 1) {
                    throw new BadArguments(flag + " must be at least 1, got " + value);
                }
            }
            case "--protocol" -> {
                String p = value.toLowerCase(Locale.ROOT);
                if (!p.equals("v1") && !p.equals("v2")) {
                    throw new BadArguments(flag + " must be v1 or v2 (HTTP), got " + value);
                }
                return p;
            }
            case "--model_name" -> {
                if (!value.matches("[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?")) {
                    throw new BadArguments(flag + " must be a model name of letters, digits, '-', '_' or '.', got "
                            + value);
                }
            }
            default -> {
            }
        }
        return value;
    }

    private static int integer(String flag, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new BadArguments(flag + " must be an integer, got " + value);
        }
    }
}
