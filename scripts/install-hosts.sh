#!/usr/bin/env bash
# Installs the real MCP hosts that test/hosts/ drives, at the versions pinned in
# test/hosts/versions.json, into a per-machine cache OUTSIDE the repository:
#
#   ${HOSTSMITH_HOSTS_CACHE:-${XDG_CACHE_HOME:-~/.cache}/hostsmith-mcp-test/hosts}/<pkg>@<version>
#
# (a scope's slash becomes '+'). A version already there (marked by .installed) is not downloaded
# again. A host that cannot be installed leaves <pkg>@<version>.failed with npm's words; the host's
# tests then fail with that reason (they are never skipped), so this script itself does not stop.
set -uo pipefail
cd "$(dirname "$0")/.."

cache=${HOSTSMITH_HOSTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hostsmith-mcp-test/hosts}
mkdir -p "$cache"

# "pkg version" lines from the pinned list.
mapfile -t pins < <(node -e '
  const v = require("./test/hosts/versions.json");
  for (const [pkg, { version }] of Object.entries(v)) console.log(pkg + " " + version);
')

start=$(date +%s)
installed=()
for pin in "${pins[@]}"; do
  read -r pkg version <<<"$pin"
  dir="$cache/${pkg//\//+}@$version"
  [[ -f "$dir/.installed" ]] && continue
  rm -rf "$dir" "$dir.failed" "$dir.partial"
  mkdir -p "$dir.partial"
  echo "Installing $pkg@$version into $dir …" >&2
  # --no-package-lock/--no-save: the cache folder is not a project. Native binaries come in npm
  # optional dependencies, which npm installs for this platform only. Claude Code declares
  # Node >= 22 but runs its own native binary, so the engine warning is expected on Node 20.
  if out=$(npm install --prefix "$dir.partial" --no-save --no-package-lock --no-audit --no-fund \
    --loglevel=error "$pkg@$version" 2>&1); then
    date -u +%FT%TZ >"$dir.partial/.installed"
    mv "$dir.partial" "$dir"
    installed+=("$pkg@$version")
  else
    rm -rf "$dir.partial"
    printf 'npm install %s@%s failed:\n%s\n' "$pkg" "$version" "$out" >"$dir.failed"
    echo "Could not install $pkg@$version (its host tests will fail): see $dir.failed" >&2
  fi
done
if ((${#installed[@]})); then
  echo "Installed ${installed[*]} in $(($(date +%s) - start)) s" >&2
fi
exit 0
