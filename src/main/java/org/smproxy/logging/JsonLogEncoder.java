package org.smproxy.logging;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import org.smproxy.http.RelayLog;

/**
 * One JSON object per line, for log shippers: {@code time} (UTC, milliseconds), {@code level}, {@code logger},
 * {@code thread}, {@code message}, each MDC entry as its own field (a relay's {@code requestId}, {@code method},
 * {@code path}, {@code node}, {@code status}, {@code durationMs}), and {@code error} with the stack trace. Usable in
 * Red5's logback.xml too: {@code <encoder class="org.smproxy.logging.JsonLogEncoder"/>}.
 */
public final class JsonLogEncoder extends EncoderBase<ILoggingEvent> {
    private static final JsonFactory JSON = new JsonFactory();
    private static final byte[] NONE = new byte[0];
    private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile("-?\\d{1,18}");

    @Override
    public byte[] headerBytes() {
        return NONE;
    }

    @Override
    public byte[] footerBytes() {
        return NONE;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
            g.writeStringField("level", event.getLevel().toString());
            g.writeStringField("logger", event.getLoggerName());
            g.writeStringField("thread", event.getThreadName());
            g.writeStringField("message", event.getFormattedMessage());
            Map<String, String> mdc = event.getMDCPropertyMap();
            if (mdc != null) {
                for (Map.Entry<String, String> e : mdc.entrySet()) {
                    if (RelayLog.NUMERIC.contains(e.getKey()) && e.getValue() != null && NUMBER.matcher(e.getValue()).matches()) {
                        g.writeNumberField(e.getKey(), Long.parseLong(e.getValue()));
                    } else {
                        g.writeStringField(e.getKey(), e.getValue());
                    }
                }
            }
            IThrowableProxy error = event.getThrowableProxy();
            if (error != null) {
                g.writeStringField("error", ThrowableProxyUtil.asString(error));
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }
}
