#!/usr/bin/env bash
# Installs one pinned npm package into a per-machine cache folder outside the repository, and
# prints the absolute path of one of its bins. A second run finds it and downloads nothing.
#
#   scripts/npm-cache-install.sh node@22.23.3                        # → …/node_modules/.bin/node
#   scripts/npm-cache-install.sh @modelcontextprotocol/inspector@2.12.0 mcp-inspector
#
# The version must be exact (x.y.z…): it is the cache key, so a range would pin nothing.
# The cache is $HOSTSMITH_TEST_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/hostsmith-mcp-test; each
# package gets its own folder, npm/<name>@<version> (a scope's "/" written "+"). The install goes
# to a temporary folder renamed into place when it succeeded, so an interrupted install leaves
# nothing behind and two runs at once cannot see each other's half-done folder.
# Install scripts run: the `node` package fetches its platform's binary in one.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 NAME@EXACT-VERSION [BIN]" >&2
  exit 2
fi
spec=$1
name=${spec%@*}
version=${spec##*@}
if [[ -z "$name" || "$name" == "$spec" || ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]]; then
  echo "$0: '$spec' is not NAME@EXACT-VERSION (e.g. node@22.23.3): the version is the cache key" >&2
  exit 2
fi
bin=${2:-${name##*/}}

root=${HOSTSMITH_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hostsmith-mcp-test}
dir="$root/npm/${name//\//+}@$version"
target="$dir/node_modules/.bin/$bin"

if [[ ! -f "$dir/.installed" ]]; then
  mkdir -p "$root/npm"
  tmp=$(mktemp -d "$dir.tmp.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  # A package.json of its own, so npm installs here and not into a project above.
  printf '{ "name": "hostsmith-mcp-test-cache", "private": true }\n' >"$tmp/package.json"
  echo "Installing $spec into $dir …" >&2
  if ! (cd "$tmp" && npm install --save-exact --no-audit --no-fund --prefer-offline --loglevel=error "$spec" >&2); then
    echo "$0: npm could not install $spec (see above)" >&2
    exit 1
  fi
  touch "$tmp/.installed"
  # Another run may have finished first: keep its folder, drop ours.
  if mv -T "$tmp" "$dir" 2>/dev/null; then trap - EXIT; fi
fi

if [[ ! -x "$target" ]]; then
  echo "$0: $spec is installed in $dir but has no bin '$bin' (name it as the second argument)" >&2
  exit 1
fi
# The bin's own path, not the .bin link: `node` must be called by its real path (a link in
# node_modules/.bin is fine for scripts, but keep one answer for both).
printf '%s\n' "$(readlink -f "$target")"
