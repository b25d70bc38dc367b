#!/usr/bin/env bash
# Fetches the third-party browser clients the browser tests serve to Chromium (src/sim/web-deps: pinned, with
# integrity hashes) into target/web-deps/node_modules. Needs the npm registry, so run it online before the tests;
# the tests themselves then run offline. Does nothing (and needs no network) when the pinned set is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

src=src/sim/web-deps
dest=target/web-deps
mkdir -p "$dest"
if [ -d "$dest/node_modules" ] && cmp -s "$src/package-lock.json" "$dest/package-lock.json"; then
  exit 0
fi

if ! command -v npm >/dev/null; then
  echo "installing npm"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "need root (or sudo) to install npm" >&2; exit 1; }
    sudo=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends npm
fi

cp "$src/package.json" "$src/package-lock.json" "$dest/"
# npm ci installs exactly the lock file's versions and checks their integrity; no package scripts are run.
(cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
echo "web deps ready in $dest/node_modules"
