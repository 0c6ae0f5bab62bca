#!/usr/bin/env bash
# The benchmark suite of issue 19, one command:
#   bash bench/run.sh [--scale district|province|national] [--engine sqlite|postgres|both]
#                     [--duration SECONDS] [--only B2,B3,…]
# Builds the release binaries (ketnap and bench/bare's ketnap-bare), generates the scale's data
# once per engine (`ketnap gen --scale S --seed 2026`; kept in target/bench-data/S.db and the
# PostgreSQL database ketnap_bench_S, reused while they exist), starts ketnap and the bare
# endpoint on loopback against the same database, and measures each view with wrk (2 threads,
# 16 connections, DURATION seconds, default 10, after a 2-second warm-up; a request may take up
# to 30 s) — ketnap logged in as
# the role that reads it, then the bare endpoint (the same store queries, no login, scope or
# template) — and prints one line per view: requests/s, p50, p99, the ratio to the bare
# endpoint, the target and whether it is met; then the servers' RSS (B6) and, on a copy of the
# data, B4: lifecycle steps per second through the full write path (bench/bare's ketnap-steps,
# 16 writers) beside the bare write of the same rows. Nothing here fails the build: the figures
# go to BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scale=district engine=sqlite duration=10 only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) scale="$2"; shift 2 ;;
    --engine) engine="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    *) echo "bench/run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
cargo build --release -p ketnap -p ketnap-bench-bare >/dev/null 2>&1 \
  || cargo build --release -p ketnap -p ketnap-bench-bare
bin=target/release/ketnap
bare=target/release/ketnap-bare
steps=target/release/ketnap-steps
data=target/bench-data
mkdir -p "$data"
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

want() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }

