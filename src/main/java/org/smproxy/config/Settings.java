package org.smproxy.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed reads over a properties file. Every read records its key, so that after loading we can reject keys
 * nobody read: a misspelt key must stop start-up rather than silently fall back to a default.
 */
final class Settings {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h|d)");

    private final Properties properties;
    private final Set<String> read = new HashSet<>();

    Settings(Properties properties) {
        this.properties = properties;
    }

    String string(String key, String defaultValue) {
        read.add(key);
        String value = properties.getProperty(key);
        return value == null ? defaultValue : value.trim();
    }

    boolean bool(String key, boolean defaultValue) {
        String value = string(key, null);
        if (value == null || value.isEmpty()) {
            return defaultValue;
        }
        switch (value.toLowerCase(Locale.ROOT)) {
            case "true": return true;
            case "false": return false;
            default: throw new ConfigException("'" + key + "' must be true or false, not '" + value + "'");
        }
    }

    int integer(String key, int defaultValue, int min, int max) {
        String value = string(key, null);
        if (value == null || value.isEmpty()) {
            return defaultValue;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed < min || parsed > max) {
                throw new ConfigException("'" + key + "' must be between " + min + " and " + max + ", not " + parsed);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new ConfigException("'" + key + "' must be a whole number, not '" + value + "'");
        }
    }

    /** {@code 500ms}, {@code 8s}, {@code 2m}, {@code 1h}, {@code 30d}. @throws IllegalArgumentException otherwise */
    static Duration parseDuration(String value) {
        Matcher m = DURATION.matcher(value.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration: " + value);
        }
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
    }

    /** Durations carry their unit ("500ms", "8s", "2m", "1h"): a bare number is ambiguous, so it is refused. */
    Duration duration(String key, Duration defaultValue, Duration min) {
        String value = string(key, null);
        if (value == null || value.isEmpty()) {
            return defaultValue;
        }
        Duration parsed;
        try {
            parsed = parseDuration(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("'" + key + "' must be a duration such as 500ms, 8s, 2m or 1h, not '" + value + "'");
        }
        if (parsed.compareTo(min) < 0) {
            throw new ConfigException("'" + key + "' must be at least " + min.toMillis() + "ms, not " + value);
        }
        return parsed;
    }

    /** A comma-separated list; blank items are dropped. */
    List<String> list(String key, List<String> defaultValue) {
        String value = string(key, null);
        if (value == null || value.isEmpty()) {
            return defaultValue;
        }
        List<String> items = new ArrayList<>();
        for (String item : value.split(",")) {
            if (!item.isBlank()) {
                items.add(item.trim());
            }
        }
        return List.copyOf(items);
    }

    Path path(String key, Path baseDir) {
        String value = string(key, null);
        if (value == null || value.isEmpty()) {
            return null;
        }
        Path p = Path.of(value);
        return p.isAbsolute() || baseDir == null ? p : baseDir.resolve(p).normalize();
    }

    /** Keys under our own prefixes that no code read: misspellings or settings from another version. */
    Set<String> unknownKeys(Set<String> ownPrefixes) {
        Set<String> unknown = new TreeSet<>();
        for (String key : properties.stringPropertyNames()) {
            boolean ours = ownPrefixes.stream().anyMatch(key::startsWith);
            if (ours && !read.contains(key)) {
                unknown.add(key);
            }
        }
        return unknown;
    }
}
