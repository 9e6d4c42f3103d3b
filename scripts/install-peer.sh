#!/usr/bin/env bash
# Installs the peer the benchmark compares labgate with (see bench/README.md, "The peer"): JupyterHub 3.0.0
# and the classic notebook server from Debian's packages, and configurable-http-proxy (JupyterHub's proxy)
# from the npm registry into bench/.peer/ (a project-local prefix that ignores itself in git; nothing is
# installed globally from npm). Run as root. Idempotent: a second run changes nothing that is in place.
#
#   sudo scripts/install-peer.sh
#
# CHP_VERSION picks the configurable-http-proxy version (default 4.6.3, the 4.x line JupyterHub 3 was
# released with).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="$ROOT/bench/.peer"
CHP_VERSION="${CHP_VERSION:-4.6.3}"

if [ "$(id -u)" != 0 ]; then
  echo "install-peer: run as root (apt-get install): sudo $0" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-peer: needs apt-get (Debian bookworm has jupyterhub 3.0.0 and python3-notebook)" >&2
  exit 1
fi

missing=()
for pkg in jupyterhub python3-notebook; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-peer: apt-get install ${missing[*]}"
  # Wait (up to 10 min) for another apt-get holding the dpkg lock instead of failing at once.
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-peer: jupyterhub and python3-notebook are installed"
fi

mkdir -p "$PREFIX"
# The prefix is never committed: it ignores itself.
[ -f "$PREFIX/.gitignore" ] || printf '*\n' >"$PREFIX/.gitignore"
# An earlier version of this script wrote a package.json there.
if grep -qs labgate-bench-peer "$PREFIX/package.json"; then rm -f "$PREFIX/package.json"; fi
CHP="$PREFIX/node_modules/.bin/configurable-http-proxy"
have=""
if [ -x "$CHP" ]; then have="$("$CHP" --version 2>/dev/null || true)"; fi
if [ "$have" != "$CHP_VERSION" ]; then
  echo "install-peer: npm install configurable-http-proxy@$CHP_VERSION into $PREFIX"
  # No package.json nor lock file in the prefix (prettier --check . would read them): --no-save and
  # --no-package-lock leave only node_modules/.
  npm install --prefix "$PREFIX" --no-audit --no-fund --no-save --no-package-lock --loglevel=error \
    "configurable-http-proxy@$CHP_VERSION" >/dev/null
else
  echo "install-peer: configurable-http-proxy $have is installed"
fi

echo "install-peer: jupyterhub $(/usr/bin/jupyterhub --version), configurable-http-proxy $("$CHP" --version)"
echo "install-peer: done; npm run bench now measures JupyterHub beside labgate"
