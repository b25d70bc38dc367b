# Shared by bench/run.sh and bench/soak.sh: the work folder, logging, process care, what the runs need, the builds,
# the TLS material. Sourced after the caller set ROOT, BENCH, KEEP and PROXY_JAR (empty: build the working tree's).

START_EPOCH=$(date +%s)
WORK=$(mktemp -d /tmp/smbench.XXXXXX)
LOG="$WORK/run.log"
PIDS=()
NGINX_PIDFILES=() # nginx daemonises: its master is stopped through the pid file it writes

log() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$LOG" >&2; }

cleanup() {
  local rc=$?
  set +e
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null
  done
  for f in "${NGINX_PIDFILES[@]}"; do
    [ -f "$f" ] && kill -QUIT "$(cat "$f")" 2>/dev/null
  done
  for _ in $(seq 1 50); do
    local alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.2
  done
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  if [ "$KEEP" = 1 ] || [ $rc != 0 ]; then
    echo "work folder kept: $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# install_needs [command=package ...]: nginx, JDK 17, Maven, openssl, curl, unzip, and the caller's extras
install_needs() {
  local need_pkgs=() kv
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need_pkgs+=(nginx)
  command -v java >/dev/null && java -version 2>&1 | grep -q 'version "17' || need_pkgs+=(openjdk-17-jdk-headless)
  command -v jcmd >/dev/null || need_pkgs+=(openjdk-17-jdk-headless)
  for kv in mvn=maven openssl=openssl curl=curl unzip=unzip "$@"; do
    command -v "${kv%%=*}" >/dev/null || need_pkgs+=("${kv#*=}")
  done
  if [ ${#need_pkgs[@]} -gt 0 ]; then
    log "installing ${need_pkgs[*]}"
    local SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
  fi
  NGINX=$(command -v nginx || echo /usr/sbin/nginx)
}

# build_proxy_and_tools: PROXY_JAR (the working tree's, rebuilt when a source is newer) and the load generator
build_proxy_and_tools() {
  if [ -z "$PROXY_JAR" ]; then
    PROXY_JAR=$(ls "$ROOT"/target/streammanager-proxy-*-standalone.jar 2>/dev/null | head -n 1 || true)
    if [ -z "$PROXY_JAR" ] || [ -n "$(find "$ROOT/src/main" "$ROOT/pom.xml" -newer "$PROXY_JAR" -print -quit)" ]; then
      log "building the proxy (mvn package, tests skipped)"
      (cd "$ROOT" && mvn -B -q -DskipTests package) >>"$LOG" 2>&1
      PROXY_JAR=$(ls "$ROOT"/target/streammanager-proxy-*-standalone.jar | head -n 1)
    fi
  fi
  log "building the load generator"
  mvn -B -q -f "$BENCH/tools/pom.xml" package >>"$LOG" 2>&1
  TOOL=(java -Xms256m -Xmx2g -XX:+UseParallelGC -cp "$BENCH/tools/target/classes:$BENCH/tools/target/lib/*" smbench.Main)
}

# tls_material: a self-signed certificate for 127.0.0.1 in $WORK/tls, as PEM and as the proxy's PKCS12 keystore
tls_material() {
  mkdir -p "$WORK/tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$WORK/tls/key.pem" -out "$WORK/tls/cert.pem" 2>>"$LOG"
  openssl pkcs12 -export -inkey "$WORK/tls/key.pem" -in "$WORK/tls/cert.pem" -name smproxy \
    -out "$WORK/tls/cert.p12" -passout pass:bench-pass
}

# Builds since the hardening change refuse heartbeats naming loopback (the stub node is on it) and limit requests per
# client address (the load comes from four): each build that knows the keys is told so; older ones would refuse them.
# The same for the per-session WebSocket message rate: the relay saturation part sends far past it on purpose.
# hardening_keys JAR [key=value ...]: prints those of the pairs (the benchmark's by default) that JAR knows
hardening_keys() {
  local jar=$1 kv; shift
  local pairs=("$@")
  [ ${#pairs[@]} -gt 0 ] || pairs=(api.node.allowedNetworks=unicast,127.0.0.0/8 proxy.rateLimit.enabled=false
    proxy.ws.maxMessageRate=off proxy.client.maxConnectionsPerAddress=1000000)
  for kv in "${pairs[@]}"; do
    # grep reads it all (no -q): an early exit would fail the pipe under pipefail, and the answer with it
    if unzip -p "$jar" org/smproxy/config/ProxyConfig.class 2>/dev/null | grep -acF "${kv%%=*}" >/dev/null; then
      echo "$kv"
    fi
  done
}

start_bg() { # name, command...: started in its own process group, logs in $WORK/<name>.log
  local name=$1; shift
  setsid "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  eval "PID_${name//-/_}=$!"
}
wait_for() { # file pattern seconds
  for _ in $(seq 1 $(($3 * 5))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.2; done
  log "timed out waiting for '$2' in $1"; tail -20 "$1" >&2; return 1
}
