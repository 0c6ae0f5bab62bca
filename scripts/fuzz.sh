#!/usr/bin/env bash
# Fuzz every target of fuzz/ with libFuzzer (cargo-fuzz), each for SECONDS (default 60; the
# importers twice as long), from the committed seeds (fuzz/seeds/<target>) and the corpus kept
# between runs (fuzz/corpus/<target>, not committed). Prints the executions of each target and
# the total; stops at the first crash (its input is in fuzz/artifacts/<target>/).
# Installs cargo-fuzz when missing. Runs on the stable toolchain: no sanitizer (`-s none`; the
# code is safe Rust, the C of SQLite is not instrumented either way), release with debug
# assertions.
#   bash scripts/fuzz.sh [SECONDS] [TARGET…]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(importers sheet person_form step_json dates_numbers folding rules_toml)
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
cd fuzz
cargo fuzz build -s none -O >/dev/null
total=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  secs="$seconds"
  [ "$t" = importers ] && secs=$((seconds * 2))
  log="$(mktemp)"
  if ! cargo fuzz run "$t" -s none -O "corpus/$t" "seeds/$t" -- \
      -max_total_time="$secs" -rss_limit_mb=4096 -max_len=65536 >"$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz: $t crashed; the input is under fuzz/artifacts/$t/" >&2
    exit 1
  fi
  runs="$(grep -o 'Done [0-9]* runs' "$log" | tail -1 | awk '{print $2}')"
  echo "fuzz: $t: ${runs:-0} executions in ${secs} s, no crash"
  total=$((total + ${runs:-0}))
  rm -f "$log"
done
echo "fuzz: total ${total} executions, no crash"
