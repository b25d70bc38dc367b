#!/usr/bin/env bash
# The demo scaled out: a Redis-compatible server (Debian's redis-server, no persistence), N standalone replicas of
# the proxy sharing the cluster on it (cluster.store=redis), HAProxy in front (TLS passthrough, health check on
# /as/v1/ready), and the simulated cluster (1 origin, 2 edges, 1 transcoder) heartbeating through the balancer, with the demo
# page. Everything runs from a temporary folder and stops on Ctrl-C or SIGTERM.
#   scripts/cluster-demo.sh [--replicas N] [--https-port N] [--page-port N] [--bind ADDRESS] [--redis-port N]
# SMPROXY_STANDALONE_JAR and SMPROXY_DEMO_JAR, when both are set, name the jars to run: no install, no build.
set -euo pipefail
cd "$(dirname "$0")/.."

usage="usage: scripts/cluster-demo.sh [--replicas N] [--https-port N] [--page-port N] [--bind ADDRESS] [--redis-port N]
  --replicas N    proxy replicas behind the load balancer (default 3)
  --https-port N  the load balancer's HTTPS port (default 8443)
  --page-port N   the demo page's HTTPS port (default: the balancer's + 1)
  --bind ADDRESS  where the balancer, the replicas and the page listen (default 0.0.0.0)
  --redis-port N  the Redis server's port on 127.0.0.1 (default: a free one)"
replicas=3
lb_port=8443
page_port=""
bind=0.0.0.0
redis_port=""
number() { [[ "$2" =~ ^[0-9]+$ ]] || { echo "$1 needs a number, not '$2'" >&2; echo "$usage" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || [[ "$1" == -h || "$1" == --help ]] || { echo "$1 needs a value" >&2; echo "$usage" >&2; exit 2; }
  case "$1" in
    --replicas) number "$1" "$2"; replicas=$2; shift 2 ;;
    --https-port) number "$1" "$2"; lb_port=$2; shift 2 ;;
    --page-port) number "$1" "$2"; page_port=$2; shift 2 ;;
    --bind) bind=$2; shift 2 ;;
    --redis-port) number "$1" "$2"; redis_port=$2; shift 2 ;;
    -h|--help) echo "$usage"; exit 0 ;;
    *) echo "unknown argument '$1'" >&2; echo "$usage" >&2; exit 2 ;;
  esac
done
[ "$replicas" -ge 1 ] || { echo "--replicas must be at least 1" >&2; exit 2; }
page_port=${page_port:-$((lb_port + 1))}
for p in "$lb_port" "$page_port" ${redis_port:+"$redis_port"}; do
  [ "$p" -ge 1 ] && [ "$p" -le 65535 ] || { echo "ports are 1-65535, not $p" >&2; exit 2; }
done

# --- what to run ---------------------------------------------------------------------------------------------------
if [ -n "${SMPROXY_STANDALONE_JAR:-}" ] && [ -n "${SMPROXY_DEMO_JAR:-}" ]; then
  standalone_jar=$SMPROXY_STANDALONE_JAR
  demo_jar=$SMPROXY_DEMO_JAR
else
  ./scripts/install-deps.sh
  ./scripts/fetch-web-deps.sh || echo "warning: could not fetch the web deps; the demo page will have no HLS player" >&2
  deps=()
  [ -f target/web-deps/package-lock.json ] && deps=(target/web-deps/package-lock.json)
  standalone_jar=$(ls target/streammanager-proxy-*-standalone.jar 2>/dev/null | head -n 1 || true)
  demo_jar=$(ls target/streammanager-proxy-*-demo.jar 2>/dev/null | head -n 1 || true)
  if [ -z "$standalone_jar" ] || [ -z "$demo_jar" ] \
     || [ -n "$(find src webapp conf plugin.xml pom.xml "${deps[@]}" \( -newer "$standalone_jar" -o -newer "$demo_jar" \) -print -quit)" ]; then
    echo "building (mvn package, tests skipped; ./test.sh runs them)..."
    mvn -B -q -DskipTests package
    standalone_jar=$(ls target/streammanager-proxy-*-standalone.jar | head -n 1)
    demo_jar=$(ls target/streammanager-proxy-*-demo.jar | head -n 1)
  fi
fi
standalone_jar=$(realpath "$standalone_jar")
demo_jar=$(realpath "$demo_jar")
for tool in redis-server haproxy java keytool curl; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (scripts/install-deps.sh installs it)" >&2; exit 1; }
done

