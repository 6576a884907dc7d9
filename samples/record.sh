#!/usr/bin/env bash
# Records the sample captures in samples/ from real programs (curl, headless
# Chromium, dig, dnsmasq, nginx) inside network namespaces created here.
#
#   nx-client  198.51.100.10/24, 2001:db8:1::10/64   (curl, chromium, dig)
#      | veth
#   nx-gw      198.51.100.1/24, 2001:db8:1::1/64 | br0 203.0.113.1/24, 2001:db8:2::1/64
#      | bridge
#   nx-web     203.0.113.100, 2001:db8:2::100        nginx, self-signed certificate for
#                                                   google.com, www.google.com, static.google.com
#   nx-dns     203.0.113.53,  2001:db8:2::53         dnsmasq, answers for google.com only
#
# Only documentation address ranges are used, and the namespaces have no link
# to the host's network, so nothing can reach the internet. Neighbour tables
# are flushed and the resolver restarted (cold cache) before each recording.
#
# Needs root and: iproute2, nginx (with http_v2), dnsmasq, curl, dig, chromium,
# dumpcap and tcpdump, tshark (for the address check), openssl, python3,
# ethtool.
# Usage: sudo bash samples/record.sh [name ...]   (default: every sample)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/netexplain-lab.XXXXXX)
NS=(nx-client nx-gw nx-web nx-dns)

