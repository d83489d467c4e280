#!/usr/bin/env bash
# Install what Centralino needs on a fresh Debian/Ubuntu machine (run as root) and reuse
# what is already there: apt packages, the Asterisk 22 root, the Python environment.
# Prints the path of the virtual environment's bin directory on its last line.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${CENTRALINO_CACHE:-/var/cache/centralino}
venv="$cache/venv"
mkdir -p "$cache"

need=()
for pair in ss:iproute2 debootstrap:debootstrap sipp:sip-tester chromium:chromium espeak-ng:espeak-ng sox:sox npm:npm; do
  command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
done
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi

bash "$here/asterisk-conf/build-root.sh" "$cache/asterisk-root" >&2

stamp="$venv/.centralino-deps"
want=$(sha256sum "$here/pyproject.toml" | cut -c1-16)
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$venv/bin/pip" install -q --upgrade pip >&2
  "$venv/bin/pip" install -q -e "$here[dev]" >&2
  echo "$want" >"$stamp"
else
  # Dependencies are in place; point the editable install at this checkout.
  "$venv/bin/pip" install -q --no-deps -e "$here" >&2
fi
# Browser-side tools from npm (web-tools/package-lock.json), kept in the cache, never in
# the checkout: axe-core for the pages' accessibility checks, and JsSIP, which npm ships
# as CommonJS only: esbuild bundles it into one browser file, dist/jssip.js, that the
# engine serves at /static/vendor/jssip.js. Both are made again when the lock changes.
tools="$cache/web-tools"
want_tools=$(sha256sum "$here/web-tools/package-lock.json" | cut -c1-16)
if [ "$(cat "$tools/.centralino-lock" 2>/dev/null)" != "$want_tools" ] || [ ! -s "$tools/dist/jssip.js" ]; then
  mkdir -p "$tools/dist"
  cp "$here/web-tools/package.json" "$here/web-tools/package-lock.json" "$tools/"
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error &&
   node_modules/.bin/esbuild node_modules/jssip/lib/JsSIP.js --bundle --format=iife \
     --global-name=JsSIP --minify --log-level=warning --outfile=dist/jssip.js.tmp &&
   mv dist/jssip.js.tmp dist/jssip.js) >&2
  echo "$want_tools" >"$tools/.centralino-lock"
fi
echo "$venv/bin"
