#!/usr/bin/env bash
# A batch of two ~100 MB captures against one: `explain … -o DIR/` and
# `export --to DIR` on one copy of the bench capture, then on two copies in
# one batch. On two cores or more the batch's worker pool runs one worker
# per capture, so the wall-time ratio should stay at or below 1.4; the CPU
# time (user + system) of two should be about twice that of one, which
# shows the workers do not wait on each other or on a shared lock.
#
#   sudo BENCH_ROUNDS=300 BENCH_BULK_MB=100 bash samples/record.sh bench
#   bash benches/batch.sh [DIR] [RUNS]
#
# The captures are copied outside git (a temporary directory) and read once
# beforehand so that both come from the page cache. Wall times are medians
# of RUNS runs (default 3), alternating one and two; the load average is
# printed with them, since other work on the machine makes the wall ratio
# noisy while the CPU-time ratio hardly moves.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/tmp/netexplain-bench}
runs=${2:-3}
bin=$PWD/target/release/netexplain
cargo build --release --quiet
src=$dir/bench.pcapng
[[ -e $src ]] || { echo "missing $src: run samples/record.sh bench first" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$src" "$work/a.pcapng"
cp "$src" "$work/b.pcapng"
cat "$work/a.pcapng" "$work/b.pcapng" >/dev/null
echo "capture: two copies of $src, $(($(stat -c %s "$src") / 1000000)) MB each, $(nproc) cores"
echo "before: $(uptime)"

declare -A cmd=(
    [explain 1]="rm -rf $work/r && $bin explain $work/a.pcapng --format json -o $work/r/"
    [explain 2]="rm -rf $work/r && $bin explain $work/a.pcapng $work/b.pcapng --format json -o $work/r/"
    [export 1]="rm -rf $work/ds && $bin export --to $work/ds $work/a.pcapng"
    [export 2]="rm -rf $work/ds && $bin export --to $work/ds $work/a.pcapng $work/b.pcapng"
)
order=("explain 1" "explain 2" "export 1" "export 2")
declare -A wall cpu rss
for ((r = 0; r < runs; r++)); do
    for name in "${order[@]}"; do
        # GNU time: elapsed, user + system seconds, peak RSS in KB.
        line=$(/usr/bin/time -f '%e %U %S %M' sh -c "${cmd[$name]} >/dev/null 2>&1" 2>&1 | tail -1)
        read -r e u s m <<<"$line"
        wall[$name]+="$e "
        cpu[$name]+="$(echo "$u + $s" | bc) "
        rss[$name]=$m
    done
done
echo "after:  $(uptime)"
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
printf '\n| command | captures | median wall s | median CPU s | peak RSS MB |\n| --- | ---: | ---: | ---: | ---: |\n'
declare -A mw mc
for name in "${order[@]}"; do
    mw[$name]=$(echo "${wall[$name]}" | median)
    mc[$name]=$(echo "${cpu[$name]}" | median)
    printf '| `%s` | %s | %s | %s | %s |\n' "${name% *}" "${name##* }" "${mw[$name]}" "${mc[$name]}" "$((rss[$name] / 1024))"
done
echo
for job in explain export; do
    python3 -c 'import sys
job, w1, w2, c1, c2 = sys.argv[1], *map(float, sys.argv[2:])
verdict = "within" if w2 / w1 <= 1.4 else "OVER"
print(f"{job}: WALL RATIO two/one = {w2 / w1:.2f} ({verdict} 1.4); CPU ratio two/one = {c2 / c1:.2f} (2.00 = no shared work lost)")' \
        "$job" "${mw[$job 1]}" "${mw[$job 2]}" "${mc[$job 1]}" "${mc[$job 2]}"
done