log() { printf '== %s\n' "$*" >&2; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

cleanup() {
    for ns in "${NS[@]}"; do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
    done
    sleep 0.3
    for ns in "${NS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf /etc/netns/nx-client "$WORK"
}
trap cleanup EXIT

for tool in ip nginx dnsmasq curl dig chromium dumpcap tcpdump tshark openssl python3 ethtool; do
    command -v "$tool" >/dev/null || { echo "record.sh: $tool is required" >&2; exit 1; }
done
[[ $(id -u) == 0 ]] || { echo "record.sh: run as root (network namespaces)" >&2; exit 1; }

build_lab() {
    for ns in "${NS[@]}"; do
        ip netns del "$ns" 2>/dev/null || true
        ip netns add "$ns"
        in_ns "$ns" ip link set lo up
        # Addresses usable at once, no duplicate address detection delay.
        in_ns "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    done
    in_ns nx-gw sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

    ip link add nxc0 netns nx-client type veth peer name nxg0 netns nx-gw
    in_ns nx-gw ip link add br0 type bridge
    ip link add nxw0 netns nx-web type veth peer name nxgw netns nx-gw
    ip link add nxd0 netns nx-dns type veth peer name nxgd netns nx-gw
    for l in nxgw nxgd; do
        in_ns nx-gw ip link set "$l" master br0
        in_ns nx-gw ip link set "$l" up
    done

    in_ns nx-client ip addr add 198.51.100.10/24 dev nxc0
    in_ns nx-client ip addr add 2001:db8:1::10/64 dev nxc0 nodad
    in_ns nx-client ip link set nxc0 up
    in_ns nx-client ip route add default via 198.51.100.1
    in_ns nx-client ip -6 route add default via 2001:db8:1::1

    in_ns nx-gw ip addr add 198.51.100.1/24 dev nxg0
    in_ns nx-gw ip addr add 2001:db8:1::1/64 dev nxg0 nodad
    in_ns nx-gw ip addr add 203.0.113.1/24 dev br0
    in_ns nx-gw ip addr add 2001:db8:2::1/64 dev br0 nodad
    in_ns nx-gw ip link set nxg0 up
    in_ns nx-gw ip link set br0 up

    in_ns nx-web ip addr add 203.0.113.100/24 dev nxw0
    in_ns nx-web ip addr add 2001:db8:2::100/64 dev nxw0 nodad
    in_ns nx-web ip link set nxw0 up
    in_ns nx-web ip route add default via 203.0.113.1
    in_ns nx-web ip -6 route add default via 2001:db8:2::1

    in_ns nx-dns ip addr add 203.0.113.53/24 dev nxd0
    in_ns nx-dns ip addr add 2001:db8:2::53/64 dev nxd0 nodad
    in_ns nx-dns ip link set nxd0 up
    in_ns nx-dns ip route add default via 203.0.113.1
    in_ns nx-dns ip -6 route add default via 2001:db8:2::1

    # Segmentation offloads off: the capture must see segments as they go on
    # the wire, not the large buffers the kernel splits later.
    for pair in nx-client:nxc0 nx-gw:nxg0 nx-gw:nxgw nx-gw:nxgd nx-web:nxw0 nx-dns:nxd0; do
        in_ns "${pair%%:*}" ethtool -K "${pair#*:}" tso off gso off gro off >/dev/null 2>&1 || true
    done

    # The client's resolver configuration and an empty hosts file
    # (`ip netns exec` bind-mounts these over /etc).
    mkdir -p /etc/netns/nx-client
    echo "nameserver 203.0.113.53" >/etc/netns/nx-client/resolv.conf
    printf '127.0.0.1 localhost\n::1 localhost\n' >/etc/netns/nx-client/hosts
}

start_web() {
    local d=$WORK/nginx
    mkdir -p "$d/html/img" "$d/tmp"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
        -subj /CN=www.google.com \
        -addext subjectAltName=DNS:google.com,DNS:www.google.com,DNS:static.google.com \
        -keyout "$d/key.pem" -out "$d/cert.pem" 2>/dev/null
    cat >"$d/html/index.html" <<'HTML'
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Google</title>
<link rel="stylesheet" href="/style.css"><script src="/app.js" defer></script></head>
<body><h1>Search</h1><img src="/logo.svg" alt="logo">
<img src="https://static.google.com/img/banner.svg" alt="banner"></body></html>
HTML
    echo 'body { font-family: sans-serif; }' >"$d/html/style.css"
    echo 'document.title = "Google (loaded)";' >"$d/html/app.js"
    echo '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>' >"$d/html/logo.svg"
    echo '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="5"/>' >"$d/html/img/banner.svg"
    echo '' >"$d/html/favicon.ico"
    cat >"$d/nginx.conf" <<CONF
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 64; }
http {
    access_log $d/access.log;
    client_body_temp_path $d/tmp; proxy_temp_path $d/tmp; fastcgi_temp_path $d/tmp;
    uwsgi_temp_path $d/tmp; scgi_temp_path $d/tmp;
    types { text/html html; text/css css; application/javascript js; image/svg+xml svg; }
    keepalive_timeout 2s;
    server {
        listen 203.0.113.100:80; listen [2001:db8:2::100]:80;
        server_name google.com www.google.com;
        return 301 https://www.google.com/;
    }
    server {
        listen 203.0.113.100:443 ssl http2; listen [2001:db8:2::100]:443 ssl http2;
        server_name www.google.com google.com static.google.com;
        ssl_certificate $d/cert.pem; ssl_certificate_key $d/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        root $d/html;
    }
}
CONF
    # nginx's worker runs as an unprivileged user: let it read the site.
    chmod 755 "$WORK"
    chmod -R a+rX "$d"
    ip netns exec nx-web nginx -p "$d" -c "$d/nginx.conf" -g 'daemon off;' &
}

DNSMASQ_PID=
# A fresh dnsmasq for each recording: nothing cached from the one before.
start_dns() {
    if [[ -n $DNSMASQ_PID ]]; then
        kill "$DNSMASQ_PID" 2>/dev/null || true
        wait "$DNSMASQ_PID" 2>/dev/null || true
    fi
    local big
    big=$(printf 'x%.0s' $(seq 1 250))
    # HTTPS (type 65) RDATA: priority 1, target ".", alpn "h2","h3".
    ip netns exec nx-dns dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces \
        --listen-address=203.0.113.53 --listen-address=2001:db8:2::53 --port=53 \
        --local=/google.com/ --local-ttl=300 --log-queries --log-facility=- \
        --host-record=google.com,203.0.113.100,2001:db8:2::100 \
        --host-record=www3.l.google.com,203.0.113.100,2001:db8:2::100 \
        --cname=www.google.com,www3.l.google.com \
        --host-record=static.google.com,203.0.113.100,2001:db8:2::100 \
        --mx-host=google.com,smtp.google.com,10 \
        --host-record=smtp.google.com,203.0.113.25 \
        --txt-record=google.com,"v=spf1 ip4:203.0.113.0/24 -all" \
        --txt-record=big.google.com,"a$big","b$big","c$big" \
        --srv-host=_xmpp-server._tcp.google.com,xmpp.google.com,5269,5,0 \
        --ptr-record=100.113.0.203.in-addr.arpa,www.google.com \
        --dns-rr=www3.l.google.com,65,00010000010006026832026833 \
        >>"$WORK/dnsmasq.log" 2>&1 &
    DNSMASQ_PID=$!
    for _ in $(seq 1 50); do
        in_ns nx-dns ss -lun | grep -q '203.0.113.53:53' && break
        sleep 0.1
    done
}

