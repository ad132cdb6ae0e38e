#!/usr/bin/env bash
# Issue 13 ("start anywhere"), end to end: a fresh clone in a folder only root can read, as root, runs
# `npm install`, `npm run demo` (must end READY) and lab-backed tests; then a fresh clone in an ordinary
# user's home, as that user, runs `npm install` and `npm run demo`. Needs root and the npm registry.
#
#   bash scripts/start-anywhere.sh [--ref COMMIT] [--user NAME] [--full]
#
# --ref: the commit to clone (default HEAD); --user: the ordinary user (default klairrdev, created if
# missing); --full: `npm test` as root instead of the two test files.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
ref=HEAD
user=klairrdev
full=0
while [ $# -gt 0 ]; do
  case "$1" in
    --ref) ref="$2"; shift 2 ;;
    --user) user="$2"; shift 2 ;;
    --full) full=1; shift ;;
    *) echo "usage: $0 [--ref COMMIT] [--user NAME] [--full]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "start-anywhere: run as root (it clones under /root and creates a user)" >&2; exit 2; }
commit="$(git -C "$src" rev-parse --verify "$ref^{commit}")"

private="$(mktemp -d /root/klairr-anywhere.XXXXXX)"
chmod 700 "$private"
home=""
cleanup() {
  rm -rf "$private"
  if [ -n "$home" ]; then rm -rf "$home/klairr-anywhere"; fi
}
trap cleanup EXIT

demo_ready() { # $1: the demo's exit code, $2: its log
  if [ "$1" = 0 ] && grep -q '^Verdict: READY$' "$2"; then echo "  npm run demo: READY"; else
    echo "  npm run demo exited $1 without READY:" >&2; tail -20 "$2" >&2; return 1
  fi
}

echo "== as root, in $private (mode 700), commit ${commit:0:12}"
git clone -q "$src" "$private/app"
git -C "$private/app" checkout -q "$commit"
(cd "$private/app" && npm install --no-audit --no-fund >"$private/install.log" 2>&1) ||
  { echo "  npm install failed:" >&2; tail -20 "$private/install.log" >&2; exit 1; }
echo "  npm install: ok"
rc=0; (cd "$private/app" && npm run demo >"$private/demo.log" 2>&1) || rc=$?
demo_ready "$rc" "$private/demo.log"
if [ "$full" = 1 ]; then
  (cd "$private/app" && npm test) || { echo "  npm test failed" >&2; exit 1; }
else
  (cd "$private/app" && npm run build >"$private/build.log" 2>&1) ||
    { echo "  npm run build failed:" >&2; tail -20 "$private/build.log" >&2; exit 1; }
  (cd "$private/app" && npx vitest run tests/unit/lab-staging.test.ts tests/integration/write-probe.test.ts) ||
    { echo "  tests failed" >&2; exit 1; }
fi

echo "== as $user, in their home"
id "$user" >/dev/null 2>&1 || useradd -m -s /bin/bash "$user"
home="$(getent passwd "$user" | cut -d: -f6)"
rm -rf "$home/klairr-anywhere"
mkdir -p "$home/klairr-anywhere"
git clone -q "$src" "$home/klairr-anywhere/app"
git -C "$home/klairr-anywhere/app" checkout -q "$commit"
chown -R "$user:" "$home/klairr-anywhere"
runuser -u "$user" -- bash -c 'cd "$1" && npm install --no-audit --no-fund >../install.log 2>&1' _ "$home/klairr-anywhere/app" ||
  { echo "  npm install failed:" >&2; tail -20 "$home/klairr-anywhere/install.log" >&2; exit 1; }
echo "  npm install: ok"
rc=0; runuser -u "$user" -- bash -c 'cd "$1" && npm run demo >../demo.log 2>&1' _ "$home/klairr-anywhere/app" || rc=$?
demo_ready "$rc" "$home/klairr-anywhere/demo.log"
echo "start-anywhere: all passed"
