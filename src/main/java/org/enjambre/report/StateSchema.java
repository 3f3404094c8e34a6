package org.enjambre.report;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The schema of the two messages read from the event bus ({@code docs/state.md}), checked before
 * anything uses them: a message from another process is untrusted (a peer node's report, a
 * member's bug). Strict: every documented field with its type and range, no other field, and
 * bounded counts and lengths, so that one message can neither break the swarm view nor grow it
 * without bound. A pure function of the message; the caller drops and counts what fails.
 */
public final class StateSchema {
    /** Where every node's peer state is published. */
    public static final String STATE_ADDRESS = "enjambre.state";
    /** Where every tracker node's state is published. */
    public static final String TRACKER_ADDRESS = "enjambre.tracker";
    /** The schema version in docs/state.md. */
    public static final int VERSION = 1;
    /** Torrents in one node's state. */
    public static final int MAX_TORRENTS = 1000;
    /** Peers listed under one torrent. */
    public static final int MAX_PEERS = 1000;
    /** Cluster members, and swarms, in one tracker state. */
    public static final int MAX_MEMBERS = 1000;
    public static final int MAX_SWARMS = 1000;
    /** Longest text field (torrent names are one path component, at most 255 bytes on most file systems). */
    public static final int MAX_TEXT = 1024;
    /** Most pieces a torrent may declare (2^24 pieces of 16 KiB is 256 GiB). */
    public static final int MAX_PIECES = 1 << 24;

    private static final Pattern HEX40 = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/]*={0,2}");

    private static final Set<String> STATE_KEYS = Set.of("schema", "id", "name", "peerId", "time", "peerPort",
            "webPort", "tracker", "rates", "torrents");
    /** Sent by nodes since the DHT came; a state without it (an older node) is still heard. */
    private static final String DHT = "dht";
    private static final Set<String> STATE_KEYS_DHT = union(STATE_KEYS, DHT);
    private static final Set<String> DHT_OFF_KEYS = Set.of("enabled");
    private static final Set<String> DHT_KEYS = Set.of("enabled", "nodeId", "port", "goodNodes", "questionableNodes",
            "storedTorrents", "storedPeers", "lookups", "lookupsInFlight", "queriesReceived", "queriesRefused", "malformed");
    private static final Set<String> TORRENT_KEYS = Set.of("infoHash", "name", "length", "pieceLength", "pieceCount",
            "progress", "complete", "bitfield", "rates", "counts", "peers");
    /** Present (true) only on a magnet link whose info dictionary has not come yet: no pieces, no length. */
    private static final String FETCHING_METADATA = "fetchingMetadata";
    private static final Set<String> TORRENT_KEYS_FETCHING = union(TORRENT_KEYS, FETCHING_METADATA);
    private static final Set<String> COUNT_KEYS = Set.of("peers", "seeds", "uploaded", "downloaded", "piecesVerified",
            "piecesTotal", "hashFailures");
    private static final Set<String> PEER_KEYS = Set.of("address", "peerId", "client", "incoming", "progress", "pieces",
            "bitfield", "rates", "uploaded", "downloaded", "flags");
    private static final Set<String> FLAG_KEYS = Set.of("amChoking", "amInterested", "peerChoking", "peerInterested");
    private static final Set<String> RATE_KEYS = Set.of("up", "down");
    private static final Set<String> TRACKER_KEYS = Set.of("schema", "id", "name", "time", "announceUrl", "announces",
            "announcesRefused", "announceRate", "registryUp", "members", "torrents");
    private static final Set<String> MEMBER_KEYS = Set.of("id", "address", "local");
    private static final Set<String> SWARM_KEYS = Set.of("infoHash", "seeders", "leechers", "completed");

    private StateSchema() {
    }

    /** What is wrong with an {@code enjambre.state} message, or empty when it follows the schema. */
    public static Optional<String> stateProblem(Object body) {
        return check(() -> state(body));
    }

    /** What is wrong with an {@code enjambre.tracker} message, or empty when it follows the schema. */
    public static Optional<String> trackerProblem(Object body) {
        return check(() -> tracker(body));
    }

    private static Optional<String> check(Runnable r) {
        try {
            r.run();
            return Optional.empty();
        } catch (Invalid e) {
            return Optional.of(e.getMessage());
        }
    }

    /** Thrown inside the checks only: the first problem found, with its path. */
    private static final class Invalid extends RuntimeException {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    private static void state(Object body) {
        JsonObject s = object(body, "state", has(body, DHT) ? STATE_KEYS_DHT : STATE_KEYS);
        header(s);
        if (s.containsKey(DHT)) {
            dht(s.getValue(DHT));
        }
        string(s, "peerId", "", HEX40);
        port(s, "peerPort");
        port(s, "webPort");
        bool(s, "tracker", "");
        rates(s.getValue("rates"), "rates");
        JsonArray torrents = array(s, "torrents", "", MAX_TORRENTS);
        for (int i = 0; i < torrents.size(); i++) {
            torrent(torrents.getValue(i), "torrents[" + i + "]");
        }
    }

    private static void dht(Object value) {
        boolean enabled = value instanceof JsonObject j && Boolean.TRUE.equals(j.getValue("enabled"))
                || value instanceof Map<?, ?> m && Boolean.TRUE.equals(m.get("enabled"));
        JsonObject d = object(value, DHT, enabled ? DHT_KEYS : DHT_OFF_KEYS);
        String at = DHT + ".";
        bool(d, "enabled", at);
        if (!enabled) {
            return;
        }
        string(d, "nodeId", at, HEX40);
        integer(d, "port", at, 1, 65535);
        for (String k : DHT_KEYS) {
            if (!k.equals("enabled") && !k.equals("nodeId") && !k.equals("port")) {
                integer(d, k, at, 0, Long.MAX_VALUE);
            }
        }
    }

    private static boolean has(Object value, String key) {
        return value instanceof JsonObject j && j.containsKey(key) || value instanceof Map<?, ?> m && m.containsKey(key);
    }

    private static void tracker(Object body) {
        JsonObject t = object(body, "tracker state", TRACKER_KEYS);
        header(t);
        if (t.getValue("announceUrl") != null) {
            text(t, "announceUrl", "", MAX_TEXT);
        }
        integer(t, "announces", "", 0, Long.MAX_VALUE);
        integer(t, "announcesRefused", "", 0, Long.MAX_VALUE);
        number(t, "announceRate", "", 0, Double.MAX_VALUE);
        bool(t, "registryUp", "");
        JsonArray members = array(t, "members", "", MAX_MEMBERS);
        for (int i = 0; i < members.size(); i++) {
            String at = "members[" + i + "].";
            JsonObject m = object(members.getValue(i), at, MEMBER_KEYS);
            text(m, "id", at, 64);
            text(m, "address", at, 64);
            bool(m, "local", at);
        }
        JsonArray swarms = array(t, "torrents", "", MAX_SWARMS);
        for (int i = 0; i < swarms.size(); i++) {
            String at = "torrents[" + i + "].";
            JsonObject sw = object(swarms.getValue(i), at, SWARM_KEYS);
            string(sw, "infoHash", at, HEX40);
            integer(sw, "seeders", at, 0, Integer.MAX_VALUE);
            integer(sw, "leechers", at, 0, Integer.MAX_VALUE);
            integer(sw, "completed", at, 0, Long.MAX_VALUE);
        }
    }

    private static void header(JsonObject s) {
        integer(s, "schema", "", VERSION, VERSION);
        text(s, "id", "", 64);
        text(s, "name", "", 100);
        if (s.getString("name").isBlank()) {
            throw new Invalid("name is blank");
        }
        integer(s, "time", "", 0, Long.MAX_VALUE);
    }

    private static void torrent(Object value, String path) {
        String at = path + ".";
        boolean fetching = has(value, FETCHING_METADATA);
        Set<String> keys = fetching ? TORRENT_KEYS_FETCHING : TORRENT_KEYS;
        JsonObject t = object(value, path, keys);
        string(t, "infoHash", at, HEX40);
        text(t, "name", at, MAX_TEXT);
        integer(t, "length", at, 0, Long.MAX_VALUE);
        if (fetching) {
            bool(t, FETCHING_METADATA, at);
            integer(t, "pieceCount", at, 0, 0);
        }
        integer(t, "pieceLength", at, fetching ? 0 : 1, Integer.MAX_VALUE);
        int pieces = (int) integer(t, "pieceCount", at, 0, MAX_PIECES);
        number(t, "progress", at, 0, 1);
        bool(t, "complete", at);
        bitfield(t, at, pieces);
        rates(t.getValue("rates"), at + "rates");
        JsonObject counts = object(t.getValue("counts"), at + "counts", COUNT_KEYS);
        for (String k : COUNT_KEYS) {
            integer(counts, k, at + "counts.", 0, Long.MAX_VALUE);
        }
        JsonArray peers = array(t, "peers", at, MAX_PEERS);
        for (int i = 0; i < peers.size(); i++) {
            String pat = at + "peers[" + i + "].";
            JsonObject p = object(peers.getValue(i), pat, PEER_KEYS);
            text(p, "address", pat, 64);
            string(p, "peerId", pat, HEX40);
            text(p, "client", pat, 100);
            bool(p, "incoming", pat);
            number(p, "progress", pat, 0, 1);
            integer(p, "pieces", pat, 0, pieces);
            bitfield(p, pat, pieces);
            rates(p.getValue("rates"), pat + "rates");
            integer(p, "uploaded", pat, 0, Long.MAX_VALUE);
            integer(p, "downloaded", pat, 0, Long.MAX_VALUE);
            JsonObject flags = object(p.getValue("flags"), pat + "flags", FLAG_KEYS);
            for (String k : FLAG_KEYS) {
                bool(flags, k, pat + "flags.");
            }
        }
    }

    private static void rates(Object value, String path) {
        JsonObject r = object(value, path, RATE_KEYS);
        integer(r, "up", path + ".", 0, Long.MAX_VALUE);
        integer(r, "down", path + ".", 0, Long.MAX_VALUE);
    }

    /** Base64 of a BEP 3 bitfield: no longer than {@code pieces} bits need. */
    private static void bitfield(JsonObject o, String at, int pieces) {
        long bytes = (pieces + 7L) / 8;
        String b = text(o, "bitfield", at, (int) Math.min(Integer.MAX_VALUE, 4 * ((bytes + 2) / 3)));
        if (!BASE64.matcher(b).matches()) {
            throw new Invalid(at + "bitfield is not base64");
        }
    }

    private static JsonObject object(Object value, String path, Set<String> keys) {
        JsonObject o = switch (value) {
            case JsonObject j -> j;
            case Map<?, ?> m -> new JsonObject(castMap(m));
            case null -> throw new Invalid(path + " is missing");
            default -> throw new Invalid(path + " is not an object");
        };
        for (String k : o.fieldNames()) {
            if (!keys.contains(k)) {
                throw new Invalid(path + (path.endsWith(".") ? "" : ".") + abbreviate(k) + " is not in the schema");
            }
        }
        for (String k : keys) {
            if (!o.containsKey(k)) {
                throw new Invalid(path + (path.endsWith(".") ? "" : ".") + k + " is missing");
            }
        }
        return o;
    }

    private static Set<String> union(Set<String> keys, String more) {
        Set<String> out = new java.util.HashSet<>(keys);
        out.add(more);
        return Set.copyOf(out);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }

    private static JsonArray array(JsonObject o, String key, String at, int max) {
        JsonArray a = switch (o.getValue(key)) {
            case JsonArray j -> j;
            case null -> throw new Invalid(at + key + " is missing");
            default -> throw new Invalid(at + key + " is not an array");
        };
        if (a.size() > max) {
            throw new Invalid(at + key + " has " + a.size() + " entries, more than " + max);
        }
        return a;
    }

    private static String text(JsonObject o, String key, String at, int max) {
        if (!(o.getValue(key) instanceof String s)) {
            throw new Invalid(at + key + " is not a string");
        }
        if (s.length() > max) {
            throw new Invalid(at + key + " is longer than " + max + " characters");
        }
        return s;
    }

    private static void string(JsonObject o, String key, String at, Pattern pattern) {
        String s = text(o, key, at, 256);
        if (!pattern.matcher(s).matches()) {
            throw new Invalid(at + key + " is not " + (pattern == HEX40 ? "40 lowercase hex digits" : pattern.pattern()));
        }
    }

    private static long integer(JsonObject o, String key, String at, long min, long max) {
        long v = switch (o.getValue(key)) {
            case Integer i -> i;
            case Long l -> l;
            case Short s -> s;
            case Byte b -> b;
            case null -> throw new Invalid(at + key + " is missing");
            default -> throw new Invalid(at + key + " is not an integer");
        };
        if (v < min || v > max) {
            throw new Invalid(at + key + " is " + v + ", outside " + min + ".." + max);
        }
        return v;
    }

    private static void number(JsonObject o, String key, String at, double min, double max) {
        if (!(o.getValue(key) instanceof Number n)) {
            throw new Invalid(at + key + " is not a number");
        }
        double v = n.doubleValue();
        if (Double.isNaN(v) || v < min || v > max) {
            throw new Invalid(at + key + " is " + v + ", outside " + min + ".." + max);
        }
    }

    private static void bool(JsonObject o, String key, String at) {
        if (!(o.getValue(key) instanceof Boolean)) {
            throw new Invalid(at + key + " is not a boolean");
        }
    }

    private static void port(JsonObject o, String key) {
        integer(o, key, "", 0, 65535);
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