flush_neighbours() {
    for ns in "${NS[@]}"; do in_ns "$ns" ip neigh flush all 2>/dev/null || true; done
}

# capture NS IFACE(S) OUTFILE [tcpdump options] -- COMMAND...
# Starts the capture, runs the command in nx-client, waits for teardown,
# stops the capture.
CAP_PID=
start_capture() {
    local ns=$1 out=$2; shift 2
    rm -f "$out"
    # `ip netns exec` execs the capture tool, so $! is the tool itself.
    ip netns exec "$ns" "$@" >"$WORK/capture.log" 2>&1 &
    CAP_PID=$!
    for _ in $(seq 1 50); do
        grep -q -i "capturing\|listening" "$WORK/capture.log" 2>/dev/null && break
        sleep 0.1
    done
    sleep 0.5
}
stop_capture() {
    sleep "${1:-3}"
    # Asynchronous commands of a script ignore SIGINT; dumpcap and tcpdump
    # both finish their file on SIGTERM.
    kill -TERM "$CAP_PID" 2>/dev/null || true
    wait "$CAP_PID" 2>/dev/null || true
}

prepare() { flush_neighbours; start_dns; flush_neighbours; }

record_curl_redirect() {
    prepare
    local f=$HERE/curl-redirect.pcapng
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client curl -4 -sS -k -L --http1.1 --max-time 10 http://google.com/ -o /dev/null
    stop_capture 3.5
}

record_chromium() {
    prepare
    local f=$HERE/chromium-pageload.pcapng profile=$WORK/chromium
    rm -rf "$profile"; mkdir -p "$profile"
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    HOME=$profile in_ns nx-client timeout 40 chromium --headless=new --no-sandbox \
        --user-data-dir="$profile" --ignore-certificate-errors --disable-quic \
        --no-first-run --no-default-browser-check --disable-background-networking \
        --disable-component-update --disable-sync --disable-default-apps \
        --disable-domain-reliability --disable-breakpad --metrics-recording-only \
        --disable-features=OptimizationHints,MediaRouter,DnsOverHttpsUpgrade,Translate \
        --virtual-time-budget=3000 --dump-dom https://www.google.com/ >"$WORK/dom.html" 2>"$WORK/chromium.log" || true
    grep -q "banner.svg" "$WORK/dom.html" || { echo "chromium did not load the page" >&2; tail -5 "$WORK/chromium.log" >&2; }
    cp "$WORK/dom.html" /tmp/nx-dom.html
    stop_capture 3.5
}

record_dns_types() {
    prepare
    local f=$HERE/dns-types.pcapng
    local dig=(in_ns nx-client dig +time=2 +tries=1 @203.0.113.53)
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    "${dig[@]}" google.com A >/dev/null
    "${dig[@]}" google.com AAAA >/dev/null
    "${dig[@]}" www.google.com A >/dev/null
    "${dig[@]}" google.com MX >/dev/null
    "${dig[@]}" google.com TXT >/dev/null
    "${dig[@]}" _xmpp-server._tcp.google.com SRV >/dev/null
    "${dig[@]}" -x 203.0.113.100 >/dev/null
    "${dig[@]}" www3.l.google.com TYPE65 >/dev/null
    "${dig[@]}" nosuch.google.com A >/dev/null || true
    # No EDNS: the 512-byte limit truncates the answer, and dig asks again
    # over TCP.
    "${dig[@]}" +noedns big.google.com TXT >/dev/null
    "${dig[@]}" +tcp static.google.com A >/dev/null
    stop_capture 1
}

