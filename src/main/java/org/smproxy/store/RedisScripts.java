package org.smproxy.store;

/**
 * The store's writes, each one Lua script so that it is atomic on the server and stamped with the server's clock:
 * the tier has one notion of time for heartbeats and expiry, whatever the replicas' clocks say.
 *
 * <p>Keys, under the configured prefix: {@code nodes} (hash id to report JSON), {@code heartbeats} (sorted set id
 * by server millis), {@code admin} (hash id to operator state), {@code sessions} (hash session id to JSON),
 * {@code rsessions:<replica>} (set of a replica's session ids), {@code replicas} (sorted set by last beat),
 * {@code seq} (the change counter), {@code sweep-hold}, {@code revoked} (set of revoked node token ids). Every change is published on {@code events} as
 * {@code TYPE|seq|origin|json}. Also {@code provisions} (hash {@code <node group>|<guid>} to provision JSON; a guid
 * holds no '|') and {@code epoch} (the id of the data this server holds).
 *
 * <p>ARGV[1] is always the prefix and ARGV[2] the replica that writes.
 */
final class RedisScripts {
    private RedisScripts() {
    }

    private static final String NOW = """
            local p = ARGV[1]
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local function publish(kind, payload)
              local seq = redis.call('INCR', p .. 'seq')
              redis.call('PUBLISH', p .. 'events', kind .. '|' .. seq .. '|' .. ARGV[2] .. '|' .. payload)
              return seq
            end
            local function forget(id)
              redis.call('HDEL', p .. 'nodes', id)
              redis.call('ZREM', p .. 'heartbeats', id)
              redis.call('HDEL', p .. 'admin', id)
            end
            """;

    /** ARGV[3] node id, ARGV[4] report JSON. */
    static final String HEARTBEAT = NOW + """
            redis.call('HSET', p .. 'nodes', ARGV[3], ARGV[4])
            redis.call('ZADD', p .. 'heartbeats', now, ARGV[3])
            return publish('R', ARGV[4])
            """;

    /** ARGV[3] node id, ARGV[4] why. */
    static final String REMOVE = NOW + """
            forget(ARGV[3])
            return publish('X', cjson.encode({id = ARGV[3], reason = ARGV[4]}))
            """;

    /** ARGV[3] node id, ARGV[4] state, empty to clear. */
    static final String ADMIN = NOW + """
            if ARGV[4] == '' then
              redis.call('HDEL', p .. 'admin', ARGV[3])
            else
              redis.call('HSET', p .. 'admin', ARGV[3], ARGV[4])
            end
            return publish('A', cjson.encode({id = ARGV[3], state = ARGV[4]}))
            """;

    /** ARGV[3] session id, ARGV[4] session JSON. */
    static final String SESSION_OPEN = NOW + """
            redis.call('HSET', p .. 'sessions', ARGV[3], ARGV[4])
            redis.call('SADD', p .. 'rsessions:' .. ARGV[2], ARGV[3])
            return publish('S', ARGV[4])
            """;

    /** ARGV[3] session id. */
    static final String SESSION_CLOSE = NOW + """
            redis.call('HDEL', p .. 'sessions', ARGV[3])
            redis.call('SREM', p .. 'rsessions:' .. ARGV[2], ARGV[3])
            return publish('C', cjson.encode({id = ARGV[3]}))
            """;

    /** ARGV[3] node token id. Revocations are never undone, so replaying one is harmless. */
    static final String REVOKE = NOW + """
            redis.call('SADD', p .. 'revoked', ARGV[3])
            return publish('V', cjson.encode({id = ARGV[3]}))
            """;

    /** ARGV[3..]: node group, guid and provision JSON (empty: deletes it), repeated; all or none, one change each. */
    static final String PROVISIONS = NOW + """
            for i = 3, #ARGV, 3 do
              local field = ARGV[i] .. '|' .. ARGV[i + 1]
              if ARGV[i + 2] == '' then
                redis.call('HDEL', p .. 'provisions', field)
                publish('D', cjson.encode({nodeGroup = ARGV[i], guid = ARGV[i + 1]}))
              else
                redis.call('HSET', p .. 'provisions', field, ARGV[i + 2])
                publish('P', ARGV[i + 2])
              end
            end
            return 1
            """;

