package org.smproxy.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.servlet.Filter;
import javax.servlet.FilterChain;
import javax.servlet.FilterConfig;
import javax.servlet.ServletException;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.apache.catalina.Context;

/**
 * Red5's VOD servlets of an app: {@code GET /<app>/playlists} and {@code /<app>/mediafiles} (JSON listings, as the
 * testbed's playbackVOD pages read them; {@code useCloud} is ignored, storage is the node's own) and the recordings
 * themselves under {@code /<app>/streams/}. A filter ahead of {@link HlsFilter}, which would otherwise take the
 * recordings' {@code .m3u8} and {@code .ts} for live streams; the same token rule applies to their playlists.
 */
final class VodFilter implements Filter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LISTING = Pattern.compile("^/([^/]+)/(playlists|mediafiles)/?$");
    private static final Pattern FILE = Pattern.compile("^/([^/]+)/streams/([^/]+)$");

    private final Recordings recordings;
    private final Set<String> apps;
    /** The node's port is known only once its Tomcat runs, after the filter is installed. */
    private final Supplier<String> baseUrl;
    private final String token;

    private VodFilter(Recordings recordings, Set<String> apps, Supplier<String> baseUrl, String token) {
        this.recordings = recordings;
        this.apps = Set.copyOf(apps);
        this.baseUrl = baseUrl;
        this.token = token;
    }

    /** Call before {@link HlsFilter#install} (filters run in the order installed) and before Tomcat starts. */
    static void install(Context context, Recordings recordings, Set<String> apps, Supplier<String> baseUrl,
                        String token) {
        HlsFilter.install(context, "vod", new VodFilter(recordings, apps, baseUrl, token), "/*");
    }

    @Override
    public void init(FilterConfig config) {
        // configured by its constructor
    }

    @Override
    public void destroy() {
        // the recordings belong to the node, which deletes them
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse resp = (HttpServletResponse) response;
        String path = req.getRequestURI().substring(req.getContextPath().length());
        Matcher listing = LISTING.matcher(path);
        Matcher file = FILE.matcher(path);
        boolean isListing = listing.matches() && apps.contains(listing.group(1));
        boolean isFile = !isListing && file.matches() && apps.contains(file.group(1));
        if (!isListing && !isFile) {
            chain.doFilter(request, response);
            return;
        }
        if (req.getHeader("Origin") != null) {
            resp.setHeader("Access-Control-Allow-Origin", "*");
            resp.setHeader("Access-Control-Expose-Headers", "Content-Length, Content-Range");
        }
        if (!req.getMethod().equals("GET") && !req.getMethod().equals("HEAD")) {
            Http.methodNotAllowed(resp, "GET, HEAD");
            return;
        }
        if (isListing) {
            list(listing.group(1), listing.group(2), resp);
        } else {
            serve(file.group(1), file.group(2), req, resp);
        }
    }

    /**
     * {@code {"playlists":[{name,url,lastModified,length}]}}: the page reads {@code name} and plays {@code url}.
     * Media files (Red5's FLV and MP4) are never written here, so {@code mediafiles} is always empty.
     */
    private void list(String app, String kind, HttpServletResponse resp) throws IOException {
        List<Map<String, Object>> items = kind.equals("playlists")
                ? recordings.list(app).stream().map(e -> Recordings.json(e, baseUrl.get())).toList()
                : List.of();
        resp.setStatus(HttpServletResponse.SC_OK);
        resp.setContentType("application/json");
        resp.setHeader("Cache-Control", "no-cache");
        JSON.writeValue(resp.getOutputStream(), Map.of(kind, items));
    }

    private void serve(String app, String name, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        boolean playlist = name.endsWith(".m3u8");
        if (playlist && token != null && !token.equals(req.getParameter("token"))) {
            Http.text(resp, HttpServletResponse.SC_UNAUTHORIZED, "HLS access denied: missing or wrong token");
            return;
        }
        Optional<Path> found = recordings.file(app, name);
        if (found.isEmpty()) {
            Http.text(resp, HttpServletResponse.SC_NOT_FOUND, "no such recording: " + name);
            return;
        }
        try (FileChannel channel = FileChannel.open(found.get(), StandardOpenOption.READ)) {
            HlsFilter.send(channel, playlist, req, resp);
        } catch (NoSuchFileException e) {
            Http.text(resp, HttpServletResponse.SC_NOT_FOUND, "recording deleted: " + name);
        }
    }
}
