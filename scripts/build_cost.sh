#!/usr/bin/env bash
# Build cost of two commits, side by side (BENCHMARKS.md, "A lean core"):
#   scripts/build_cost.sh BEFORE [AFTER]      (AFTER defaults to HEAD)
# For each commit, in a detached worktree under $WORK (default /tmp/build-cost) and
# each build from an empty target directory: the generated lines, a clean release
# build of qcapi-ureq with its example binary, and a clean `cargo test --workspace`
# (build and run), each timed with /usr/bin/time (wall, and CPU = user + sys).
# Prints one Markdown table row per measurement. Run it on a quiet machine: it
# takes about half an hour on 2 cores and ~15 GB of disk.
set -euo pipefail

before=${1:?usage: scripts/build_cost.sh BEFORE [AFTER]}
after=${2:-HEAD}
work=${WORK:-/tmp/build-cost}
repo=$(git rev-parse --show-toplevel)
mkdir -p "$work"

timed() { # label dir command...: prints "label | wall | cpu"
    local label=$1 dir=$2
    shift 2
    local log
    log=$(mktemp)
    (cd "$dir" && /usr/bin/time -f '%e %U %S' -o "$log" "$@" >"$log.out" 2>&1) ||
        { echo "$label failed:" >&2; tail -20 "$log.out" >&2; exit 1; }
    read -r wall user sys <"$log"
    awk -v l="$label" -v w="$wall" -v u="$user" -v s="$sys" 'BEGIN { printf "%s | %.0f s | %.0f s\n", l, w, u + s }'
}

for rev in "$before" "$after"; do
    sha=$(git -C "$repo" rev-parse --short "$rev")
    tree=$work/tree-$sha
    [ -d "$tree" ] || git -C "$repo" worktree add -q --detach "$tree" "$sha"
    lines=$(cat "$tree"/crates/qcapi-core/src/generated/*.rs "$tree"/crates/qcapi-core/src/generated/*/*.rs | wc -l)
    echo "$sha | generated lines | $lines"
    rm -rf "$work/target-rel-$sha" "$work/target-test-$sha"
    CARGO_TARGET_DIR=$work/target-rel-$sha timed "$sha | clean release build, qcapi-ureq + example" "$tree" \
        cargo build --release --locked -p qcapi-ureq --example describe_vpcs
    CARGO_TARGET_DIR=$work/target-test-$sha timed "$sha | clean cargo test --workspace" "$tree" \
        cargo test --locked --workspace
    rm -rf "$work/target-test-$sha"
done
for rev in "$before" "$after"; do
    git -C "$repo" worktree remove --force "$work/tree-$(git -C "$repo" rev-parse --short "$rev")"
done
