#!/usr/bin/env bash
# Times netexplain against tcpdump and tshark on the same large capture, in
# one run, the commands alternating, the file in the page cache; medians of
# several runs (hyperfine), peak memory from /usr/bin/time -v.
#
#   sudo bash samples/record.sh bench        # once: builds /tmp/netexplain-bench/bench.pcap{,ng}
#   bash benches/compare.sh [DIR] [RUNS]     # prints the table for README.md
#   BEFORE=/path/to/old/netexplain bash benches/compare.sh
#                                            # adds the old build's rows, timed
#                                            # in the same run, to compare a change
#
# Needs: hyperfine, tcpdump, tshark, GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/tmp/netexplain-bench}
runs=${2:-5}
bin=$PWD/target/release/netexplain
cargo build --release --quiet
for f in "$dir/bench.pcapng" "$dir/bench.pcap"; do
    [[ -e $f ]] || { echo "missing $f: run 'sudo bash samples/record.sh bench' first" >&2; exit 1; }
done
pcapng=$dir/bench.pcapng
frames=$(capinfos -M -c "$pcapng" | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')
bytes=$(stat -c %s "$pcapng")
echo "capture: $pcapng, $frames frames, $((bytes / 1000000)) MB"

fields=(-e frame.number -e dns.qry.name -e tcp.flags -e tls.handshake.extensions_server_name)
declare -A cmd=(
    [cat]="cat $pcapng"
    [netexplain packets]="$bin packets $pcapng --color never"
    [netexplain packets json]="$bin packets $pcapng --format json --no-summary"
    [netexplain packets stdin]="$bin packets - --color never < $pcapng"
    [netexplain explain]="$bin explain $pcapng --color never"
    [netexplain conversations]="$bin conversations $pcapng"
    [netexplain packets (pcap)]="$bin packets $dir/bench.pcap --color never"
    [tcpdump -nn -r]="tcpdump -nn -r $pcapng"
    [tshark fields]="tshark -n -r $pcapng -T fields ${fields[*]}"
    [tshark conv,tcp]="tshark -n -q -r $pcapng -z conv,tcp"
)
order=("cat" "netexplain packets" "netexplain packets json" "netexplain packets stdin" \
    "netexplain packets (pcap)" "netexplain explain" "netexplain conversations" "tcpdump -nn -r" \
    "tshark fields" "tshark conv,tcp")
if [[ -n ${BEFORE:-} ]]; then
    cmd[before: packets]="$BEFORE packets $pcapng --color never"
    cmd[before: packets json]="$BEFORE packets $pcapng --format json --no-summary"
    cmd[before: explain]="$BEFORE explain $pcapng --color never"
    cmd[before: conversations]="$BEFORE conversations $pcapng"
    order+=("before: packets" "before: packets json" "before: explain" "before: conversations")
fi

cat "$pcapng" "$dir/bench.pcap" >/dev/null # into the page cache
json=$(mktemp)
args=()
for name in "${order[@]}"; do
    args+=(--command-name "$name" "${cmd[$name]} > /dev/null 2>&1")
done
# hyperfine runs each command in turn; --runs applies to all.
hyperfine --warmup 1 --runs "$runs" --style basic --export-json "$json" "${args[@]}" >/dev/null

declare -A median rss
while IFS=$'\t' read -r name m; do median[$name]=$m; done < <(
    python3 -c 'import json,sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(r["command"], r["median"], sep="\t")' "$json")
rm -f "$json"
for name in "${order[@]}"; do
    rss[$name]=$(/usr/bin/time -v sh -c "${cmd[$name]} > /dev/null 2>&1" 2>&1 |
        awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print int($2 / 1024)}')
done

t_cat=${median[cat]}
t_tcpdump=${median[tcpdump -nn -r]}
t_tshark=${median[tshark fields]}
t_conv=${median[tshark conv,tcp]}
printf '\n| command | median s | frames/s | MB/s | peak RSS MB | vs cat | vs tcpdump | vs tshark |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
for name in "${order[@]}"; do
    python3 - "$name" "${median[$name]}" "$frames" "$bytes" "${rss[$name]}" "$t_cat" "$t_tcpdump" "$t_tshark" "$t_conv" <<'PY'
import sys
name, t, frames, size, rss, cat, tcpdump, tshark, conv = sys.argv[1:]
t, frames, size, cat, tcpdump, tshark, conv = map(float, (t, frames, size, cat, tcpdump, tshark, conv))
# explain and conversations compare with tshark's conversation table,
# the per-packet views with tshark's field output.
ref = conv if name.endswith(("explain", "conversations")) else tshark
print(f"| `{name}` | {t:.3f} | {frames / t:,.0f} | {size / t / 1e6:,.0f} | {rss} | "
      f"{t / cat:.1f}× | {tcpdump / t:.2f}× faster | {ref / t:.1f}× faster |")
PY
done

# What explain's time bought: every load found and what no bound dropped.
# A figure is the speed of doing the job only when nothing was left out.
"$bin" explain "$pcapng" --format json --max-told 1 2>/dev/null | python3 -c 'import json, sys
s = json.load(sys.stdin)
kinds = {}
for r in s["loads"]:
    kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
n, pages, ws = len(s["loads"]), kinds.get("page_load", 0), kinds.get("websocket", 0)
frames, items = s["frames_not_kept"], s["items_not_kept"]
print(f"\nexplain: {n} loads listed ({pages} page loads, {ws} WebSocket sessions), "
      f"{frames} frames and {items} records not kept by a bound")'
