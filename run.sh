#!/usr/bin/env bash
# Builds (if needed) and starts the standalone proxy over HTTPS on an embedded default cluster.
#   ./run.sh [--https-port N] [--config FILE]
set -euo pipefail
cd "$(dirname "$0")"
./scripts/install-deps.sh
jar=$(ls target/streammanager-proxy-*-standalone.jar 2>/dev/null | head -n 1 || true)
if [ -z "$jar" ] || [ -n "$(find src webapp conf plugin.xml pom.xml -newer "$jar" -print -quit)" ]; then
  echo "building (mvn package, tests skipped; ./test.sh runs them)..."
  mvn -B -q -DskipTests package
  jar=$(ls target/streammanager-proxy-*-standalone.jar | head -n 1)
fi
args=("$@")
[[ " ${args[*]} " == *" --config "* ]] || args=(--config conf/standalone.properties "${args[@]}")
exec java -jar "$jar" "${args[@]}"
