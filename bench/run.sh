#!/usr/bin/env bash
# The benchmark, in one command: installs what it needs (nginx, JDK 17, Maven), builds the proxy and the load
# generator, starts everything on 127.0.0.0/8 (stub node, WebSocket echo node, nginx TLS reverse proxy, the proxy),
# runs WHEP, WebSocket, HLS and node-selection (JMH) benchmarks, stops everything, prints the table and writes it
# into bench/README.md.
#
#   bench/run.sh [--quick] [--only whep,ws,hls,jmh,store] [--no-profile] [--proxy-jar JAR] [--no-readme] [--keep]
#
#   --quick       short runs (a smoke test of the harness, about 4 minutes; figures not meant to be kept)
#   --only        run only these parts (store is not in the default set: the cluster store's cost, redis against
#                 memory, with a second proxy on :8445 and a redis-server of its own; its table has its own place).
#                 A run of only some of whep,ws,hls,jmh prints its table but leaves bench/README.md's results alone
#   --no-profile  skip the JFR profiles of the proxy
#   --proxy-jar   measure this standalone jar instead of building the working tree's (before/after comparisons)
#   --no-readme   print the table, leave bench/README.md alone
#   --keep        keep the work folder (configs, logs, raw results, JFR files)
#   --proxy-gc F  the proxy's collector flag (default -XX:+UseG1GC, the JDK's own default on a server),
#                 e.g. -XX:+UseParallelGC to compare collectors on the same loads
#   --before JAR  also measure an earlier build of the proxy, side by side in the same run (before/after table;
#                 adds about 5 minutes)
#
# Every load loop is bounded in count and in time; every process started here is stopped on exit, also on failure.
set -euo pipefail

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
QUICK=0
ONLY="whep,ws,hls,jmh"
PROFILE=1
PROXY_JAR=""
README=1
KEEP=0
PROXY_GC=-XX:+UseG1GC
BEFORE_JAR=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --only) ONLY="$2"; shift ;;
    --no-profile) PROFILE=0 ;;
    --proxy-jar) PROXY_JAR=$(readlink -f "$2"); shift ;;
    --no-readme) README=0 ;;
    --keep) KEEP=1 ;;
    --proxy-gc) PROXY_GC="$2"; shift ;;
    --before) BEFORE_JAR=$(readlink -f "$2"); shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
want() { [[ ",$ONLY," == *",$1,"* ]]; }

. "$BENCH/lib.sh"
RESULTS="$WORK/results.properties"
NGINX_PIDFILES=("$WORK/nginx/nginx.pid" "$WORK/stub/nginx.pid")

# ---- 1. what it needs ----------------------------------------------------------------------------------------------
if want store; then install_needs redis-server=redis-server redis-cli=redis-tools; else install_needs; fi

# ---- 2. build ------------------------------------------------------------------------------------------------------
build_proxy_and_tools
if want jmh; then
  log "building the JMH benchmarks"
  mvn -B -q -f "$BENCH/jmh/pom.xml" package -Dproxy.jar="$PROXY_JAR" >>"$LOG" 2>&1
fi

# ---- 3. the setting ------------------------------------------------------------------------------------------------
mkdir -p "$WORK"/{conf,tls,stub/tmp,nginx/tmp,nginx/cache,hls/live,jfr}
# nginx workers run as an unprivileged user: they read the HLS folder and write their cache and temp files
chmod 755 "$WORK"
[ "$(id -u)" = 0 ] && chown -R nobody "$WORK/stub/tmp" "$WORK/nginx/tmp" "$WORK/nginx/cache" 2>/dev/null || true
"${TOOL[@]}" sdp --out "$WORK/bodies" >>"$LOG"
tls_material
for f in nginx-stub.conf nginx-proxy.conf proxy.properties cluster.json; do
  sed "s#@WORK@#$WORK#g" "$BENCH/conf/$f" >"$WORK/conf/$f"
