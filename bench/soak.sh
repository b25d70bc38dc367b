#!/usr/bin/env bash
# The soak, in one command: a mixed load held against one proxy (its standalone default: Netty, G1, 512 MB to 1 GB of
# heap, as the README runs it) for --minutes, sampled once a minute, to show that nothing grows that should stay flat.
# Installs what it needs (nginx, JDK 17, Maven), builds the proxy and the load generator, starts two stub nodes
# (nginx: WHEP answers and a live HLS folder), a WebSocket echo node and the proxy on 127.0.0.0/8, runs the load (see
# bench/tools/src/main/java/smbench/Soak.java), stops everything and writes the figures into bench/README.md.
#
#   bench/soak.sh [--minutes 30] [--quick] [--proxy-jar JAR] [--no-readme] [--keep]
#
#   --minutes    how long the load runs (default 30; a line a minute shows the progress)
#   --quick      3 minutes, the node failing every minute: a smoke test of the harness, figures not meant to be kept
#   --proxy-jar  soak this standalone jar instead of building the working tree's
#   --no-readme  print the figures, leave bench/README.md alone
#   --keep       keep the work folder (configs, logs, the samples as CSV)
#
# The node that fails is a second nginx, stopped (SIGTERM: its connections dropped) and started again; its heartbeats
# stop and resume with it. Every process started here is stopped on exit, also on failure.
set -euo pipefail

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
MINUTES=30
FLAP_EVERY=300
FLAP_DOWN=60
PROXY_JAR=""
README=1
KEEP=0
QUICK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES="$2"; shift ;;
    --quick) QUICK=1; MINUTES=3; FLAP_EVERY=60; FLAP_DOWN=20 ;;
    --proxy-jar) PROXY_JAR=$(readlink -f "$2"); shift ;;
    --no-readme) README=0 ;;
    --keep) KEEP=1 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
. "$BENCH/lib.sh"
NGINX_PIDFILES=("$WORK/stub/nginx.pid" "$WORK/stub2/nginx.pid")

install_needs
build_proxy_and_tools

mkdir -p "$WORK"/{conf,stub/tmp,stub2/tmp,hls/live}
chmod 755 "$WORK"
[ "$(id -u)" = 0 ] && chown -R nobody "$WORK/stub/tmp" "$WORK/stub2/tmp" 2>/dev/null || true
"${TOOL[@]}" sdp --out "$WORK/bodies" >>"$LOG"
tls_material
sed "s#@WORK@#$WORK#g" "$BENCH/conf/nginx-stub.conf" >"$WORK/conf/nginx-stub.conf"
sed "s#@WORK@/stub/#@WORK@/stub2/#g; s#127.0.0.1:8081#127.0.0.1:8083#; s#@WORK@#$WORK#g" "$BENCH/conf/nginx-stub.conf" \
  >"$WORK/conf/nginx-stub2.conf"
sed "s#@WORK@#$WORK#g" "$BENCH/conf/cluster.json" >"$WORK/conf/cluster.json"
{
  # the failing node must leave the cluster while it is down, and come back with its first heartbeat
  sed "s#@WORK@#$WORK#g; s#^cluster.heartbeat.timeout=.*#cluster.heartbeat.timeout=15s#" "$BENCH/conf/proxy.properties"
  # the rate limits stay on (the load comes from one address, so its offers get room); loopback nodes are allowed
  hardening_keys "$PROXY_JAR" api.node.allowedNetworks=unicast,127.0.0.0/8 "proxy.rateLimit.offers=200/s burst 400"
} >"$WORK/conf/proxy.properties"

log "starting two stub nodes (nginx :8081 and :8083), the WebSocket echo node (:8082), the proxy (:8443)"
ulimit -n 20000 2>/dev/null || true
STUB2_UP="$NGINX -p $WORK/stub2 -c $WORK/conf/nginx-stub2.conf -e $WORK/stub2/error.log"
$NGINX -p "$WORK/stub" -c "$WORK/conf/nginx-stub.conf" -e "$WORK/stub/error.log"
$STUB2_UP
start_bg echo java -Xms64m -Xmx512m -XX:+UseParallelGC -cp "$BENCH/tools/target/classes:$BENCH/tools/target/lib/*" \
  smbench.Main ws-echo --port 8082 --threads 1 --max-seconds $((MINUTES * 60 + 600))
PROXY_OPTS=(-Xms512m -Xmx1g -XX:+UseG1GC -Dorg.slf4j.simpleLogger.logFile="$WORK/proxy-app.log" -Dsmproxy.logging.file="$WORK/proxy-app.log")
start_bg proxy java "${PROXY_OPTS[@]}" -jar "$PROXY_JAR" --config "$WORK/conf/proxy.properties"
wait_for "$WORK/echo.log" READY 30
wait_for "$WORK/proxy.log" READY 60

META="commit $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) cores"
META="$META, proxy $(echo "${PROXY_OPTS[@]:0:3}")"
[ $QUICK = 1 ] && META="$META, --quick"
log "soak: $MINUTES minutes (a line a minute)"
# bounded: the load's own end plus time to wind down
timeout --signal=TERM --kill-after=30 $((MINUTES * 60 + 300)) "${TOOL[@]}" soak --url https://127.0.0.1:8443 \
  --ca "$WORK/tls/cert.pem" --bodies "$WORK/bodies" --hls-dir "$WORK/hls" --pid "$PID_proxy" --minutes "$MINUTES" \
  --flap-every $FLAP_EVERY --flap-down $FLAP_DOWN --node-up "$STUB2_UP" \
  --node-down "kill -TERM \$(cat $WORK/stub2/nginx.pid)" --csv "$WORK/soak.csv" --md "$WORK/soak.md" \
  --meta "$META" 2>&1 | tee -a "$LOG"

if [ $README = 1 ] && [ -s "$WORK/soak.md" ]; then
  # the figures go between the soak markers of bench/README.md, the rest of it untouched
  awk -v f="$WORK/soak.md" '
    /<!-- soak:begin -->/ { print; while ((getline l < f) > 0) print l; skip = 1; next }
    /<!-- soak:end -->/ { skip = 0 }
    !skip { print }' "$BENCH/README.md" >"$WORK/README.md"
  cp "$WORK/README.md" "$BENCH/README.md"
  log "soak figures written to bench/README.md"
fi
[ -s "$WORK/soak.md" ] || { log "the soak wrote no figures, see $LOG"; exit 1; }
log "done in $(($(date +%s) - START_EPOCH)) s"
