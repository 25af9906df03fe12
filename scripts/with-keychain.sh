#!/usr/bin/env bash
# Runs a command inside a private D-Bus session bus with GNOME Keyring's Secret Service running and
# unlocked, so @napi-rs/keyring (pinned to the Secret Service on Linux) reaches a real keychain.
#
#   scripts/with-keychain.sh npm test
#
# The keyring lives in a throw-away folder (the daemon's own XDG_DATA_HOME), so the person's real
# keyrings are never read, unlocked or written, and every run starts empty. The command itself keeps
# the caller's environment, plus DBUS_SESSION_BUS_ADDRESS and HOSTSMITH_TEST_KEYRING_PID (the
# daemon's pid, which the timeout test stops with SIGSTOP).
# Needs the Debian packages dbus (dbus-run-session), gnome-keyring and libsecret-tools.
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 COMMAND [ARG…]" >&2
  exit 2
fi

if [[ "${1:-}" != "--inside-bus" ]]; then
  for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "$0: $tool not found; install the Debian packages dbus gnome-keyring libsecret-tools" >&2
      exit 127
    fi
  done
  exec dbus-run-session -- "$0" --inside-bus "$@"
fi
shift

keyring_home=$(mktemp -d "${TMPDIR:-/tmp}/hostsmith-keyring.XXXXXX")
daemon_pid=""
cleanup() {
  if [[ -n "$daemon_pid" ]]; then
    kill -CONT "$daemon_pid" 2>/dev/null || true
    kill "$daemon_pid" 2>/dev/null || true
  fi
  rm -rf "$keyring_home"
}
trap cleanup EXIT

# --foreground keeps the daemon our child (its pid is known and it dies with us); the password on
# stdin creates and unlocks the `login` collection, which becomes the default one.
printf 'hostsmith-test' | XDG_DATA_HOME="$keyring_home" \
  gnome-keyring-daemon --foreground --unlock --components=secrets >"$keyring_home/daemon.out" 2>&1 &
daemon_pid=$!

# Wait until the daemon owns org.freedesktop.secrets on this bus (normally well under a second).
owned=""
for _ in $(seq 1 200); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
    owned=1
    break
  fi
  if ! kill -0 "$daemon_pid" 2>/dev/null; then
    echo "$0: gnome-keyring-daemon exited early:" >&2
    cat "$keyring_home/daemon.out" >&2
    exit 1
  fi
  sleep 0.05
done
if [[ -z "$owned" ]]; then
  echo "$0: gnome-keyring-daemon did not take org.freedesktop.secrets on the session bus within 10 s:" >&2
  cat "$keyring_home/daemon.out" >&2
  exit 1
fi

export HOSTSMITH_TEST_KEYRING_PID="$daemon_pid"
status=0
"$@" || status=$?
exit "$status"
