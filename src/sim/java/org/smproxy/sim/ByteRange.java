package org.smproxy.sim;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One HTTP byte range of a file of known size ({@code bytes=a-b}, {@code bytes=a-}, {@code bytes=-n}). Several
 * ranges, or a header that is not a byte range, yield empty: RFC 9110 lets a server ignore Range and send all.
 *
 * @param first first byte, inclusive
 * @param last  last byte, inclusive; below {@code first} when the range is not satisfiable
 */
record ByteRange(long first, long last) {

    private static final Pattern SINGLE = Pattern.compile("^bytes=(\\d*)-(\\d*)$");

    static Optional<ByteRange> parse(String header, long size) {
        if (header == null) {
            return Optional.empty();
        }
        Matcher m = SINGLE.matcher(header.strip());
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            return Optional.empty();
        }
        try {
            if (m.group(1).isEmpty()) {
                long suffix = Long.parseLong(m.group(2));
                return Optional.of(suffix == 0 ? new ByteRange(0, -1) : new ByteRange(Math.max(0, size - suffix), size - 1));
            }
            long first = Long.parseLong(m.group(1));
            long last = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
            if (!m.group(2).isEmpty() && Long.parseLong(m.group(2)) < first) {
                return Optional.empty(); // syntactically invalid: ignored, not 416
            }
            return Optional.of(first >= size ? new ByteRange(0, -1) : new ByteRange(first, last));
        } catch (NumberFormatException e) {
            return Optional.empty(); // more digits than a long: not a range we can honour
        }
    }

    boolean satisfiable() {
        return last >= first;
    }

    long length() {
        return last - first + 1;
    }
}
