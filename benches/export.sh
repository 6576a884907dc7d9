#!/usr/bin/env bash
# Export throughput and memory against `packets --format json`, and a batch
# of two captures against one, in one run: the commands alternate, the files
# are in the page cache; median wall time of RUNS runs each, peak memory
# from GNU time.
#
#   sudo BENCH_ROUNDS=300 BENCH_BULK_MB=100 bash samples/record.sh bench
#   bash benches/export.sh [DIR] [RUNS]     # prints the table for README.md
#
# The batch rows read two copies of DIR/bench.pcapng (a.pcapng, b.pcapng);
# on two cores or more the ideal is 1.0× the time of one.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/tmp/netexplain-bench}
runs=${2:-5}
bin=$PWD/target/release/netexplain
cargo build --release --quiet
src=$dir/bench.pcapng
[[ -e $src ]] || { echo "missing $src: run samples/record.sh bench first" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$src" "$work/a.pcapng"
cp "$src" "$work/b.pcapng"
frames=$(capinfos -M -c "$src" | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')
bytes=$(stat -c %s "$src")
echo "capture: $src, $frames frames, $((bytes / 1000000)) MB, $(nproc) cores"

declare -A cmd=(
    [packets json]="$bin packets $work/a.pcapng --format json --no-summary > /dev/null"
    [export]="rm -rf $work/ds && $bin export --to $work/ds $work/a.pcapng"
    [explain 1 file -o DIR/]="rm -rf $work/r && $bin explain $work/a.pcapng --format json -o $work/r/"
    [explain 2 files -o DIR/]="rm -rf $work/r && $bin explain $work/a.pcapng $work/b.pcapng --format json -o $work/r/"
    [export 2 files]="rm -rf $work/ds && $bin export --to $work/ds $work/a.pcapng $work/b.pcapng"
)
order=("packets json" "export" "explain 1 file -o DIR/" "explain 2 files -o DIR/" "export 2 files")
cat "$work/a.pcapng" "$work/b.pcapng" >/dev/null

declare -A times rss
for ((r = 0; r < runs; r++)); do
    for name in "${order[@]}"; do
        t0=$(date +%s.%N)
        sh -c "${cmd[$name]}" 2>/dev/null
        t1=$(date +%s.%N)
        times[$name]+="$(echo "$t1 - $t0" | bc) "
    done
done
for name in "${order[@]}"; do
    rss[$name]=$(/usr/bin/time -v sh -c "${cmd[$name]}" 2>&1 >/dev/null |
        awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print int($2 / 1024)}')
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
declare -A med
for name in "${order[@]}"; do med[$name]=$(echo "${times[$name]}" | median); done
size=$(du -sb "$work/ds" 2>/dev/null | cut -f1 || echo 0)
printf '\n| command | median s | frames/s | MB/s | peak RSS MB | ratio |\n| --- | ---: | ---: | ---: | ---: | ---: |\n'
for name in "${order[@]}"; do
    case $name in
        export) ref=${med[packets json]}; what="vs packets json" ;;
        "explain 2 files -o DIR/") ref=${med[explain 1 file -o DIR/]}; what="vs 1 file" ;;
        "export 2 files") ref=${med[export]}; what="vs 1 file" ;;
        *) ref=${med[$name]}; what="" ;;
    esac
    n=1
    [[ $name == *"2 files"* ]] && n=2
    python3 -c 'import sys
name, t, ref, frames, size, rss, n, what = sys.argv[1:]
t, ref, frames, size, n = float(t), float(ref), float(frames), float(size), int(n)
ratio = f"{t / ref:.2f}× {what}" if what else ""
print(f"| `{name}` | {t:.3f} | {n * frames / t:,.0f} | {n * size / t / 1e6:,.0f} | {rss} | {ratio} |")' \
        "$name" "${med[$name]}" "$ref" "$frames" "$bytes" "${rss[$name]}" "$n" "$what"
done
echo
echo "Parquet dataset of the two copies: $((size / 1000000)) MB"
