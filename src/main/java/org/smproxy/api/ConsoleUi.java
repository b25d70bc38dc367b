package org.smproxy.api;

import java.util.Map;

import org.smproxy.http.ApiCall;
import org.smproxy.http.ApiHandler;
import org.smproxy.http.ErrorDialect;
import org.smproxy.http.HttpOut;

/**
 * The operator's console at {@code /as/v1/admin/ui/}: three static files from the jar, which call the admin APIs
 * with the token the operator types in (the page itself holds no secret, so it is served to anyone). Served with a
 * policy that allows only this origin's own script, style and API calls: no inline script, no framing.
 */
public final class ConsoleUi extends ApiHandler {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            + "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final Map<String, String> TYPES = Map.of("index.html", "text/html; charset=utf-8",
            "console.js", "text/javascript; charset=utf-8", "console.css", "text/css; charset=utf-8");
    private final Map<String, byte[]> files;

    public ConsoleUi() {
        super(ErrorDialect.SM2);
        files = Map.of("index.html", read("index.html"), "console.js", read("console.js"),
                "console.css", read("console.css"));
    }

    private static byte[] read(String name) {
        return JarFiles.read("/org/smproxy/console/" + name);
    }

    @Override
    protected HttpOut handle(ApiCall call) {
        call.allow("GET, HEAD");
        if (call.path().isEmpty() && !call.in().path().endsWith("/")) {
            // the page's relative URLs need the directory form
            return new HttpOut(301).header("Location", call.in().path() + "/");
        }
        String name = call.path().isEmpty() ? "index.html" : call.rest(0);
        byte[] body = files.get(name);
        if (body == null) {
            throw call.notFound();
        }
        return new HttpOut(200).header("Content-Type", TYPES.get(name)).header("Content-Security-Policy", CSP)
                .header("X-Content-Type-Options", "nosniff").header("Referrer-Policy", "no-referrer")
                .header("Cache-Control", "no-cache").body(body);
    }
}
