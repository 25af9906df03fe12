#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need (Debian packages for the
# real keychain, the real browser and openssl for the proxy test's private CA, then the npm
# dependencies), and runs `npm test` inside a private D-Bus session with GNOME Keyring unlocked,
# then the end-to-end files again on Node 22 and 24 (scripts/test-node-versions.ts; npm test has
# built dist/ already). A failure in either fails the script. `npm test` alone stays the quick
# inner loop.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(gnome-keyring libsecret-tools dbus dbus-x11 chromium openssl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then sudo=(); elif sudo -n true 2>/dev/null; then sudo=(sudo -n); else
    echo "The tests need these Debian packages: ${missing[*]}" >&2
    echo "Install them (sudo apt-get install ${missing[*]}) or run this script as root." >&2
    exit 1
  fi
  echo "Installing ${missing[*]} …" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

npm ci --no-audit --no-fund
# The real MCP hosts test/hosts/ drives, cached per machine outside the repository.
scripts/install-hosts.sh
# The whole suite on this machine's Node, then the end-to-end files again on Node 22 and 24.
exec scripts/with-keychain.sh bash -c 'npm test && npx tsx scripts/test-node-versions.ts'