# percentile in ms from wrk --latency output ("50%" / "99%" lines; us, ms or s)
pct() {
  awk -v p="$1" '$1 == p {
    v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
    if (u == "us") v = v / 1000; else if (u == "s") v = v * 1000; else if (u == "m") v = v * 60000;
    printf "%.1f", v }' "$2"
}
rps() { awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$1"; }
errs() { local n; n="$(grep -Eo 'Non-2xx or 3xx responses: [0-9]+' "$1" | grep -Eo '[0-9]+$' || true)"; echo "${n:-0}"; }

# measure NAME URL_BASE COOKIE PATHS → prints "rps p50 p99 errors"
measure() {
  local out="$work/$1.txt"
  COOKIE="$3" PATHS="$4" wrk -t2 -c16 -d2s --timeout 30s -s bench/views.lua "$2" >/dev/null 2>&1 || true
  COOKIE="$3" PATHS="$4" wrk -t2 -c16 -d"${duration}s" --timeout 30s --latency -s bench/views.lua "$2" >"$out" 2>&1
  echo "$(rps "$out") $(pct 50% "$out") $(pct 99% "$out") $(errs "$out")"
}

# line VIEW TARGET_TEXT CHECK(ketnap p50 p99 rps ratio → 0/1) KETNAP BARE
report_line() {
  local view="$1" target="$2" check="$3" k="$4" b="$5"
  read -r krps kp50 kp99 kerr <<<"$k"
  read -r brps bp50 bp99 berr <<<"$b"
  local ratio met
  ratio="$(awk -v a="$krps" -v b="$brps" 'BEGIN { if (b > 0) printf "%.0f %%", 100 * a / b; else print "—" }')"
  if awk -v p50="$kp50" -v p99="$kp99" -v rps="$krps" -v brps="$brps" "BEGIN { r = (brps > 0) ? rps / brps : 0; exit !(rps > 0 && ($check)) }"; then met=met; else met=MISSED; fi
  printf "| %s | %s | %s | %s req/s, p50 %s ms, p99 %s ms%s | %s req/s, p50 %s ms, p99 %s ms | %s | %s | %s |\n" \
    "$engine_now" "$scale" "$view" "$krps" "$kp50" "$kp99" "$([ "$kerr" = 0 ] || echo ", $kerr errors")" \
    "$brps" "$bp50" "$bp99" "$ratio" "$target" "$met"
}

run_engine() {
  engine_now="$1"
  local url
  if [ "$engine_now" = sqlite ]; then
    url="sqlite:$data/$scale.db"
    if [ ! -f "$data/$scale.db" ]; then
      echo "generating $scale on SQLite…" >&2
      "$bin" --db "$url" gen --scale "$scale" --seed 2026 --password bench-demo >"$data/$scale.sqlite.gen.txt"
      tail -1 "$data/$scale.sqlite.gen.txt" >&2
    fi
  else
    local base
    base="$(bash scripts/postgres.sh 2>/dev/null)"
    url="${base%/*}/ketnap_bench_$scale"
    if ! PGPASSWORD=ketnap psql -h 127.0.0.1 -U ketnap -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'ketnap_bench_$scale'" | grep -q 1; then
      PGPASSWORD=ketnap psql -h 127.0.0.1 -U ketnap -d postgres -qc "CREATE DATABASE ketnap_bench_$scale" >/dev/null
      echo "generating $scale on PostgreSQL…" >&2
      "$bin" --db "$url" gen --scale "$scale" --seed 2026 --password bench-demo >"$data/$scale.postgres.gen.txt"
      tail -1 "$data/$scale.postgres.gen.txt" >&2
    fi
  fi
  # B5 beyond a district reads as the province's staff (at national scale the admin's scope is
  # all 34 provinces): the account is added once (an existing one is left as it is).
  if [ "$scale" != district ]; then
    "$bin" --db "$url" user add tinh --name "Cán bộ tổ chức tỉnh" --role org_staff --org TG \
      --password bench-demo >/dev/null 2>&1 || true
  fi
  "$bin" --db "$url" alert-pass >&2
  # Each engine its own ports: the previous server may still be finishing its last requests.
  local port=18561 bport=18562
  if [ "$engine_now" = postgres ]; then port=18571; bport=18572; fi
  KETNAP_DB="$url" "$bin" serve --bind "127.0.0.1:$port" >"$work/serve-$engine_now.log" 2>&1 &
  local kpid=$!; pids+=("$kpid")
  "$bare" --db "$url" --bind "127.0.0.1:$bport" >"$work/bare-$engine_now.log" 2>&1 &
  local bpid=$!; pids+=("$bpid")
  for _ in $(seq 300); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && curl -sf "http://127.0.0.1:$bport/ids" >/dev/null && break
    sleep 0.2
  done
  local ids; ids="$(curl -sf "http://127.0.0.1:$bport/ids")"
  j() { printf '%s' "$ids" | grep -o "\"$1\":\"[^\"]*\"" | sed "s/\"$1\":\"//;s/\"$//"; }
  local province district commune stage word cand year
  province="$(j province)"; district="$(j district)"; commune="$(j commune)"
  stage="$(j stage)"; word="$(j word)"; cand="$(j candidacy)"; year="$(date -u +%Y)"
  login() {
    local jar="$work/jar-$1"
    local csrf
    csrf="$(curl -s -c "$jar" "http://127.0.0.1:$port/login" | grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//')"
    curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "_csrf=$csrf" --data-urlencode "username=$1" \
      --data-urlencode "password=bench-demo" "http://127.0.0.1:$port/login"
    awk '$6 == "id" || $6 ~ /ketnap/ {print $6 "=" $7}' "$jar" | tail -1
  }
  local staff admin
  staff="$(login tochuc)"; admin="$(login admin)"
  # A data file made without `--password bench-demo` logs in to nothing, and wrk counts the
  # redirects to /login as answers: stop instead of measuring them.
  if [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $staff" "http://127.0.0.1:$port/")" != 200 ]; then
    echo "bench/run.sh: cannot log in as tochuc with bench-demo (was $data/$scale.db generated by this script?)" >&2
    exit 1
  fi
  local K="http://127.0.0.1:$port" B="http://127.0.0.1:$bport"
  local list_k="/candidates?org=$commune&stage=$stage&q=$word" list_b="/list?org=$commune&stage=$stage&q=$word"
  if want B1; then
    report_line "B1 plan against actual at a province root, $year" "p50 ≤ 50 ms" "p50 <= 50" \
      "$(measure b1k "$K" "$admin" "/plans?org=$province&period=$year")" \
      "$(measure b1b "$B" "" "/rollup?year=$year")"
  fi
  if want B2; then
    report_line "B2 commune list, stage + name search" "p99 ≤ 20 ms" "p99 <= 20" \
      "$(measure b2k "$K" "$staff" "$list_k")" "$(measure b2b "$B" "" "$list_b")"
  fi
  if want B3; then
    report_line "B3 mixed reads (dashboard, list, candidate, alerts)" "≥ 60 % of bare, p99 ≤ 20 ms" "r >= 0.6 && p99 <= 20" \
      "$(measure b3k "$K" "$staff" "/|$list_k|/candidates/$cand|/alerts")" \
      "$(measure b3b "$B" "" "/dashboard?org=$district|$list_b|/candidacy/$cand|/alerts?org=$district")"
  fi
  if want B5; then
    local who="$staff" org="$district" t="p50 ≤ 10 ms" c="p50 <= 10"
    if [ "$scale" != district ]; then who="$(login tinh)"; org="$province"; t="p50 ≤ 100 ms"; c="p50 <= 100"; fi
    report_line "B5 dashboard ($([ "$scale" = district ] && echo district || echo province))" "$t" "$c" \
      "$(measure b5dk "$K" "$who" "/")" "$(measure b5db "$B" "" "/dashboard?org=$org")"
    report_line "B5 year report ($([ "$scale" = district ] && echo district || echo province))" "$t" "$c" \
      "$(measure b5rk "$K" "$who" "/reports?org=$org&period=$year")" "$(measure b5rb "$B" "" "/report?org=$org&year=$year")"
  fi
  local rss hwm
  rss="$(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' /proc/$kpid/status)"
  hwm="$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' /proc/$kpid/status)"
  echo "| $engine_now | $scale | B6 server RSS after the runs (peak) | $rss MB ($hwm MB) | — | — | ≤ 150 MB (national, SQLite) | $([ "$hwm" -le 150 ] && echo met || echo MISSED) |"
  kill "$kpid" "$bpid" 2>/dev/null || true
  wait "$kpid" "$bpid" 2>/dev/null || true
  if want B4; then
    # Steps write: on a copy of the data (a file copy; a database made from the template).
    local copy
    if [ "$engine_now" = sqlite ]; then
      cp "$data/$scale.db" "$work/steps.db"; copy="sqlite:$work/steps.db"
    else
      PGPASSWORD=ketnap psql -h 127.0.0.1 -U ketnap -d postgres -qc "DROP DATABASE IF EXISTS ketnap_bench_steps" >/dev/null
      PGPASSWORD=ketnap psql -h 127.0.0.1 -U ketnap -d postgres -qc \
        "CREATE DATABASE ketnap_bench_steps TEMPLATE ketnap_bench_$scale" >/dev/null
      copy="${url%/*}/ketnap_bench_steps"
    fi
    local ks bs
    ks="$("$steps" --db "$copy" --duration "$duration")"
    bs="$("$steps" --db "$copy" --duration "$duration" --bare)"
    field() { printf '%s' "$1" | grep -o "\"$2\":[0-9.]*" | cut -d: -f2 | awk '{printf "%.1f", $1}'; }
    local kr br
    kr="$(field "$ks" per_second)"; br="$(field "$bs" per_second)"
    printf "| %s | %s | B4 lifecycle steps (assign a mentor), 16 writers | %.0f steps/s, p50 %s ms, p99 %s ms | %.0f steps/s, p50 %s ms, p99 %s ms | %s | ≥ 2,000 steps/s | %s |\n" \
      "$engine_now" "$scale" "$kr" "$(field "$ks" p50_ms)" "$(field "$ks" p99_ms)" \
      "$br" "$(field "$bs" p50_ms)" "$(field "$bs" p99_ms)" \
      "$(awk -v a="$kr" -v b="$br" 'BEGIN { printf "%.0f %%", 100 * a / b }')" \
      "$(awk -v a="$kr" 'BEGIN { print (a >= 2000) ? "met" : "MISSED" }')"
    if [ "$engine_now" = postgres ]; then
      PGPASSWORD=ketnap psql -h 127.0.0.1 -U ketnap -d postgres -qc "DROP DATABASE IF EXISTS ketnap_bench_steps" >/dev/null
    fi
  fi
}

echo "bench/run.sh --scale $scale --engine $engine --duration $duration, $(date -u +%F), $(nproc) CPU, $(uname -r)"
echo
echo "| engine | scale | view | ketnap | bare endpoint | ketnap ÷ bare | target | |"
echo "|---|---|---|---|---|---|---|---|"
case "$engine" in
  sqlite) run_engine sqlite ;;
  postgres) run_engine postgres ;;
  both) run_engine sqlite; run_engine postgres ;;
  *) echo "bench/run.sh: --engine sqlite|postgres|both" >&2; exit 2 ;;
esac
