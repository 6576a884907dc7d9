#!/usr/bin/env bash
# What decryption costs: `packets` on the large bench capture with no key
# log, and with a key log that names none of its connections (every TLS
# connection then gets a decryption state that frames its records and
# finds no secrets), in one run, alternating (hyperfine). Prints the ratio.
#
#   sudo bash samples/record.sh bench        # once: /tmp/netexplain-bench/bench.pcapng
#   bash benches/keylog.sh [DIR] [RUNS]
#   BIN=target/debug/netexplain bash benches/keylog.sh   # another build
#   COUNT=callgrind bash benches/keylog.sh      # instruction counts instead
#   PCAP=samples/chromium-pageload.pcapng …     # another capture
# Instruction counts (valgrind --tool=callgrind, one run each) do not move
# with the machine's load, as wall-clock times do.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/tmp/netexplain-bench}
runs=${2:-3}
bin=${BIN:-$PWD/target/release/netexplain}
[[ -n ${BIN:-} ]] || cargo build --release --quiet
pcapng=${PCAP:-$dir/bench.pcapng}
[[ -e $pcapng ]] || { echo "missing $pcapng: run 'sudo bash samples/record.sh bench' first" >&2; exit 1; }
keys=$PWD/samples/keylog-tls13-http1.keys
if [[ ${COUNT:-} == callgrind ]]; then
    count() {
        local out=/tmp/netexplain-keylog-callgrind.$$
        valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >/dev/null 2>"$out.log"
        grep -o 'Collected : [0-9]*' "$out.log" | grep -o '[0-9]*$'
        rm -f "$out" "$out.log"
    }
    base=$(count "$bin" packets "$pcapng" --format json --no-summary)
    keyed=$(count "$bin" packets "$pcapng" --format json --no-summary --keylog "$keys")
    python3 -c "b, k = $base, $keyed; print(f'no key log: {b} instructions; foreign key log: {k}; ratio {k / b:.4f}')"
    exit 0
fi
hyperfine --style basic --runs "$runs" --export-json /tmp/netexplain-keylog-bench.json \
    -n "no key log" "$bin packets $pcapng --format json --no-summary >/dev/null" \
    -n "foreign key log" "$bin packets $pcapng --format json --no-summary --keylog $keys >/dev/null 2>&1"
python3 - <<'PY'
import json
r = json.load(open("/tmp/netexplain-keylog-bench.json"))["results"]
base, keyed = r[0]["median"], r[1]["median"]
print(f"no key log: {base:.2f} s; foreign key log: {keyed:.2f} s; ratio {keyed / base:.3f}")
PY
