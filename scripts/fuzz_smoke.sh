#!/usr/bin/env bash
# Builds every cargo-fuzz target in fuzz/ and runs each for SECONDS (default 30) from
# fresh seeds, with debug assertions on. CI runs it so the targets always build and run;
# the 10-minute runs that BENCHMARKS.md reports use the same commands with -max_total_time=600.
#
#   scripts/fuzz_smoke.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"

if ! command -v cargo-fuzz >/dev/null; then
    cargo install cargo-fuzz --locked --version 0.13.1
fi
# Seeds for every action and output type, and a dictionary of every field name.
cargo run --quiet -p qcapi-bench --bin qcapi-load -- fuzz-seeds fuzz/corpus

cd fuzz
# cargo-fuzz passes -Z flags to rustc; the stable toolchain accepts them with RUSTC_BOOTSTRAP.
export RUSTC_BOOTSTRAP=1
cargo fuzz build -a
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for target in parse_response params_validate emulator_request; do
    echo "== fuzz $target for ${seconds} s"
    if ! cargo fuzz run -a "$target" "corpus/$target" -- \
        -dict=corpus/qcapi.dict -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
        tail -n 60 "$log" >&2
        echo "fuzz target $target failed; the input is under fuzz/artifacts/$target/" >&2
        exit 1
    fi
    grep -E "^(Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb)" "$log" || true
done
