package org.smproxy.http;

import java.util.LinkedHashMap;
import java.util.Map;

/** Red5's two error body shapes: SM 2.0 APIs answer {@code {"error":...}}, SM 1.x {@code {"errorMessage":...,"timestamp":...}}. */
public enum ErrorDialect {
    SM1 {
        @Override
        public Map<String, Object> body(String message, long nowMillis) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("errorMessage", message);
            body.put("timestamp", nowMillis);
            return body;
        }
    },
    SM2 {
        @Override
        public Map<String, Object> body(String message, long nowMillis) {
            return Map.of("error", message);
        }
    };

    public abstract Map<String, Object> body(String message, long nowMillis);
}
