package dev.anchorwatch.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.smallrye.config.ConfigMapping;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Optional bearer-token authentication for every HTTP endpoint (the event ingress {@code /}, {@code :explain},
 * the model list, and whatever is added later: viewer pages, query APIs), except the probes and the metrics
 * ({@code /q/health}, {@code /q/health/*}, {@code /q/metrics}). One Vert.x filter, registered before every
 * route, so no endpoint can forget it; it runs before any body is read.
 *
 * <p>Off unless {@code anchorwatch.auth.tokens} lists at least one token (e.g. from a Secret through
 * {@code ANCHORWATCH_AUTH_TOKENS=token1,token2}, several to rotate). A request without
 * {@code Authorization: Bearer <one of them>} gets 401 with {@code WWW-Authenticate: Bearer realm="anchorwatch"}.
 * Tokens are compared as SHA-256 digests with {@link MessageDigest#isEqual} against every configured token, so the
 * time taken says nothing about how much of a token matched. Failures are counted in
 * {@code anchorwatch.auth.failures{reason=missing|wrong}}; tokens are never logged.
 */
@ApplicationScoped
public class BearerAuth {

    private static final Logger LOG = Logger.getLogger(BearerAuth.class);
    static final String CHALLENGE = "Bearer realm=\"anchorwatch\"";

    /** {@code anchorwatch.auth.*}. */
    @ConfigMapping(prefix = "anchorwatch.auth")
    public interface AuthConfig {
        /** Accepted bearer tokens; none (the default) turns authentication off. */
        Optional<List<String>> tokens();
    }

    void register(@Observes Filters filters, AuthConfig config, MeterRegistry registry) {
        List<byte[]> digests = config.tokens().orElse(List.of()).stream().map(String::trim).filter(t -> !t.isEmpty())
                .map(BearerAuth::sha256).toList();
        if (digests.isEmpty()) {
            LOG.info("HTTP authentication is off (set anchorwatch.auth.tokens to require a bearer token)");
            return;
        }
        LOG.infof("HTTP authentication: a bearer token (one of %d) is required on every endpoint but /q/health, /q/metrics and the viewer's static pages",
                digests.size());
        filters.register(rc -> check(rc, digests, registry), 1000);
    }

    static boolean exempt(String path) {
        return path != null && (path.equals("/q/health") || path.startsWith("/q/health/") || path.equals("/q/metrics"));
    }

    /**
     * The viewer's static pages (GET /ui/...) and the redirect of GET / hold no data: a browser cannot add a header
     * when it navigates, so they load without a token and ask for one when the query API (/api/v1) answers 401.
     */
    static boolean staticPage(String method, String path) {
        return path != null && ("GET".equals(method) || "HEAD".equals(method))
                && (path.equals("/") || path.equals("/ui") || path.startsWith("/ui/"));
    }

    private static void check(RoutingContext rc, List<byte[]> digests, MeterRegistry registry) {
        if (exempt(rc.normalizedPath()) || staticPage(rc.request().method().name(), rc.normalizedPath())) {
            rc.next();
            return;
        }
        String header = rc.request().getHeader("Authorization");
        String reason;
        if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            reason = "missing";
        } else if (matches(header.substring(7).trim(), digests)) {
            rc.next();
            return;
        } else {
            reason = "wrong";
        }
        registry.counter("anchorwatch.auth.failures", "reason", reason).increment();
        LOG.debugf("401 for %s %s: %s bearer token", rc.request().method(), rc.normalizedPath(), reason);
        rc.response().setStatusCode(401).putHeader("WWW-Authenticate", CHALLENGE)
                .putHeader("Content-Type", "text/plain; charset=utf-8").putHeader("Connection", "close")
                .end("a bearer token is required (Authorization: Bearer <token>)");
    }

    /** Compared with every token, whatever matched before: constant time for a given number of tokens. */
    static boolean matches(String candidate, List<byte[]> digests) {
        byte[] digest = sha256(candidate);
        boolean found = false;
        for (byte[] d : digests) {
            found |= MessageDigest.isEqual(digest, d);
        }
        return found;
    }

    static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