# --- stopping everything -------------------------------------------------------------------------------------------
work=$(mktemp -d -t smproxy-cluster-demo.XXXXXX)
# The JVMs' own temp files (Tomcat's work folders) go here too, so that stopping leaves nothing behind.
mkdir -p "$work/tmp"
jvm=(-Djava.io.tmpdir="$work/tmp" -Xms32m)
pids=()
stopping=""
stop_all() {
  [ -n "$stopping" ] && return
  stopping=1
  trap - INT TERM
  # Whoever read our output may be gone (a closed terminal, a pipe): that must not cut the clean-up short.
  trap '' PIPE
  if [ ${#pids[@]} -gt 0 ]; then
    echo "stopping everything (the simulated nodes first, the store last)..." 2>/dev/null || true
    # In start order reversed: nodes before the proxies they heartbeat to, the store last.
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
    local deadline=$((SECONDS + 20))
    for pid in "${pids[@]}"; do
      while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
      kill -KILL "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    done
  fi
  rm -rf "$work"
  echo "stopped" 2>/dev/null || true
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap stop_all EXIT

fail() {
  echo "cluster-demo: $1" >&2
  [ -n "${2:-}" ] && [ -f "$2" ] && { echo "--- last lines of $2:" >&2; tail -n 30 "$2" >&2; }
  exit 1
}

# Waits until the file has a line starting with READY (printed by the jars once they serve), or the process ends.
await_ready() { # pid log timeout-seconds what
  local deadline=$((SECONDS + $3))
  until grep -q '^READY ' "$2" 2>/dev/null; do
    kill -0 "$1" 2>/dev/null || fail "$4 exited before it was ready" "$2"
    [ $SECONDS -lt $deadline ] || fail "$4 was not ready within $3 s" "$2"
    sleep 0.3
  done
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

secret() { head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='; }

session_secret=$(secret)
admin_token=$(secret)
node_secret=$(secret)
keystore_password=$(secret)
export SMPROXY_NODE_SECRET=$node_secret SMPROXY_ADMIN_TOKEN=$admin_token SMPROXY_KEYSTORE_PASSWORD=$keystore_password
case "$bind" in 0.0.0.0|::) local_host=127.0.0.1 ;; *:*) local_host="[$bind]" ;; *) local_host=$bind ;; esac
[ "$bind" = "::" ] && local_host="[::1]"
case "$bind" in 0.0.0.0|::) shown_host=localhost ;; *) shown_host=$local_host ;; esac

for p in "$lb_port" "$page_port"; do
  port_free "$p" || fail "port $p is in use; pick others with --https-port N (and --page-port N)"
done

# --- one certificate for all: a browser that accepted it for the balancer accepts every replica behind it ---------
echo "making a self-signed certificate..."
san="dns:localhost,ip:127.0.0.1"
[[ "$bind" =~ ^[0-9.]+$ ]] && [ "$bind" != 0.0.0.0 ] && san="$san,ip:$bind"
for ip in $(hostname -I 2>/dev/null || true); do [[ "$ip" =~ ^[0-9.]+$ ]] && san="$san,ip:$ip"; done
keytool -genkeypair -alias smproxy -keyalg EC -groupname secp256r1 -validity 30 -dname "CN=smproxy cluster demo" \
  -ext "SAN=$san" -storetype PKCS12 -keystore "$work/keystore.p12" -storepass "$keystore_password" \
  -keypass "$keystore_password" >/dev/null 2>&1 || fail "keytool could not make the certificate"

# --- the store -----------------------------------------------------------------------------------------------------
if [ -z "$redis_port" ]; then
  for _ in $(seq 50); do
    redis_port=$((20000 + RANDOM % 40000))
    port_free "$redis_port" && break
  done
fi
echo "starting redis-server on 127.0.0.1:$redis_port (no persistence)..."
mkdir -p "$work/redis"
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --dir "$work/redis" \
  --daemonize no --loglevel warning >"$work/redis.log" 2>&1 &
pids+=($!)
redis_pid=$!
deadline=$((SECONDS + 20))
until redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null | grep -q PONG; do
  kill -0 "$redis_pid" 2>/dev/null || fail "redis-server exited (port $redis_port in use? --redis-port N)" "$work/redis.log"
  [ $SECONDS -lt $deadline ] || fail "redis-server did not answer within 20 s" "$work/redis.log"
  sleep 0.2
done

# --- the replicas --------------------------------------------------------------------------------------------------
cat >"$work/cluster.json" <<'EOF'
{"nodeGroups": [{"name": "ng1", "subGroups": [{"name": "us-east"}]}]}
EOF
echo "starting $replicas replicas of the standalone proxy (a JVM each; this takes a while)..."
replica_pids=()
for i in $(seq "$replicas"); do
  dir="$work/replica-$i"
  mkdir -p "$dir"
  cat >"$dir/replica.properties" <<EOF
cluster.store=redis
cluster.store.url=redis://127.0.0.1:$redis_port/0
cluster.replica.id=replica-$i
proxy.session.secret=$session_secret
cluster.file=$work/cluster.json
cluster.heartbeat.interval=1s
proxy.enabled=true
api.admin.token=$admin_token
api.node.secret=$node_secret
# the simulated nodes fall back to loopback on a host with no other address; a real cluster's nodes never do
api.node.allowedNetworks=unicast,127.0.0.0/8
standalone.bind=$bind
standalone.https.port=0
standalone.keystore.file=$work/keystore.p12
standalone.keystore.password=$keystore_password
EOF
  chmod 600 "$dir/replica.properties"
  # 0: a free port each; the READY line names it.
  (cd "$dir" && exec java "${jvm[@]}" -Xmx256m -jar "$standalone_jar" --config "$dir/replica.properties") \
    >"$dir/replica.log" 2>&1 &
  pids+=($!)
  replica_pids+=($!)