done
# A build that can choose its server (standalone.server, Netty by default since 0e5610f) is told to run Tomcat on
# its main port, so the Tomcat rows stay Tomcat's whichever build runs; older builds only know Tomcat.
# grep reads it all (no -q): an early exit would fail the pipe under pipefail, and the answer with it
knows_server_key() { unzip -p "$1" org/smproxy/config/ProxyConfig.class 2>/dev/null | grep -ac 'standalone.server' >/dev/null; }
sed 's/^standalone.https.port=8443/standalone.https.port=8444/' "$WORK/conf/proxy.properties" >"$WORK/conf/before.properties"
[ -z "$BEFORE_JAR" ] || hardening_keys "$BEFORE_JAR" >>"$WORK/conf/before.properties"
if [ -n "$BEFORE_JAR" ] && knows_server_key "$BEFORE_JAR"; then
  echo "standalone.server=tomcat" >>"$WORK/conf/before.properties"
fi
# The proxy under test also opens its Netty listener on :8446 (the netty target of the WHEP, WebSocket and HLS
# parts), when its jar has one; the earlier build and the store part's proxy keep to their Tomcat port.
NETTY=0
cp "$WORK/conf/proxy.properties" "$WORK/conf/proxy-main.properties"
hardening_keys "$PROXY_JAR" >>"$WORK/conf/proxy-main.properties"
if knows_server_key "$PROXY_JAR"; then
  echo "standalone.server=tomcat" >>"$WORK/conf/proxy-main.properties"
fi
if grep -aq 'org/smproxy/netty/NettyRelayServer.class' "$PROXY_JAR"; then # a zip's file names are plain text
  NETTY=1
  echo "standalone.netty.port=8446" >>"$WORK/conf/proxy-main.properties"
fi

cores=$(nproc)
mem_gib=$(awk '/MemTotal/ {printf "%.0f", $2/1048576}' /proc/meminfo)
cpu_model=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
{
  echo "meta.date=$(date -u +%Y-%m-%dT%H:%MZ)"
  echo "meta.cores=$cores"
  echo "meta.mem_gib=$mem_gib"
  echo "meta.cpu=$cpu_model"
  echo "meta.kernel=$(uname -r)"
  echo "meta.nginx=$($NGINX -v 2>&1 | sed 's#.*/##')"
  echo "meta.proxy.gc=$PROXY_GC"
  echo "meta.java=$(java -version 2>&1 | head -n 1 | sed 's/.*"\(.*\)".*/\1/')"
  echo "meta.proxy_jar=$(basename "$PROXY_JAR")"
  echo "meta.commit=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "meta.load_at_start=$(cut -d' ' -f1 /proc/loadavg)"
  echo "meta.quick=$QUICK"
  echo "meta.nofile=$(ulimit -n)"
} >>"$RESULTS"

log "starting the stub node (nginx :8081), the WebSocket echo node (:8082), nginx (:9443), the proxy (:8443)"
ulimit -n 20000 2>/dev/null || true
$NGINX -p "$WORK/stub" -c "$WORK/conf/nginx-stub.conf" -e "$WORK/stub/error.log"
$NGINX -p "$WORK/nginx" -c "$WORK/conf/nginx-proxy.conf" -e "$WORK/nginx/error.log"
STUB_PID=$(cat "$WORK/stub/nginx.pid")
NGINX_PID=$(cat "$WORK/nginx/nginx.pid")
start_bg echo java -Xms64m -Xmx1g -XX:+UseParallelGC -cp "$BENCH/tools/target/classes:$BENCH/tools/target/lib/*" smbench.Main \
  ws-echo --port 8082 --threads 1 --max-seconds 1800
