package dev.anchorwatch.api;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;

/**
 * A browser opening the service lands on the viewer: {@code GET /} and {@code GET /ui} redirect to {@code /ui/}.
 * Only GET: {@code POST /} stays the event ingress.
 */
@Singleton
public class ViewerRoutes {

    void routes(@Observes Router router) {
        router.route(HttpMethod.GET, "/").order(-10).handler(rc -> rc.redirect("/ui/"));
        // a regex, since a plain "/ui" route would also match "/ui/" (Vert.x ignores a trailing slash)
        router.routeWithRegex(HttpMethod.GET, "/ui").order(-10).handler(rc -> rc.redirect("/ui/"));
    }
}