record_curl_ipv6() {
    prepare
    echo "nameserver 2001:db8:2::53" >/etc/netns/nx-client/resolv.conf
    local f=$HERE/curl-ipv6.pcapng
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client curl -6 -sS -k --http1.1 --max-time 10 https://www.google.com/ -o /dev/null
    stop_capture 3.5
    echo "nameserver 203.0.113.53" >/etc/netns/nx-client/resolv.conf
}

record_curl_tls12() {
    prepare
    local f=$HERE/curl-tls12.pcapng
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client curl -4 -sS -k --tls-max 1.2 --http1.1 --max-time 10 https://www.google.com/ -o /dev/null
    stop_capture 3.5
}

record_any_sll2() {
    prepare
    local f=$HERE/any-sll2.pcap
    start_capture nx-client "$f" tcpdump -i any -U -w "$f"
    in_ns nx-client curl -4 -sS --max-time 10 http://google.com/ -o /dev/null
    stop_capture 3.5
}

# This kernel has no 802.1Q support in network namespaces, so the exchange
# is recorded untagged with nanosecond timestamps and every frame then gets
# an 802.1Q tag for VLAN 100 inserted after its MAC addresses, as a trunk port
# would carry it. (tcprewrite can add tags but writes microsecond files.)
record_nano_vlan() {
    prepare
    local f=$HERE/nano-vlan.pcap raw=$WORK/nano-untagged.pcap
    start_capture nx-client "$raw" tcpdump -i nxc0 -U --time-stamp-precision=nano -w "$raw"
    in_ns nx-client curl -4 -sS --max-time 10 http://google.com/ -o /dev/null
    stop_capture 3.5
    python3 - "$raw" "$f" <<'PY'
import struct, sys
src = open(sys.argv[1], "rb").read()
magic = src[:4]
assert magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"), "not a nanosecond pcap"
end = "<" if magic[0] == 0x4d else ">"
out = bytearray(src[:24])
at = 24
while at + 16 <= len(src):
    sec, frac, incl, orig = struct.unpack(end + "IIII", src[at:at + 16])
    frame = src[at + 16:at + 16 + incl]
    tagged = frame[:12] + b"\x81\x00" + struct.pack(">H", 100) + frame[12:]
    out += struct.pack(end + "IIII", sec, frac, incl + 4, orig + 4) + tagged
    at += 16 + incl
open(sys.argv[2], "wb").write(out)
PY
}

record_two_interfaces() {
    prepare
    local f=$HERE/two-interfaces.pcapng
    start_capture nx-gw "$f" dumpcap -i nxg0 -i br0 -w "$f"
    in_ns nx-client curl -4 -sS --max-time 10 http://google.com/ -o /dev/null
    stop_capture 3.5
}

# Fails when a capture holds an address outside the documentation ranges,
# link-local/multicast (needed by neighbour discovery) and loopback.
check_addresses() {
    local f=$1 bad
    bad=$(tshark -r "$f" -n -T fields -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst \
            -e arp.src.proto_ipv4 -e arp.dst.proto_ipv4 -e dns.a -e dns.aaaa 2>/dev/null |
        tr '\t,' '\n\n' | sort -u | grep -v '^$' |
        grep -Ev '^(192\.0\.2\.|198\.51\.100\.|203\.0\.113\.|2001:db8:|fe80::|ff02::|127\.0\.0\.1$|::1$|::$|0\.0\.0\.0$)' || true)
    if [[ -n $bad ]]; then
        echo "record.sh: $f holds addresses outside the documentation ranges:" >&2
        echo "$bad" >&2
        exit 1
    fi
}

# The large capture for benches/compare.sh (not a sample, not committed):
# thousands of DNS lookups (NXDOMAIN, truncated and retried over TCP), short
# TLS 1.3/h2 and TLS 1.2/HTTP/1.1 connections, redirects, refused
# connections, WebSocket echo sessions, and bulk transfers, in pcapng and
# classic pcap. BENCH_OUT (default /tmp/netexplain-bench), BENCH_ROUNDS
# (default 1500) and BENCH_BULK_MB (default 1100) size it.
record_bench() {
    prepare
    local dir=${BENCH_OUT:-/tmp/netexplain-bench} rounds=${BENCH_ROUNDS:-1500} bulk=${BENCH_BULK_MB:-1100}
    mkdir -p "$dir"
    local f=$dir/bench.pcapng
    head -c $((bulk / 4))M /dev/urandom >"$WORK/nginx/html/bulk.bin"
    chmod a+r "$WORK/nginx/html/bulk.bin"
    cat >"$WORK/ws.py" <<'PY'
import base64, hashlib, socket, sys, threading
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
def serve():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("203.0.113.100", 8080)); s.listen(64)
    while True:
        c, _ = s.accept()
        threading.Thread(target=echo, args=(c,), daemon=True).start()