# 4 GB: the earlier build holds ~330 KB per WebSocket session, 9,000 of them would not fit in 1 GB
PROXY_OPTS=(-Xms512m -Xmx4g "$PROXY_GC" -Dorg.slf4j.simpleLogger.logFile="$WORK/proxy-app.log" -Dsmproxy.logging.file="$WORK/proxy-app.log")
start_bg proxy java "${PROXY_OPTS[@]}" -jar "$PROXY_JAR" --config "$WORK/conf/proxy-main.properties"
if [ -n "$BEFORE_JAR" ]; then
  start_bg before java -Xms512m -Xmx4g "$PROXY_GC" -Dorg.slf4j.simpleLogger.logFile="$WORK/before-app.log" -Dsmproxy.logging.file="$WORK/before-app.log" \
    -jar "$BEFORE_JAR" --config "$WORK/conf/before.properties"
  echo "meta.before_jar=$(basename "$(dirname "$BEFORE_JAR")")/$(basename "$BEFORE_JAR")" >>"$RESULTS"
fi
wait_for "$WORK/echo.log" READY 30
wait_for "$WORK/proxy.log" READY 60
[ -n "$BEFORE_JAR" ] && wait_for "$WORK/before.log" READY 60
if want store; then
  # the same proxy with its cluster in Redis: its own redis-server, without persistence, on a free loopback port
  REDIS_PORT=""
  for port in $(seq 16379 16479); do
    (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null || { REDIS_PORT=$port; break; }
  done
  [ -n "$REDIS_PORT" ] || { log "no free port for redis-server in 16379-16479"; exit 1; }
  mkdir -p "$WORK/redis"
  start_bg redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK/redis"
  for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
  { sed 's/^standalone.https.port=8443/standalone.https.port=8445/' "$WORK/conf/proxy.properties"
    echo "cluster.store=redis"
    echo "cluster.store.url=redis://127.0.0.1:$REDIS_PORT"
    echo "cluster.store.prefix=bench:"
    echo "cluster.replica.id=bench-redis"
    echo "proxy.session.secret=bench-session-secret-0123456789"
    if knows_server_key "$PROXY_JAR"; then echo "standalone.server=tomcat"; fi
    hardening_keys "$PROXY_JAR"
  } >"$WORK/conf/store.properties"
  start_bg storeproxy java "${PROXY_OPTS[@]/proxy-app.log/store-app.log}" -jar "$PROXY_JAR" \
    --config "$WORK/conf/store.properties"
  wait_for "$WORK/storeproxy.log" READY 60
  echo "meta.redis=$(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/')" >>"$RESULTS"
fi
echo "meta.proxy_opts=${PROXY_OPTS[*]}" | sed "s#$WORK#WORK#g" >>"$RESULTS"

CPU_SPEC="proxy=$PID_proxy,nginx=$NGINX_PID,stub=$STUB_PID,echo=$PID_echo"
[ -n "$BEFORE_JAR" ] && CPU_SPEC="$CPU_SPEC,before=$PID_before"
want store && CPU_SPEC="$CPU_SPEC,redisproxy=$PID_storeproxy,redis=$PID_redis"
TARGETS="direct nginx proxy"
[ -n "$BEFORE_JAR" ] && TARGETS="direct nginx proxy before"
[ $NETTY = 1 ] && TARGETS="$TARGETS netty"
PROXY=https://127.0.0.1:8443
NGX=https://127.0.0.1:9443
NETTY_URL=https://127.0.0.1:8446
DIRECT=http://127.0.0.1:8081
CLIENTS=127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5

heartbeat() { # registers the HLS streams on the stub node (a static node may report its streams)
  curl -sk -m 10 -o /dev/null -w '%{http_code}' -X POST "$PROXY/as/v1/nodes/heartbeat" \
    -H 'Authorization: Bearer bench-node-secret-0123456789' -H 'Content-Type: application/json' \
    -d '{"id":"stub","nodeGroup":"ng1","role":"allinone","publicAddress":"127.0.0.1","httpPort":8081,"wsPort":8082,
         "state":"INSERVICE","metrics":{"connections.client":0},
         "streams":[{"streamGuid":"live/hlsproxy","publishing":true,"subscribers":0},
                    {"streamGuid":"live/hlsnetty","publishing":true,"subscribers":0}]}'
}

[ "$(heartbeat)" = 200 ] || log "the heartbeat registering live/hlsproxy on the stub node failed"

