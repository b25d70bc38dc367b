#!/usr/bin/env bash
# Runs every test: units, the APIs over HTTPS, the packaged standalone jar, and the plugin in a real Red5 1.3.17.
# Extra arguments go to Maven (CI passes -o to run offline inside its network namespace).
set -euo pipefail
cd "$(dirname "$0")"
./scripts/install-deps.sh
./scripts/fetch-web-deps.sh
exec mvn -B verify "$@"
