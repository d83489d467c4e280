#!/usr/bin/env bash
# Build the Asterisk 22 root (Debian sid, debootstrap) once into a cache directory.
# Debian 12 has no asterisk package and installing sid's into the host would upgrade its
# libc, so Asterisk lives in its own root and runs with chroot.
# Usage: build-root.sh ROOT   (idempotent: a complete root is reused)
set -euo pipefail
root=${1:?usage: build-root.sh ROOT}
marker="$root/.centralino-root-complete"

# Idempotent fixes applied to every root, new or reused.
fixups() {
  # Asterisk looks for core sounds in sounds/<language>/ and Debian links only 'en':
  # give the Italian core sounds their language name too.
  local sounds="$1/usr/share/asterisk/sounds"
  [ -e "$sounds/it" ] || ln -s it_IT_m_Carlo "$sounds/it"
  # Each Centralino instance lives in srv/centralino/<instance>/ (see acd/asterisk/paths.py).
  mkdir -p "$1/srv/centralino"
}

if [ -f "$marker" ]; then
  fixups "$root"
  echo "asterisk root: reusing $root"
  exit 0
fi
command -v debootstrap >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; }

# The mirror the machine's own apt sources already name: hard-code no host.
mirror=$(grep -rhoE 'https?://[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
  | grep -E '/debian/?$' | head -n1 || true)
[ -n "$mirror" ] || { echo "asterisk root: no Debian mirror found in /etc/apt" >&2; exit 1; }

packages=asterisk,asterisk-modules,asterisk-core-sounds-it-wav,asterisk-core-sounds-en-wav,asterisk-moh-opsound-wav,asterisk-prompt-it-menardi-wav
tmp="$root.partial"
rm -rf "$tmp"
mkdir -p "$(dirname "$root")"
echo "asterisk root: debootstrap sid from $mirror into $tmp"
debootstrap --variant=minbase --include="$packages" sid "$tmp" "$mirror" >"$tmp.log" 2>&1 || {
  echo "asterisk root: debootstrap failed, last lines of $tmp.log:" >&2; tail -n 20 "$tmp.log" >&2; exit 1; }
fixups "$tmp"
chroot "$tmp" asterisk -V
rm -rf "$root"
mv "$tmp" "$root"
touch "$marker"
echo "asterisk root: ready in $root"