done
replica_ports=()
for i in $(seq "$replicas"); do
  log="$work/replica-$i/replica.log"
  await_ready "${replica_pids[i - 1]}" "$log" 180 "replica-$i"
  port=$(sed -nE 's/^READY https:\/\/[^ ]*:([0-9]+)\/.*/\1/p' "$log" | head -n 1)
  [ -n "$port" ] || fail "replica-$i printed no port" "$log"
  replica_ports+=("$port")
  echo "replica-$i up on port $port"
done

# --- the load balancer ---------------------------------------------------------------------------------------------
# HAProxy takes the port after the last colon, so an IPv6 address needs no brackets.
lb_bind=$bind
{
  cat <<EOF
global
    log stdout format raw local0 warning
    maxconn 4096

defaults
    mode tcp
    log global
    option tcplog
    timeout connect 3s
    timeout client 60s
    timeout server 60s
    # WebSocket signalling sessions are long-lived tunnels.
    timeout tunnel 1h

frontend proxy_https
    bind ${lb_bind}:${lb_port}
    default_backend replicas

backend replicas
    balance roundrobin
    option httpchk
    http-check send meth GET uri /as/v1/ready
    http-check expect status 200
EOF
  for i in $(seq "$replicas"); do
    echo "    server replica-$i 127.0.0.1:${replica_ports[i - 1]} check check-ssl verify none inter 1s fall 2 rise 1"
  done
} >"$work/haproxy.cfg"
echo "starting haproxy on ${lb_bind}:${lb_port} (TLS passthrough to the replicas)..."
haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
pids+=($!)
haproxy_pid=$!
lb="https://$local_host:$lb_port"
deadline=$((SECONDS + 30))
until curl -ksf -o /dev/null --max-time 3 "$lb/as/v1/ready"; do
  kill -0 "$haproxy_pid" 2>/dev/null || fail "haproxy exited" "$work/haproxy.log"
  [ $SECONDS -lt $deadline ] || fail "the balancer did not answer /as/v1/ready within 30 s" "$work/haproxy.log"
  sleep 0.3
done

# --- the simulated cluster and the page, through the balancer ------------------------------------------------------
echo "starting the simulated cluster (1 origin, 2 edges, 1 transcoder, heartbeating through the balancer) and the demo page..."
java "${jvm[@]}" -Xmx512m -jar "$demo_jar" --demo --proxy "$lb" --keystore "$work/keystore.p12" \
  --https-port "$page_port" --bind "$bind" >"$work/nodes.log" 2>&1 &
pids+=($!)
nodes_pid=$!
await_ready "$nodes_pid" "$work/nodes.log" 120 "the simulated cluster"

# --- what runs where -----------------------------------------------------------------------------------------------
elsewhere=$(hostname -I 2>/dev/null | awk '{print $1}' || true)
page="https://$shown_host:$page_port/"
{
  echo
  echo "streammanager-proxy scale-out demo: $replicas replicas on one Redis, HAProxy in front, simulated cluster ng1"
  echo "  demo page      $page  (it calls the proxy through the balancer)"
  if [ -n "$elsewhere" ] && { [ "$bind" = 0.0.0.0 ] || [ "$bind" = "::" ]; }; then
    echo "  from elsewhere https://$elsewhere:$page_port/"
  fi
  echo "  load balancer  https://$shown_host:$lb_port  (health: https://$shown_host:$lb_port/as/v1/health)"
  for i in $(seq "$replicas"); do
    echo "  replica-$i      https://$shown_host:${replica_ports[i - 1]}"
  done
  echo "  redis          redis://127.0.0.1:$redis_port/0"
  echo "  admin API      curl -k -H 'Authorization: Bearer $admin_token' https://$shown_host:$lb_port/as/v1/admin/nodes"
  echo "  node secret    $node_secret  (api.node.secret, for heartbeats)"
  echo "  logs           $work/*.log, $work/replica-*/replica.log (removed on exit)"
  echo "  The certificate is self-signed and the same everywhere: accept it once for the page and once for the"
  echo "  balancer (the page links to it). Ctrl-C stops everything."
  echo "READY $page"
}

# Runs until a signal or until any part dies (then everything stops: a demo with a part missing misleads).
set +e
wait -n "${pids[@]}"
echo "cluster-demo: a process exited; stopping everything" >&2
for f in "$work"/*.log "$work"/replica-*/replica.log; do
  [ -f "$f" ] && { echo "--- last lines of $f:" >&2; tail -n 5 "$f" >&2; }
done
exit 1
