package org.smproxy.browser;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.smproxy.browser.Browser.Page;

/** Reading what test.html's functions resolve to. */
final class PageResults {

    private PageResults() {
    }

    /** connectionParams in the order given (Map.of has none, and the SDK appends in insertion order). */
    static Map<String, Object> params(String... keysAndValues) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            out.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return out;
    }

    /** Fails with the page's error and its log when the call did not succeed. */
    static Map<String, Object> ok(Page page, Map<String, Object> result) {
        assertThat(result).as("page call returned nothing").isNotNull();
        if (result.get("error") != null) {
            throw new AssertionError("page call failed: " + result + "\n" + page.diagnostics());
        }
        return result;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> requests(Map<String, Object> result) {
        return (List<Map<String, Object>>) result.get("requests");
    }

    static List<String> methodsAndStatuses(Map<String, Object> result) {
        return requests(result).stream().map(r -> r.get("method") + " " + r.get("status")).toList();
    }

    static List<String> urls(Map<String, Object> result) {
        return requests(result).stream().map(r -> (String) r.get("url")).toList();
    }

    /** The URL of the first request with that method. */
    static String url(Map<String, Object> result, String method) {
        return requests(result).stream().filter(r -> method.equals(r.get("method")))
                .map(r -> (String) r.get("url")).findFirst().orElseThrow();
    }

    static Map<String, Object> stats(Page page) {
        return page.call("stats");
    }

    static long longStat(Page page, String name) {
        Object value = stats(page).get(name);
        return value instanceof Number n ? n.longValue() : 0;
    }

    /** The DELETE status. */
    static Object hangup(Page page) {
        return page.call("hangup").get("status");
    }
}
