#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need (Debian packages for the
# real keychain and the real browser, then the npm dependencies), and runs `npm test` inside a
# private D-Bus session with GNOME Keyring unlocked. `npm test` alone stays the quick inner loop.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(gnome-keyring libsecret-tools dbus dbus-x11 chromium)
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
exec scripts/with-keychain.sh npm test
