package org.smproxy.config;

/** A configuration value is missing or wrong; the message names the key so the operator can fix it. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
