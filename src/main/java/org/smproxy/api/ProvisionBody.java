package org.smproxy.api;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.smproxy.cluster.ClusterException;
import org.smproxy.cluster.Provision;
import org.smproxy.cluster.StreamGuid;
import org.smproxy.http.ApiException;
import org.smproxy.http.Json;

/**
 * Red5's provision body, a JSON array of provisions, read into what the store keeps. Each field is checked by
 * Red5's rules (a 400 names the first that fails, e.g. {@code [0].streams[1].videoParams.videoWidth}), Red5's
 * defaults are applied, the documented fields are kept as sent so that a GET gives them back, and anything else is
 * dropped (the testbed's {@code "messageType":"ProvisionCommand"}).
 */
final class ProvisionBody {
    static final int MAX_PROVISIONS = 100;
    static final int MAX_STREAMS = 32;
    private static final int MAX_TEXT = 1024;
    /**
     * Red5's rule is letters, digits and {@code -_.}, yet every example (the testbed's too) is {@code live/test}: so
     * streamGuid's segments, one or more of them.
     */
    private static final Pattern GUID = Pattern.compile(
            "[A-Za-z0-9_~@+=-][A-Za-z0-9._~@+=-]*(/[A-Za-z0-9_~@+=-][A-Za-z0-9._~@+=-]*){0," + (StreamGuid.MAX_SEGMENTS - 1) + "}");
    private static final Pattern CAPABILITY = Pattern.compile("[A-Za-z_]{1,32}");
    /** Red5's documented ranges for {@code videoParams}; its other fields are the transcoder's, kept as sent. */
    private static final List<Range> VIDEO_RANGES = List.of(new Range("videoWidth", 2, 7680),
            new Range("videoHeight", 2, 4320), new Range("videoBitRate", 100, 10_485_760), new Range("videoQpMin", 0, 63),
            new Range("videoQpMax", 0, 63), new Range("videoKey", 1, 600));
    private static final Set<String> VIDEO_PROFILES = Set.of("baseline", "main", "high");
    private static final List<String> CREDENTIALS = List.of("username", "password", "token");
    /** A stream's parameter objects for nodes; checked where Red5 documents a rule, kept whole. */
    private static final List<String> PARAMS = List.of("videoParams", "audioParams", "groupParams", "camParams",
            "cloudParams");

    private record Range(String field, int min, int max) {
    }

    private ProvisionBody() {
    }