jfr_start() { [ $PROFILE = 1 ] && jcmd "$PID_proxy" JFR.start name="$1" settings=profile >>"$LOG" 2>&1 || true; }
jfr_stop() {
  [ $PROFILE = 1 ] || return 0
  jcmd "$PID_proxy" JFR.stop name="$1" filename="$WORK/jfr/$1.jfr" >>"$LOG" 2>&1 || return 0
  "${TOOL[@]}" jfr-top --jfr "$WORK/jfr/$1.jfr" --out "$WORK/jfr/$1.md" >/dev/null 2>>"$LOG" || true
}

run() { # label, seconds cap, tool args...: one bounded load run
  local label=$1 cap=$2; shift 2
  log "  $label"
  timeout --signal=TERM --kill-after=10 "$cap" "${TOOL[@]}" "$@" --label "$label" --results "$RESULTS" \
    --cpu "$CPU_SPEC" >>"$WORK/runs.log" 2>&1 || log "  $label failed (exit $?), see runs.log"
}

prop() { grep "^$1=" "$RESULTS" | tail -n 1 | cut -d= -f2-; }

# ---- 4. WHEP ---------------------------------------------------------------------------------------------------------
if want whep; then
  if [ $QUICK = 1 ]; then SAT=4; FIX=4; WARM=1; JIT=5; else SAT=10; FIX=10; WARM=2; JIT=30; fi
  W=(whep --bodies "$WORK/bodies" --threads 2 --sources $CLIENTS)
  # The JVM compiles the TLS, HTTP and relay paths for about a minute of load (C2 is busy for that long);
  # figures taken earlier would measure the compiler.
  log "WHEP: warming up the proxy's JIT ($((JIT * 2))s of load, not recorded)"
  timeout 120 "${TOOL[@]}" "${W[@]}" --url $PROXY --style proxy --mode keepalive --conns 64 --warmup 0 \
    --duration $JIT --label warmup >>"$WORK/runs.log" 2>&1 || true
  timeout 120 "${TOOL[@]}" "${W[@]}" --url $PROXY --style proxy --mode resumed --conns 64 --warmup 0 \
    --duration $((JIT / 2)) --label warmup >>"$WORK/runs.log" 2>&1 || true
  timeout 120 "${TOOL[@]}" "${W[@]}" --url $PROXY --style proxy --mode new --conns 64 --warmup 0 \
    --duration $((JIT / 2)) --label warmup >>"$WORK/runs.log" 2>&1 || true
  if [ -n "$BEFORE_JAR" ]; then
    for m in keepalive resumed new; do
      timeout 120 "${TOOL[@]}" "${W[@]}" --url https://127.0.0.1:8444 --style proxy --mode $m --conns 64 --warmup 0 \
        --duration $((JIT / 2)) --label warmup >>"$WORK/runs.log" 2>&1 || true
    done
  fi
  if [ $NETTY = 1 ]; then
    # as long as the Tomcat listener's: the Netty path's own code (BoringSSL's JNI glue, codecs) compiles too; in
    # a 5 s warm-up it reached half of what it does after a minute
    for m in keepalive resumed new; do
      d=$((JIT / 2)); [ $m = keepalive ] && d=$JIT
      timeout 120 "${TOOL[@]}" "${W[@]}" --url $NETTY_URL --style proxy --mode $m --conns 64 --warmup 0 \
        --duration $d --label warmup >>"$WORK/runs.log" 2>&1 || true
    done
  fi
  timeout 60 "${TOOL[@]}" "${W[@]}" --url $NGX --mode keepalive --conns 64 --warmup 0 --duration 3 \
    --label warmup >>"$WORK/runs.log" 2>&1 || true
  log "WHEP: saturation (closed loop, ${SAT}s each, targets interleaved)"
  for mode in keepalive new resumed; do
    for target in $TARGETS; do
      [ $target = direct ] && [ $mode = resumed ] && continue # plain HTTP has no TLS session to resume
      case $target in direct) url=$DIRECT; style=node ;; nginx) url=$NGX; style=node ;; proxy) url=$PROXY; style=proxy ;;
        before) url=https://127.0.0.1:8444; style=proxy ;; netty) url=$NETTY_URL; style=proxy ;; esac
      run "whep.sat.$mode.$target" $((SAT + 60)) "${W[@]}" --url $url --style $style --mode $mode --conns 64 \
        --warmup $WARM --duration $SAT
    done
  done
  log "WHEP: fixed offered rates (open loop, ${FIX}s each)"
  for mode in keepalive new resumed; do
    max=$(prop "whep.sat.$mode.nginx.cps"); max=${max%.*}
    if [ -z "$max" ] || [ "$max" -le 0 ]; then continue; fi
    if [ $mode = keepalive ]; then pcts="25 50 75"; else pcts="50"; fi
    for pct in $pcts; do
      rate=$((max * pct / 100))
      for target in $TARGETS; do
        case $target in direct) url=$DIRECT; style=node ;; nginx) url=$NGX; style=node ;; proxy) url=$PROXY; style=proxy ;;
          before) url=https://127.0.0.1:8444; style=proxy ;; netty) url=$NETTY_URL; style=proxy ;; esac
        # a generous request timeout: past capacity, late answers must show as latency, not as reconnect storms
        run "whep.rate.$mode.$pct.$target" $((FIX + 90)) "${W[@]}" --url $url --style $style --mode $mode \
          --conns 128 --rate $rate --warmup $((WARM + 1)) --duration $FIX --timeout 30
      done
    done
  done
  # the proxy saturates below 25% of nginx's maximum: also at half the proxy's own maximum, a load it can carry
  pmax=$(prop "whep.sat.keepalive.proxy.cps"); pmax=${pmax%.*}
  if [ -n "$pmax" ] && [ "$pmax" -gt 0 ]; then
    rate=$((pmax / 2))
    for target in direct nginx proxy; do
      case $target in direct) url=$DIRECT; style=node ;; nginx) url=$NGX; style=node ;; proxy) url=$PROXY; style=proxy ;; esac
      run "whep.rate.keepalive.half_proxy.$target" $((FIX + 90)) "${W[@]}" --url $url --style $style --mode keepalive \
        --conns 128 --rate $rate --warmup $((WARM + 1)) --duration $FIX --timeout 30
    done
  fi
  if [ $PROFILE = 1 ]; then
    log "WHEP: profiling the proxy (JFR) under keep-alive and new-connection saturation (not recorded)"
    jfr_start whep-keepalive
    timeout 60 "${TOOL[@]}" "${W[@]}" --url $PROXY --style proxy --mode keepalive --conns 64 --warmup 0 \
      --duration $SAT --label profile >>"$WORK/runs.log" 2>&1 || true
    jfr_stop whep-keepalive
    jfr_start whep-new
    timeout 60 "${TOOL[@]}" "${W[@]}" --url $PROXY --style proxy --mode new --conns 64 --warmup 0 \
      --duration $SAT --label profile >>"$WORK/runs.log" 2>&1 || true
    jfr_stop whep-new
    if [ $NETTY = 1 ]; then
      jfr_start whep-netty-keepalive
      timeout 60 "${TOOL[@]}" "${W[@]}" --url $NETTY_URL --style proxy --mode keepalive --conns 64 --warmup 0 \
        --duration $SAT --label profile >>"$WORK/runs.log" 2>&1 || true
      jfr_stop whep-netty-keepalive
    fi
  fi
