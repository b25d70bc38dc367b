#!/usr/bin/env bash
# The demo: builds (if needed) and starts the proxy over HTTPS with a simulated cluster (1 origin, 2 edges, real
# WebRTC) and a page to publish your camera and watch it through the proxy (WHIP/WHEP or WebSocket signalling, HLS).
#   ./demo.sh [--https-port N] [--bind ADDRESS]
set -euo pipefail
cd "$(dirname "$0")"
./scripts/install-deps.sh
# hls.js for the page's HLS player comes from npm (pinned in src/sim/web-deps) and is packaged into the demo jar;
# without it (offline first run) the demo still runs, the page just has no HLS player.
./scripts/fetch-web-deps.sh || echo "warning: could not fetch the web deps; the demo page will have no HLS player" >&2
deps=()
[ -f target/web-deps/package-lock.json ] && deps=(target/web-deps/package-lock.json)
jar=$(ls target/streammanager-proxy-*-demo.jar 2>/dev/null | head -n 1 || true)
if [ -z "$jar" ] || [ -n "$(find src webapp conf plugin.xml pom.xml "${deps[@]}" -newer "$jar" -print -quit)" ]; then
  # -DskipTests still compiles the tests: the simulated nodes and the page are test code.
  echo "building (mvn package, tests skipped; ./test.sh runs them)..."
  mvn -B -q -DskipTests package
  jar=$(ls target/streammanager-proxy-*-demo.jar | head -n 1)
fi
# G1 named, as the README advises for the standalone server (bench/README.md: "Which collector").
exec java -XX:+UseG1GC -Xms256m -Xmx1g -jar "$jar" --demo "$@"