def echo(c):
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = c.recv(4096)
        if not chunk: return
        head += chunk
    key = [l.split(b":", 1)[1].strip() for l in head.split(b"\r\n") if l.lower().startswith(b"sec-websocket-key")][0]
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
    while True:
        h = c.recv(2)
        if len(h) < 2: break
        n = h[1] & 0x7f; mask = c.recv(4); data = bytes(b ^ mask[i % 4] for i, b in enumerate(c.recv(n)))
        if h[0] & 0x0f == 8:
            c.sendall(b"\x88\x02\x03\xe8"); break
        c.sendall(bytes([0x81, len(data)]) + data)
    c.close()
def client(n):
    for i in range(n):
        c = socket.create_connection(("203.0.113.100", 8080))
        key = base64.b64encode(bytes([i % 256]) * 16)
        c.sendall(b"GET /chat HTTP/1.1\r\nHost: www.google.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
        c.recv(4096)
        for msg in (b"hello", b"again"):
            mask = b"\x01\x02\x03\x04"
            c.sendall(bytes([0x81, 0x80 | len(msg)]) + mask + bytes(b ^ mask[j % 4] for j, b in enumerate(msg)))
            c.recv(64)
        c.sendall(b"\x88\x82\x01\x02\x03\x04" + bytes(b ^ m for b, m in zip(b"\x03\xe8", b"\x01\x02")))
        c.recv(64); c.close()
if sys.argv[1] == "serve": serve()
else: client(int(sys.argv[2]))
PY
    ip netns exec nx-web python3 "$WORK/ws.py" serve &
    local ws=$!
    sleep 0.5
    start_capture nx-client "$f" dumpcap -i nxc0 -B 256 -w "$f"
    local dig=(in_ns nx-client dig +time=2 +tries=1 @203.0.113.53)
    local curl=(in_ns nx-client curl -sS -k --max-time 10 -o /dev/null)
    for ((i = 0; i < rounds; i++)); do
        "${dig[@]}" google.com A >/dev/null
        "${dig[@]}" "nosuch$i.google.com" A >/dev/null || true
        ((i % 20)) || "${dig[@]}" +noedns big.google.com TXT >/dev/null
        "${curl[@]}" https://www.google.com/
        "${curl[@]}" --tls-max 1.2 --http1.1 https://static.google.com/style.css
        ((i % 5)) || "${curl[@]}" -L http://google.com/
        ((i % 10)) || "${curl[@]}" http://203.0.113.100:81/ || true
    done
    in_ns nx-client python3 "$WORK/ws.py" client $((rounds / 5))
    for _ in 1 2 3 4; do
        "${curl[@]}" --max-time 120 https://www.google.com/bulk.bin
    done
    stop_capture 3
    kill "$ws" 2>/dev/null || true
    editcap -F pcap "$f" "$dir/bench.pcap"
    capinfos -c -s "$f" "$dir/bench.pcap" 2>/dev/null || true
}

ALL=(curl_redirect chromium dns_types curl_ipv6 curl_tls12 any_sll2 nano_vlan two_interfaces)
WANT=("${@:-${ALL[@]}}")
build_lab
start_web
sleep 0.5
for w in "${WANT[@]}"; do
    log "recording $w"
    "record_$w"
done
chown "$(stat -c %u "$HERE")":"$(stat -c %g "$HERE")" "$HERE"/*.pcap* 2>/dev/null || true
chmod 644 "$HERE"/*.pcap* 2>/dev/null || true
[[ ${WANT[*]} == bench ]] && exit 0
for f in "$HERE"/*.pcap "$HERE"/*.pcapng; do
    [[ -e $f ]] || continue
    check_addresses "$f"
    printf '%-28s %6s bytes %4s frames\n' "$(basename "$f")" "$(stat -c %s "$f")" \
        "$(tshark -r "$f" -n 2>/dev/null | wc -l)"
done