fi

# ---- 5. WebSocket ------------------------------------------------------------------------------------------------------
if want ws; then
  if [ $QUICK = 1 ]; then STEPS=500,1000; MSGS=4; WSSAT=3; WSWARM=10; else STEPS=1000,3000,6000,9000; MSGS=15; WSSAT=8; WSWARM=30; fi
  WS=(ws --threads 2 --sources $CLIENTS --steps $STEPS --rate 2000 --duration $MSGS --sat-sessions 1000 --sat-duration $WSSAT)
  log "WebSocket: sessions stepped to ${STEPS##*,}, memory per session, fixed-rate relay, saturation"
  run ws.direct 300 "${WS[@]}" --url "ws://127.0.0.1:8082/live/?id=d{i}" --mem none
  sleep 2
  # fresh nginx workers, so their memory starts from the same baseline as a new process (the WHEP runs grew it)
  kill -HUP "$NGINX_PID"; sleep 4
  run ws.nginx 400 "${WS[@]}" --url "wss://127.0.0.1:9443/streammanager/?id=n{i}&host=127.0.0.1:8081&app=live" \
    --mem "nginx:$NGINX_PID"
  sleep 2
  # The JIT compiles the WebSocket paths (TLS records, both WebSocket stacks) for well over 10 s of load; with less
  # warm-up, the first thousands of sessions measure the compiler.
  log "  (proxy WebSocket warm-up, not recorded)"
  timeout 120 "${TOOL[@]}" ws --threads 2 --sources $CLIENTS --steps 1000 --rate 2000 --duration $WSWARM --sat-duration 5 \
    --url "wss://127.0.0.1:8443/streammanager/?id=w{i}&host=127.0.0.1:8081&app=live" --mem none --label warmup \
    >>"$WORK/runs.log" 2>&1 || true
  sleep 2
  jfr_start ws
  run ws.proxy 400 "${WS[@]}" --url "wss://127.0.0.1:8443/streammanager/?id=p{i}&host=127.0.0.1:8081&app=live" \
    --mem "jvm:$PID_proxy"
  jfr_stop ws
  if [ $NETTY = 1 ]; then
    # the same process's Netty listener: Tomcat's sessions are closed, so the memory measured is Netty's
    sleep 2
    log "  (Netty listener WebSocket warm-up, not recorded)"
    timeout 120 "${TOOL[@]}" ws --threads 2 --sources $CLIENTS --steps 1000 --rate 2000 --duration $WSWARM --sat-duration 5 \
      --url "wss://127.0.0.1:8446/streammanager/?id=x{i}&host=127.0.0.1:8081&app=live" --mem none --label warmup \
      >>"$WORK/runs.log" 2>&1 || true
    sleep 2
    jfr_start ws-netty
    run ws.netty 400 "${WS[@]}" --url "wss://127.0.0.1:8446/streammanager/?id=q{i}&host=127.0.0.1:8081&app=live" \
      --mem "jvm:$PID_proxy"
    jfr_stop ws-netty
  fi
  if [ -n "$BEFORE_JAR" ]; then
    sleep 2
    timeout 120 "${TOOL[@]}" ws --threads 2 --sources $CLIENTS --steps 1000 --rate 2000 --duration $WSWARM --sat-duration 5 \
      --url "wss://127.0.0.1:8444/streammanager/?id=v{i}&host=127.0.0.1:8081&app=live" --mem none --label warmup \
      >>"$WORK/runs.log" 2>&1 || true
    sleep 2
    run ws.before 400 "${WS[@]}" --url "wss://127.0.0.1:8444/streammanager/?id=b{i}&host=127.0.0.1:8081&app=live" \
      --mem "jvm:$PID_before"
  fi