    static List<Provision> read(byte[] body, String nodeGroup) {
        JsonNode root = Json.read(body, JsonNode.class);
        if (!root.isArray() || root.isEmpty()) {
            throw bad("the body must be a JSON array of provisions: [{\"provisionGuid\":\"live/test\",\"streams\":[...]}]");
        }
        if (root.size() > MAX_PROVISIONS) {
            throw bad("provisions: " + root.size() + " (expected: at most " + MAX_PROVISIONS + " per request)");
        }
        List<Provision> provisions = new ArrayList<>(root.size());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < root.size(); i++) {
            Provision p = provision(root.get(i), "[" + i + "]", nodeGroup);
            if (!seen.add(p.guid())) {
                throw bad("[" + i + "].provisionGuid: '" + p.guid() + "' (expected: once per request)");
            }
            provisions.add(p);
        }
        return provisions;
    }

    private static Provision provision(JsonNode in, String at, String nodeGroup) {
        requireObject(in, at);
        // kept for compatibility: older clients name the provision by streamGuid
        String field = present(in, "provisionGuid") || !present(in, "streamGuid") ? "provisionGuid" : "streamGuid";
        String guid = requiredText(in, field, at);
        if (!GUID.matcher(guid).matches() || guid.length() > StreamGuid.MAX_LENGTH) {
            throw bad(at + "." + field + ": '" + guid + "' (expected: up to " + StreamGuid.MAX_SEGMENTS
                    + " segments of letters, digits and . _ ~ @ + = -, such as live/test)");
        }
        ObjectNode out = Json.MAPPER.createObjectNode().put("provisionGuid", guid);
        if (present(in, "capabilities")) {
            ArrayNode caps = out.putArray("capabilities");
            for (JsonNode c : requireArray(in.get("capabilities"), at + ".capabilities", 16)) {
                if (!c.isTextual() || !CAPABILITY.matcher(c.asText()).matches()) {
                    throw bad(at + ".capabilities: " + c + " (expected: names such as TRANSCODE)");
                }
                caps.add(c.asText().toUpperCase(Locale.ROOT));
            }
        }
        if (present(in, "credentials")) {
            JsonNode creds = requireObject(in.get("credentials"), at + ".credentials");
            ObjectNode kept = out.putObject("credentials");
            for (String name : CREDENTIALS) {
                if (present(creds, name)) {
                    kept.put(name, text(creds, name, at + ".credentials"));
                }
            }
        }
        ArrayNode streams = out.putArray("streams");
        List<String> streamGuids = new ArrayList<>();
        if (present(in, "streams")) {
            JsonNode list = requireArray(in.get("streams"), at + ".streams", MAX_STREAMS);
            for (int j = 0; j < list.size(); j++) {
                ObjectNode s = stream(list.get(j), at + ".streams[" + j + "]");
                streams.add(s);
                streamGuids.add(s.get("streamGuid").asText());
            }
        }
        return new Provision(nodeGroup, guid, streamGuids, out.toString());
    }

    private static ObjectNode stream(JsonNode in, String at) {
        requireObject(in, at);
        String guid = requiredText(in, "streamGuid", at);
        try {
            new StreamGuid(guid);
        } catch (ClusterException.InvalidRequest e) {
            throw bad(at + ".streamGuid: " + e.getMessage());
        }
        ObjectNode out = Json.MAPPER.createObjectNode().put("streamGuid", guid);
        out.put("abrLevel", present(in, "abrLevel") ? integer(in, "abrLevel", at, 0, Integer.MAX_VALUE) : 1);
        if (present(in, "qos")) {
            out.put("qos", integer(in, "qos", at, 0, Integer.MAX_VALUE));
        }
        if (present(in, "destUri")) {
            out.put("destUri", text(in, "destUri", at));
        }
        for (String name : PARAMS) {
            if (present(in, name)) {
                JsonNode params = requireObject(in.get(name), at + "." + name);
                checkParams(name, params, at + "." + name);
                out.set(name, params.deepCopy());
            }
        }
        return out;
    }

    private static void checkParams(String name, JsonNode params, String at) {
        switch (name) {
            case "videoParams" -> {
                for (Range r : VIDEO_RANGES) {
                    if (present(params, r.field())) {
                        integer(params, r.field(), at, r.min(), r.max());
                    }
                }
                if (present(params, "videoProfile") && !VIDEO_PROFILES.contains(params.get("videoProfile").asText())) {
                    throw bad(at + ".videoProfile: " + params.get("videoProfile") + " (expected: baseline, main or high)");
                }
            }
            case "groupParams" -> {
                if (present(params, "group")) {
                    String group = text(params, "group", at);
                    if (group.length() < 4 || group.length() > 64) {
                        throw bad(at + ".group: '" + group + "' (expected: 4-64 characters)");
                    }
                }
                if (present(params, "audioTracks")) {
                    integer(params, "audioTracks", at, 1, 3);
                }
                if (present(params, "videoTracks")) {
                    integer(params, "videoTracks", at, 1, 1);
                }
            }
            case "camParams" -> {
                if (present(params, "properties")) {
                    JsonNode props = requireObject(params.get("properties"), at + ".properties");
                    props.fieldNames().forEachRemaining(p -> text(props, p, at + ".properties"));
                }
            }
            default -> {
            }
        }
    }

    // ---- plumbing -------------------------------------------------------------------------------------------------

    private static boolean present(JsonNode in, String name) {
        return in.has(name) && !in.get(name).isNull();
    }

    private static JsonNode requireObject(JsonNode node, String at) {
        if (!node.isObject()) {
            throw bad(at + ": " + abbreviate(node) + " (expected: an object)");
        }
        return node;
    }

    private static JsonNode requireArray(JsonNode node, String at, int max) {
        if (!node.isArray() || node.size() > max) {
            throw bad(at + ": " + abbreviate(node) + " (expected: an array of at most " + max + ")");
        }
        return node;
    }

    private static String requiredText(JsonNode in, String name, String at) {
        if (!present(in, name)) {
            throw bad(at + "." + name + " is required");
        }
        return text(in, name, at);
    }

    private static String text(JsonNode in, String name, String at) {
        JsonNode v = in.get(name);
        if (!v.isTextual() || v.asText().length() > MAX_TEXT) {
            throw bad(at + "." + name + ": " + abbreviate(v) + " (expected: a string of at most " + MAX_TEXT + ")");
        }
        return v.asText();
    }

    private static int integer(JsonNode in, String name, String at, int min, int max) {
        JsonNode v = in.get(name);
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < min || v.intValue() > max) {
            throw bad(at + "." + name + ": " + abbreviate(v) + " (expected: a whole number "
                    + (max == Integer.MAX_VALUE ? ">= " + min : min + "-" + max) + ")");
        }
        return v.intValue();
    }

    private static String abbreviate(JsonNode v) {
        String s = v.toString();
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }

    private static ApiException bad(String message) {
        return new ApiException(400, message);
    }
}