    /**
     * ARGV[3] a new id, kept only if the server has none: an id other than the one a replica last saw means the
     * server lost its data (restarted without persistence) since.
     */
    static final String EPOCH = NOW + """
            redis.call('SET', p .. 'epoch', ARGV[3], 'NX')
            return redis.call('GET', p .. 'epoch')
            """;

    /** ARGV[3] id or stream to match, empty for every session. */
    static final String KICK = NOW + """
            return publish('K', cjson.encode({match = ARGV[3]}))
            """;

    /** Drops a replica's sessions: on resync (they are re-shared from the live ones) and when it leaves. */
    private static final String DROP_SESSIONS = """
            local function drop_sessions(replica)
              local key = p .. 'rsessions:' .. replica
              for _, sid in ipairs(redis.call('SMEMBERS', key)) do
                redis.call('HDEL', p .. 'sessions', sid)
              end
              redis.call('DEL', key)
            end
            """;

    static final String RESET_SESSIONS = NOW + DROP_SESSIONS + """
            drop_sessions(ARGV[2])
            return 1
            """;

    /** The replica leaves the tier on a clean stop. */
    static final String LEAVE = NOW + DROP_SESSIONS + """
            drop_sessions(ARGV[2])
            redis.call('ZREM', p .. 'replicas', ARGV[2])
            return publish('G', cjson.encode({replica = ARGV[2]}))
            """;

    /** After an outage: no node expires for ARGV[3] ms, so replicas still reconnecting can re-share heartbeats. */
    static final String HOLD_SWEEP = NOW + """
            redis.call('SET', p .. 'sweep-hold', ARGV[2], 'PX', ARGV[3])
            return 1
            """;

    /**
     * Every replica runs this every tick. It marks the replica alive, drops nodes silent for ARGV[3] ms and replicas
     * silent for ARGV[4] ms (with their sessions). Any replica may run it, any number of times: each expiry
     * happens once, by the server's clock.
     */
    static final String TICK = NOW + DROP_SESSIONS + """
            redis.call('ZADD', p .. 'replicas', now, ARGV[2])
            local expired = 0
            if redis.call('EXISTS', p .. 'sweep-hold') == 0 then
              for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. 'heartbeats', '-inf', now - tonumber(ARGV[3]))) do
                forget(id)
                publish('E', cjson.encode({id = id, reason = 'no heartbeat for more than ' .. ARGV[3] .. ' ms'}))
                expired = expired + 1
              end
            end
            local gone = 0
            for _, r in ipairs(redis.call('ZRANGEBYSCORE', p .. 'replicas', '-inf', now - tonumber(ARGV[4]))) do
              drop_sessions(r)
              redis.call('ZREM', p .. 'replicas', r)
              publish('G', cjson.encode({replica = r}))
              gone = gone + 1
            end
            return {now, expired, gone}
            """;

    /**
     * Everything, consistently: {now, seq, nodes, heartbeats, admin, sessions, replicas, revoked, provisions} (hashes
     * flat).
     */
    static final String SNAPSHOT = NOW + """
            return {now, tonumber(redis.call('GET', p .. 'seq') or '0'),
                    redis.call('HGETALL', p .. 'nodes'),
                    redis.call('ZRANGE', p .. 'heartbeats', 0, -1, 'WITHSCORES'),
                    redis.call('HGETALL', p .. 'admin'),
                    redis.call('HGETALL', p .. 'sessions'),
                    redis.call('ZRANGE', p .. 'replicas', 0, -1, 'WITHSCORES'),
                    redis.call('SMEMBERS', p .. 'revoked'),
                    redis.call('HGETALL', p .. 'provisions')}
            """;
}
