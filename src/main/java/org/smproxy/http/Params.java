package org.smproxy.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Query parameters, strictly parsed: a value that is present but malformed is a 400, never a silent default. */
public final class Params {
    private Params() {
    }

    /** The first of {@code names} with a non-empty value. */
    public static String first(java.util.function.Function<String, String> param, String... names) {
        for (String name : names) {
            String value = param.apply(name);
            if (value != null && !value.isEmpty()) {
                return value;
            }
        }
        return null;
    }

    /** The one reading of a flag on every path: true/false or 1/0, any case; anything else is a 400 naming it. */
    public static boolean bool(String name, String value, boolean defaultValue) {
        if (value == null || value.isEmpty()) {
            return defaultValue;
        }
        switch (value.toLowerCase(Locale.ROOT)) {
            case "true": case "1": return true;
            case "false": case "0": return false;
            default: throw new ApiException(400, "'" + name + "' must be true or false, not '" + value + "'");
        }
    }

    public static int integer(String name, String value, int defaultValue) {
        if (value == null || value.isEmpty()) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new ApiException(400, "'" + name + "' must be a whole number, not '" + value + "'");
        }
    }

    /** A comma-separated list in preference order, as Red5 takes sub-groups. */
    public static List<String> list(String value) {
        List<String> items = new ArrayList<>();
        if (value != null) {
            for (String item : value.split(",")) {
                if (!item.isBlank()) {
                    items.add(item.trim());
                }
            }
        }
        return items;
    }
}