fi

# ---- 6. HLS ------------------------------------------------------------------------------------------------------------
if want hls; then
  if [ $QUICK = 1 ]; then LIVE=8; BURST=4; VIEWERS=300; else LIVE=20; BURST=10; VIEWERS=1000; fi
  log "HLS: $VIEWERS viewers of one live stream, through nginx (proxy_cache + lock) and the proxy"
  H=(hls --dir "$WORK/hls" --viewers $VIEWERS --live-seconds $LIVE --burst-seconds $BURST --seg-seconds 2
     --seg-bytes 250000 --window 5 --sources $CLIENTS --access-log "$WORK/stub/hls-access.log")
  run hls.nginx 200 "${H[@]}" --stream hlsnginx --url "$NGX/live/hlsnginx.m3u8"
  run hls.proxy 200 "${H[@]}" --stream hlsproxy --url "$PROXY/as/v1/proxy/hls/live/hlsproxy.m3u8?nodeGroup=ng1"
  curl -sk -m 10 "$PROXY/as/v1/metrics" | grep -E '^smproxy_hls' | sed 's/^/hls.proxy.metrics./; s/{[^}]*}//; s/ /=/' \
    >>"$RESULTS" || true
  if [ $NETTY = 1 ]; then # its own stream, so its cache starts cold as the Tomcat run's did
    run hls.netty 200 "${H[@]}" --stream hlsnetty --url "$NETTY_URL/as/v1/proxy/hls/live/hlsnetty.m3u8?nodeGroup=ng1"
  fi
