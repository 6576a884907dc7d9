#!/usr/bin/env bash
# Peak memory of packets, conversations and explain on a capture of many
# short TCP connections (real traffic: Python's HTTP server and client on
# the loopback of a network namespace, recorded by tcpdump).
#
#   sudo bash benches/many_connections.sh [CONNECTIONS] [DIR]
#
# CONNECTIONS defaults to 100000 (bounded: the client makes exactly that
# many). Needs root (ip netns), tcpdump, python3, GNU time (/usr/bin/time).
# Prints peak resident memory per command, and per tracked connection
# beyond a 1,000-connection capture recorded the same way.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
dir=${2:-/tmp/netexplain-many}
# NETEXPLAIN_BIN: a binary already built (peak heap hardly depends on the
# optimisation level); otherwise the release build.
bin=${NETEXPLAIN_BIN:-$PWD/target/release/netexplain}
mkdir -p "$dir"
[[ -n ${NETEXPLAIN_BIN:-} ]] || cargo build --release --quiet

record() { # count file
    local count=$1 out=$2 ns=nxmany$$
    [[ -s $out ]] && return 0
    ip netns add "$ns"
    trap 'ip netns del '"$ns"' 2>/dev/null || true' RETURN
    ip netns exec "$ns" ip link set lo up
    # Eight client addresses and reuse of TIME_WAIT ports, so that the
    # ephemeral ports do not run out.
    ip netns exec "$ns" sysctl -q net.ipv4.tcp_tw_reuse=1 net.ipv4.ip_local_port_range="1024 65535"
    ip netns exec "$ns" python3 -c '
import http.server, socketserver
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "3"); self.end_headers(); self.wfile.write(b"ok\n")
    def log_message(self, *a): pass
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer.request_queue_size = 1024
socketserver.ThreadingTCPServer(("127.0.0.1", 80), H).serve_forever()' &
    local server=$!
    ip netns exec "$ns" tcpdump -q -i lo -s 256 -B 65536 -w "$out.tmp" tcp port 80 2>/dev/null &
    local dump=$!
    sleep 1
    ip netns exec "$ns" python3 -c '
import socket, sys
n = int(sys.argv[1])
for i in range(n):
    s = socket.socket()
    s.bind(("127.0.0.%d" % (2 + i % 8), 0))
    s.connect(("127.0.0.1", 80))
    s.sendall(b"GET / HTTP/1.0\r\nHost: many.example\r\n\r\n")
    while s.recv(4096):
        pass
    s.close()
' "$count"
    sleep 1
    kill "$dump" "$server"; wait "$dump" "$server" 2>/dev/null || true
    mv "$out.tmp" "$out"
}

peak() { # file command...
    local f=$1; shift
    /usr/bin/time -f %M "$bin" "$@" "$f" >/dev/null 2>"$dir/time.err" || true
    tail -1 "$dir/time.err"
}

record 1000 "$dir/small.pcap"
record "$n" "$dir/many.pcap"
echo "capture: $dir/many.pcap, $n connections, $(($(stat -c %s "$dir/many.pcap") / 1000000)) MB"
printf '%-14s %12s %12s %16s\n' command "small KB" "many KB" "bytes/connection"
for c in packets conversations explain; do
    args=("$c")
    [[ $c == packets ]] && args=(packets --no-summary)
    a=$(peak "$dir/small.pcap" "${args[@]}")
    b=$(peak "$dir/many.pcap" "${args[@]}")
    printf '%-14s %12s %12s %16s\n' "$c" "$a" "$b" $(( (b - a) * 1024 / (n - 1000) ))
done
