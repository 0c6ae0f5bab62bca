#!/usr/bin/env bash
# Real-browser journeys (tests/e2e): headless Debian Chromium against a demo server.
#
#   scripts/e2e.sh [path/to/ketnap]        # default: target/debug/ketnap
#
# Builds nothing: build the binary first (cargo build -p ketnap). Installs only what is missing:
# the Debian packages `chromium` and `chromium-driver` (with two font packages), and
# tests/e2e/node_modules (npm ci from the committed lock file; Playwright never downloads a
# browser). Starts
# `ketnap --db sqlite:<tmp>/e2e.db serve --demo --bind 127.0.0.1:<free port>`, waits for
# /healthz, and a second `ketnap serve` on an empty database (KETNAP_BLANK_URL, for the first-run
# journey), runs `node tests/e2e/run.mjs <url>` and stops both servers on every exit.
# Screenshots land in target/screenshots/. Env: KETNAP_DEMO_PASSWORD (default ketnap-demo),
# E2E_ONLY=<part of a journey name>, E2E_KEEP=1 keeps the temporary folder (db + server log).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

say() { printf '\n== %s\n' "$*"; }

bin=${1:-target/debug/ketnap}
case $bin in /*) ;; *) bin="$repo/$bin" ;; esac
if [ ! -x "$bin" ]; then
  echo "no ketnap binary at $bin: build it first (cargo build -p ketnap) or pass its path" >&2
  exit 2
fi

if [ ! -x /usr/bin/chromium ]; then
  # The fonts too: without recommends nothing else brings a font with Vietnamese marks, and
  # app.css names Liberation Sans for Linux.
  say "installing chromium, chromium-driver and fonts (Debian packages, missing)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver fonts-liberation fonts-dejavu-core
fi

if ! command -v pdftoppm >/dev/null 2>&1; then
  # The printed documents are turned into PNG pages for review (target/screenshots/forms/).
  say "installing poppler-utils (pdftoppm, missing)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends poppler-utils
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "node and npm are needed for the browser tests (Node >= 20)" >&2
  exit 2
fi

if [ ! -d tests/e2e/node_modules ]; then
  say "npm ci in tests/e2e (node_modules missing)"
  (cd tests/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ketnap-e2e.XXXXXX")
pids=()
cleanup() {
  local rc=$?
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  if [ "$rc" -ne 0 ]; then
    for log in "$tmp"/*.log; do
      [ -s "$log" ] || continue
      echo "--- last lines of $log" >&2
      tail -n 40 "$log" >&2 || true
    done
  fi
  if [ "${E2E_KEEP:-}" = "1" ] || [ "$rc" -ne 0 ]; then
    echo "kept $tmp" >&2
  else
    rm -rf "$tmp"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A free port: ask the kernel for one, then release it for the server.
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# start NAME URL ARGS...: `ketnap --db sqlite:<tmp>/NAME.db serve ARGS` in the background, logged
# to <tmp>/NAME.log, then wait for URL/healthz (the first start migrates, and with --demo
# generates the demo district: give it time).
start() {
  local name=$1 url=$2
  shift 2
  "$bin" --db "sqlite:$tmp/$name.db" serve "$@" >"$tmp/$name.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 600); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "ketnap ($name) exited before answering /healthz" >&2
      return 1
    fi
    if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$url/healthz"; then
      return 0
    fi
    sleep 0.2
  done
  echo "ketnap ($name) did not answer $url/healthz within 120 s" >&2
  return 1
}

port=$(free_port)
url="http://127.0.0.1:$port"
say "starting ketnap serve --demo on $url"
start e2e "$url" --demo --bind "127.0.0.1:$port"

# A second server on an empty database, for the first-run journey (setup page, then imports).
blank_port=$(free_port)
blank_url="http://127.0.0.1:$blank_port"
say "starting ketnap serve on an empty database on $blank_url"
start blank "$blank_url" --bind "127.0.0.1:$blank_port"

say "an organisation staff account with a second factor (ketnap user totp)"
"$bin" --db "sqlite:$tmp/e2e.db" user add hai.buoc --name "Cán bộ hai bước" --role org_staff \
  --org TG.HL --password "${KETNAP_DEMO_PASSWORD:-ketnap-demo}" >/dev/null
totp_secret=$("$bin" --db "sqlite:$tmp/e2e.db" user totp hai.buoc | grep -E '^[A-Z2-7]{32}$')

say "browser journeys"
mkdir -p target/screenshots
KETNAP_BLANK_URL="$blank_url" KETNAP_TOTP_USER=hai.buoc KETNAP_TOTP_SECRET="$totp_secret" \
  KETNAP_SCREENSHOTS="$repo/target/screenshots" node tests/e2e/run.mjs "$url"