fi

# ---- 6b. the cluster store's cost: redis against memory ------------------------------------------------------------
if want store; then
  if [ $QUICK = 1 ]; then SSAT=4; SWARM=1; SJIT=5; SRATE=250; else SSAT=10; SWARM=2; SJIT=15; SRATE=250; fi
  STORE_URL_memory=$PROXY
  STORE_URL_redis=https://127.0.0.1:8445
  B=(whep --bodies "$WORK/bodies" --threads 2 --sources $CLIENTS)
  log "cluster store: warming up both proxies (${SJIT}s of each load on each, not recorded)"
  for st in memory redis; do
    eval "u=\$STORE_URL_$st"
    for style in proxy heartbeat select; do
      timeout 120 "${TOOL[@]}" "${B[@]}" --url "$u" --style $style --mode keepalive --conns 64 --warmup 0 \
        --duration $SJIT --label warmup >>"$WORK/runs.log" 2>&1 || true
    done
  done
  redis_commands() { redis-cli -p "$REDIS_PORT" info stats | tr -d '\r' | awk -F: '/^total_commands_processed:/ {print $2}'; }
  # Two rounds in opposite orders (memory, redis, redis, memory): on a shared machine a neighbour's burst then
  # lands on both stores rather than on whichever came second.
  ROUNDS="1:memory 1:redis 2:redis 2:memory"
  log "cluster store: heartbeat saturation (closed loop, 64 in flight, ${SSAT}s), memory/redis in two rounds"
  for rs in $ROUNDS; do
    st=${rs#*:}; eval "u=\$STORE_URL_$st"
    before=$(redis_commands)
    run "store.hb.$st.r${rs%%:*}" $((SSAT + 60)) "${B[@]}" --url "$u" --style heartbeat --mode keepalive --conns 64 \
      --warmup $SWARM --duration $SSAT
    echo "store.hb.$st.r${rs%%:*}.redis_commands=$(( $(redis_commands) - before ))" >>"$RESULTS"
  done
  log "cluster store: selection latency at $SRATE/s (open loop) with 100 heartbeats/s alongside, in two rounds"
  for rs in $ROUNDS; do
    st=${rs#*:}; eval "u=\$STORE_URL_$st"
    # the heartbeats alongside, as a cluster sends them: the store applies them while the proxy selects
    timeout $((SSAT + 60)) "${TOOL[@]}" "${B[@]}" --url "$u" --style heartbeat --mode keepalive --conns 16 --rate 100 \
      --warmup 0 --duration $((SSAT + SWARM + 3)) --label background >>"$WORK/runs.log" 2>&1 &
    bg=$!
    run "store.sel.$st.r${rs%%:*}" $((SSAT + 90)) "${B[@]}" --url "$u" --style select --mode keepalive --conns 64 \
      --rate $SRATE --warmup $((SWARM + 1)) --duration $SSAT --timeout 30
    wait $bg || true
  done
  log "cluster store: WHEP saturation (closed loop, keep-alive, ${SSAT}s), in two rounds"
  for rs in $ROUNDS; do
    st=${rs#*:}; eval "u=\$STORE_URL_$st"
    run "store.whep.$st.r${rs%%:*}" $((SSAT + 60)) "${B[@]}" --url "$u" --style proxy --mode keepalive --conns 64 \
      --warmup $SWARM --duration $SSAT
  done
fi

# ---- 7. node selection (JMH) -------------------------------------------------------------------------------------------
if want jmh; then
  log "node selection: JMH, 10,000 nodes, 100,000 streams, heartbeats concurrently"
  JMH_ARGS=(-rf json -rff "$WORK/jmh.json")
  [ $QUICK = 1 ] && JMH_ARGS+=(-wi 1 -i 1 -w 1 -r 1 -p "shuffle=4")
  timeout 600 java -cp "$BENCH/jmh/target/classes:$BENCH/jmh/target/lib/*:$PROXY_JAR" org.openjdk.jmh.Main \
    "${JMH_ARGS[@]}" >"$WORK/jmh.log" 2>&1 || log "JMH failed, see jmh.log"
  "${TOOL[@]}" report --jmh "$WORK/jmh.json" --results "$RESULTS" --jmh-only >>"$LOG" 2>&1 || true
  if [ -n "$BEFORE_JAR" ]; then
    log "node selection: the same with the earlier build"
    timeout 600 java -cp "$BENCH/jmh/target/classes:$BENCH/jmh/target/lib/*:$BEFORE_JAR" org.openjdk.jmh.Main \
      -rf json -rff "$WORK/jmh-before.json" "${JMH_ARGS[@]:4}" >"$WORK/jmh-before.log" 2>&1 || log "JMH (before) failed"
    "${TOOL[@]}" report --jmh "$WORK/jmh-before.json" --results "$RESULTS" --jmh-only --prefix jmhbefore \
      >>"$LOG" 2>&1 || true
  fi
fi

# ---- 8. the table ------------------------------------------------------------------------------------------------------
echo "meta.load_at_end=$(cut -d' ' -f1 /proc/loadavg)" >>"$RESULTS"
echo "meta.seconds=$(($(date +%s) - START_EPOCH))" >>"$RESULTS"
CMD="bench/run.sh"
[ $QUICK = 1 ] && CMD="$CMD --quick"
[ -n "$BEFORE_JAR" ] && CMD="$CMD --before <jar of an earlier build>"
# The results table is one block for all four parts: a run of only some of them would write it without the others,
# losing their figures, so only a run of all four replaces it (and last-results.properties).
FULL=0
want whep && want ws && want hls && want jmh && FULL=1
if want whep || want ws || want hls || want jmh; then
  "${TOOL[@]}" report --results "$RESULTS" --jfr "$WORK/jfr" --out "$WORK/table.md" --command "$CMD"
  cat "$WORK/table.md"
  if [ $README = 1 ] && [ $FULL = 0 ]; then
    log "partial run (--only $ONLY): bench/README.md and last-results.properties left as they were;" \
      "this run's table and results are above (and in $WORK with --keep)"
  elif [ $README = 1 ]; then
    "${TOOL[@]}" report --results "$RESULTS" --jfr "$WORK/jfr" --out "$WORK/table.md" --command "$CMD" \
      --readme "$BENCH/README.md" >/dev/null
    log "table written to bench/README.md"
  fi
fi
if want store; then
  SCMD="bench/run.sh --only store"
  [ $QUICK = 1 ] && SCMD="$SCMD --quick"
  "${TOOL[@]}" report --section store --results "$RESULTS" --out "$WORK/store-table.md" --command "$SCMD"
  cat "$WORK/store-table.md"
  if [ $README = 1 ]; then
    "${TOOL[@]}" report --section store --results "$RESULTS" --out "$WORK/store-table.md" --command "$SCMD" \
      --readme "$BENCH/README.md" >/dev/null
    log "cluster store table written to bench/README.md"
  fi
fi
if [ $FULL = 1 ]; then
  cp "$RESULTS" "$BENCH/last-results.properties" 2>/dev/null || true
elif ! { want whep || want ws || want hls || want jmh; }; then
  cp "$RESULTS" "$BENCH/last-store-results.properties" 2>/dev/null || true
fi
log "done in $(($(date +%s) - START_EPOCH)) s"
