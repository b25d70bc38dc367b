package org.smproxy.sim;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import javax.servlet.Filter;
import javax.servlet.FilterChain;
import javax.servlet.FilterConfig;
import javax.servlet.ServletException;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.apache.catalina.Context;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

/**
 * Serves a node's HLS files: {@code GET/HEAD /<app>[/<room>]/<stream>.m3u8} and the {@code .ts} segments it lists.
 * A filter on {@code *.m3u8} and {@code *.ts} rather than a servlet, because the node servlet is mapped to
 * {@code /*}, which outranks extension mappings; this keeps HLS out of the node servlet entirely. It is also
 * where Red5 itself checks HLS credentials (an auth filter on {@code *.m3u8}).
 */
final class HlsFilter implements Filter {

    static final String PLAYLIST_TYPE = "application/vnd.apple.mpegurl";
    static final String SEGMENT_TYPE = "video/mp2t";
    /** Playlists change every segment (1 s); segments never change (their names are never reused). */
    static final String PLAYLIST_CACHE = "max-age=1";
    static final String SEGMENT_CACHE = "max-age=86400";
    private static final int CHUNK = 64 * 1024;

    private final HlsStreams hls;
    /** Null: open. Else Red5's simple auth on playlists, here only the {@code token} parameter. */
    private final String token;

    HlsFilter(HlsStreams hls, String token) {
        this.hls = hls;
        this.token = token;
    }

    /** Call before the node's Tomcat starts. */
    static void install(Context context, HlsStreams hls, String token) {
        install(context, "hls", new HlsFilter(hls, token), "*.m3u8", "*.ts");
    }

    /** An asynchronous filter on the node's context: the node's HTTP files (live HLS, recordings) all go through one. */
    static void install(Context context, String name, Filter filter, String... patterns) {
        FilterDef def = new FilterDef();
        def.setFilterName(name);
        def.setFilter(filter);
        def.setAsyncSupported("true");
        context.addFilterDef(def);
        FilterMap map = new FilterMap();
        map.setFilterName(name);
        for (String pattern : patterns) {
            map.addURLPatternDecoded(pattern);
        }
        context.addFilterMap(map);
    }

    @Override
    public void init(FilterConfig config) {
        // configured by its constructor
    }

    @Override
    public void destroy() {
        // the packagers belong to the node, which stops them
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse resp = (HttpServletResponse) response;
        String path = req.getRequestURI().substring(req.getContextPath().length());
        if (!HlsStreams.isHlsPath(path)) {
            chain.doFilter(request, response);
            return;
        }
        hls.count(path);
        if (req.getHeader("Origin") != null) {
            // hls.js in a page of another origin (demo, browser tests) reads playlists and segments directly.
            resp.setHeader("Access-Control-Allow-Origin", "*");
            resp.setHeader("Access-Control-Expose-Headers", "Content-Length, Content-Range");
        }
        switch (req.getMethod()) {
            case "GET", "HEAD" -> serve(path, req, resp);
            case "OPTIONS" -> preflight(resp);
            default -> Http.methodNotAllowed(resp, "GET, HEAD");
        }
    }

    private void serve(String path, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        boolean playlistPath = path.endsWith(".m3u8");
        if (playlistPath && token != null && !token.equals(req.getParameter("token"))) {
            Http.text(resp, HttpServletResponse.SC_UNAUTHORIZED, "HLS access denied: missing or wrong token");
            return;
        }
        Optional<HlsStreams.Target> target = hls.resolve(path);
        if (target.isEmpty()) {
            Http.text(resp, HttpServletResponse.SC_NOT_FOUND, "no such HLS stream or segment: " + path);
            return;
        }
        // Opened before sizing: a segment that ffmpeg deletes meanwhile stays readable through this channel.
        try (FileChannel file = FileChannel.open(target.get().file(), StandardOpenOption.READ)) {
            send(file, target.get().playlist(), req, resp);
        } catch (NoSuchFileException e) {
            Http.text(resp, HttpServletResponse.SC_NOT_FOUND, "segment no longer available: " + path);
        }
    }

    static void send(FileChannel file, boolean playlist, HttpServletRequest req, HttpServletResponse resp)
            throws IOException {
        long size = file.size();
        long from = 0;
        long length = size;
        resp.setContentType(playlist ? PLAYLIST_TYPE : SEGMENT_TYPE);
        resp.setHeader("Cache-Control", playlist ? PLAYLIST_CACHE : SEGMENT_CACHE);
        if (!playlist) {
            resp.setHeader("Accept-Ranges", "bytes");
            Optional<ByteRange> range = ByteRange.parse(req.getHeader("Range"), size);
            if (range.isPresent() && !range.get().satisfiable()) {
                resp.setHeader("Content-Range", "bytes */" + size);
                resp.setStatus(HttpServletResponse.SC_REQUESTED_RANGE_NOT_SATISFIABLE);
                return;
            }
            if (range.isPresent()) {
                from = range.get().first();
                length = range.get().length();
                resp.setStatus(HttpServletResponse.SC_PARTIAL_CONTENT);
                resp.setHeader("Content-Range", "bytes " + from + "-" + range.get().last() + "/" + size);
            }
        }
        resp.setContentLengthLong(length);
        if (req.getMethod().equals("HEAD")) {
            return;
        }
        OutputStream out = resp.getOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        long position = from;
        long end = from + length;
        while (position < end) {
            buf.clear().limit((int) Math.min(CHUNK, end - position));
            int n = file.read(buf, position);
            if (n < 0) {
                break;
            }
            out.write(buf.array(), 0, n);
            position += n;
        }
    }

    private static void preflight(HttpServletResponse resp) {
        resp.setHeader("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
        resp.setHeader("Access-Control-Allow-Headers", "Range");
        resp.setHeader("Access-Control-Max-Age", "600");
        resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
    }
}
