package org.smproxy.cluster;

import java.util.regex.Pattern;

/**
 * A stream's name in the cluster, Red5's streamGuid: {@code app[/room...]/name}. Only plain segments are allowed,
 * because the guid ends up in node URLs: no "..", no empty segments, no characters that change a URL's meaning.
 */
public record StreamGuid(String value) {
    public static final int MAX_LENGTH = 255;
    public static final int MAX_SEGMENTS = 10;
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_~@+=-][A-Za-z0-9._~@+=-]*");

    public StreamGuid {
        String problem = problem(value);
        if (problem != null) {
            throw new ClusterException.InvalidRequest(problem);
        }
    }

    public static StreamGuid of(String scope, String name) {
        return new StreamGuid(scope + "/" + name);
    }

    public static boolean isValid(String value) {
        return problem(value) == null;
    }

    private static String problem(String value) {
        if (value == null || value.isEmpty()) {
            return "streamGuid is empty (expected: <app>[/<room>...]/<stream>)";
        }
        if (value.length() > MAX_LENGTH) {
            return "streamGuid is " + value.length() + " characters long (expected: at most " + MAX_LENGTH + ")";
        }
        String[] segments = value.split("/", -1);
        if (segments.length < 2 || segments.length > MAX_SEGMENTS) {
            return "streamGuid '" + value + "' must have between 2 and " + MAX_SEGMENTS
                    + " segments: <app>[/<room>...]/<stream>";
        }
        for (String s : segments) {
            if (!SEGMENT.matcher(s).matches() || s.equals("..")) {
                return "streamGuid '" + value + "' has an invalid segment '" + s
                        + "' (allowed: letters, digits and . _ ~ @ + = -, not starting with '.')";
            }
        }
        return null;
    }

    /** The context path without the stream name, e.g. {@code live/room1}. */
    public String scope() {
        return value.substring(0, value.lastIndexOf('/'));
    }

    public String app() {
        return value.substring(0, value.indexOf('/'));
    }

    public String name() {
        return value.substring(value.lastIndexOf('/') + 1);
    }

    @Override
    public String toString() {
        return value;
    }
}
