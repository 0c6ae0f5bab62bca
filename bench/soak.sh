#!/usr/bin/env bash
# Soak (issue 18, point 10; R7): the release server on loopback with the demo district (SQLite,
# synchronous=FULL), WARMUP seconds (default 120) of the load to fill the caches (the writer's
# page cache grows to its 64 MB as writes touch pages), then DURATION seconds (default 600) of
# mixed load from wrk (bench/soak.lua: dashboard, candidate list and page, alerts, API list and
# record, and 5 % writes), at the rate the box sustains (2 threads, 16 connections). Prints
# requests, rate, errors (non-2xx/3xx and socket errors) and the server's RSS sampled every 10 s
# during the measured window (flat: the mean of the last minute within 10 % of the mean of the
# first minute; single samples swing with the requests in flight). Exit status 0 when there is no
# error and the RSS is flat.
#   bash bench/soak.sh [DURATION] [WARMUP]
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-600}"
warmup="${2:-120}"
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
cargo build --release -p ketnap >/dev/null 2>&1
bin=target/release/ketnap
dir="$(mktemp -d)"
db="sqlite:$dir/soak.db"
port=18471
KETNAP_DB="$db" "$bin" demo --password soak-demo >/dev/null
token="$(KETNAP_DB="$db" "$bin" user token tochuc --name soak --days 2 | grep -Eo '[A-Za-z0-9_-]{32,}' | head -1)"
KETNAP_DB="$db" "$bin" serve --bind "127.0.0.1:$port" >"$dir/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
jar="$dir/jar"
csrf="$(curl -s -c "$jar" "http://127.0.0.1:$port/login" | grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//')"
curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "_csrf=$csrf" --data-urlencode "username=tochuc" \
  --data-urlencode "password=soak-demo" "http://127.0.0.1:$port/login"
cookie="$(awk '$6 == "id" || $6 ~ /ketnap/ {print $6 "=" $7}' "$jar" | tail -1)"
ids="$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/candidates?limit=200" \
  | grep -o '"pub_id":"[^"]*"' | sed 's/"pub_id":"//;s/"//' | paste -sd, -)"
cell="$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/candidates?limit=1" \
  | grep -o '"cell_pub_id":"[^"]*"' | head -1 | sed 's/"cell_pub_id":"//;s/"//')"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "http://127.0.0.1:$port/candidates")" = 200 ] \
  || { echo "soak: the login did not hold" >&2; exit 1; }
rss_log="$dir/rss"
if [ "$warmup" -gt 0 ]; then
  COOKIE="$cookie" TOKEN="$token" IDS="$ids" CELL="$cell" \
    wrk -t2 -c16 -d"${warmup}s" -s bench/soak.lua "http://127.0.0.1:$port" >"$dir/warmup.txt"
fi
( while kill -0 $pid 2>/dev/null; do
    awk '/VmRSS/ {print $2}' "/proc/$pid/status" >>"$rss_log" 2>/dev/null || true; sleep 10
  done ) &
sampler=$!
COOKIE="$cookie" TOKEN="$token" IDS="$ids" CELL="$cell" \
  wrk -t2 -c16 -d"${duration}s" --latency -s bench/soak.lua "http://127.0.0.1:$port" | tee "$dir/wrk.txt"
errors_http="$(grep -Eo 'Non-2xx or 3xx responses: [0-9]+' "$dir/wrk.txt" | grep -Eo '[0-9]+$' || echo 0)"
errors_socket="$(grep -Eo 'Socket errors: .*' "$dir/wrk.txt" || echo none)"
kill "$sampler" 2>/dev/null || true
samples=($(cat "$rss_log"))
n=${#samples[@]}
first="$(printf '%s\n' "${samples[@]:0:6}" | awk '{s+=$1} END {printf "%d", s/NR}')"
last="$(printf '%s\n' "${samples[@]:$((n > 6 ? n - 6 : 0))}" | awk '{s+=$1} END {printf "%d", s/NR}')"
max="$(printf '%s\n' "${samples[@]}" | sort -n | tail -1)"
min="$(printf '%s\n' "${samples[@]}" | sort -n | head -1)"
trend=$(( (last - first) * 100 / first ))
echo "soak: warm-up ${warmup} s, then ${duration} s; errors: ${errors_http} non-2xx/3xx, socket: ${errors_socket}"
echo "soak: RSS (kB, every 10 s): ${samples[*]}"
echo "soak: RSS mean of the first minute ${first} kB, of the last minute ${last} kB (${trend} %); min ${min}, max ${max}"
[ "$errors_http" = 0 ] && [ "$errors_socket" = none ] && [ "$trend" -le 10 ] && [ "$trend" -ge -10 ]
