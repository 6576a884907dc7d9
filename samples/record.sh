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
# dumpcap and tcpdump, tshark and capinfos (for the checks), openssl,
# python3 (with the `websockets` package), ethtool, ISC dhclient, and for
# http3 the aioquic Python package (not packaged in Debian 12). On Debian:
#   apt-get install -y iproute2 nginx-light dnsmasq-base curl bind9-dnsutils \
#       chromium tshark tcpdump openssl python3 ethtool isc-dhcp-client
#   pip install websockets aioquic   # for the python3 on root's PATH
#
# Usage: sudo bash samples/record.sh [name ...]   (default: every sample)
#        sudo bash samples/record.sh bench        (large capture, see below)
#        bash samples/record.sh check             (only check the files)
# Names: curl_redirect chromium dns_types curl_ipv6 curl_tls12 any_sll2
#        nano_vlan two_interfaces websocket dhcp keepalive http3 lossy refused
#        zero_window lossy_pageload tls_hrr tls12_noalpn quic_port
#        repeated_visits parallel_visits ip_literal dig_only ping_traceroute
#        dhcp_renewal, and those of samples/lab/*.sh.
# SAMPLES_OUT=DIR writes (and checks) the files in DIR instead of samples/,
# e.g. to try a re-recording without touching the committed files.
#
# After recording, every file is checked: it must show what its sample is
# for (see verify_*), and hold no address outside the documentation ranges
# (check_addresses; the SSDP multicast group 239.255.255.250 is allowed).
# The script fails otherwise.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${SAMPLES_OUT:-$HERE}
NS=(nx-client nx-gw nx-web nx-dns)
WORK='' LAB=0

log() { printf '== %s\n' "$*" >&2; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
# wait_listening NS -ltn|-lun PATTERN: waits up to 5 s for a socket that
# `ss` lists with PATTERN in namespace NS.
wait_listening() {
    local ns=$1 kind=$2 pattern=$3
    for _ in $(seq 1 50); do
        in_ns "$ns" ss "$kind" | grep -q -- "$pattern" && return 0
        sleep 0.1
    done
}

# Ends every process left in the lab's namespaces (all started here), then
# removes the namespaces, the client's /etc/netns files and the temporary
# directory (certificate, key, nginx and dnsmasq state, Chromium profile).
cleanup() {
    if ((LAB)); then
        local ns
        for ns in "${NS[@]}"; do
            ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
        done
        sleep 0.3
        for ns in "${NS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
        rm -rf /etc/netns/nx-client
    fi
    [[ -z $WORK ]] || rm -rf "$WORK"
}

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
    # Cleartext HTTP/1.1 with keep-alive, for the keepalive sample; gzip
    # makes compressed answers chunked.
    server {
        listen 203.0.113.100:8000;
        server_name www.google.com;
        root $d/html;
        gzip on; gzip_min_length 1; gzip_types text/css application/javascript;
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
        --txt-record="big.google.com,a$big,b$big,c$big" \
        --srv-host=_xmpp-server._tcp.google.com,xmpp.google.com,5269,5,0 \
        --ptr-record=100.113.0.203.in-addr.arpa,www.google.com \
        --dns-rr=www3.l.google.com,65,00010000010006026832026833 \
        >>"$WORK/dnsmasq.log" 2>&1 &
    DNSMASQ_PID=$!
    wait_listening nx-dns -lun '203.0.113.53:53'
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
    local f=$OUT/curl-redirect.pcapng
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client curl -4 -sS -k -L --http1.1 --max-time 10 http://google.com/ -o /dev/null
    stop_capture 3.5
}

record_chromium() {
    prepare
    local f=$OUT/chromium-pageload.pcapng profile=$WORK/chromium
    rm -rf "$profile"; mkdir -p "$profile"
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    HOME=$profile in_ns nx-client timeout 40 chromium --headless=new --no-sandbox \
        --user-data-dir="$profile" --ignore-certificate-errors --disable-quic \
        --no-first-run --no-default-browser-check --disable-background-networking \
        --disable-component-update --disable-sync --disable-default-apps \
        --disable-domain-reliability --disable-breakpad --metrics-recording-only \
        --disable-features=OptimizationHints,MediaRouter,DnsOverHttpsUpgrade,Translate \
        --virtual-time-budget=3000 --dump-dom https://www.google.com/ >"$WORK/dom.html" 2>"$WORK/chromium.log" || true
    stop_capture 3.5
    grep -q "banner.svg" "$WORK/dom.html" || {
        echo "record.sh: chromium did not load the page" >&2
        tail -5 "$WORK/chromium.log" >&2
        exit 1
    }
}

record_dns_types() {
    prepare
    local f=$OUT/dns-types.pcapng
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
    local f=$OUT/curl-ipv6.pcapng
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client curl -6 -sS -k --http1.1 --max-time 10 https://www.google.com/ -o /dev/null
    stop_capture 3.5
    echo "nameserver 203.0.113.53" >/etc/netns/nx-client/resolv.conf
}

record_curl_tls12() {
    prepare
    local f=$OUT/curl-tls12.pcapng
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client curl -4 -sS -k --tls-max 1.2 --http1.1 --max-time 10 https://www.google.com/ -o /dev/null
    stop_capture 3.5
}

record_any_sll2() {
    prepare
    local f=$OUT/any-sll2.pcap
    start_capture nx-client "$f" tcpdump -i any -U -w "$f"
    in_ns nx-client curl -4 -sS --max-time 10 http://google.com/ -o /dev/null
    stop_capture 3.5
}

# VLAN 100 between the client and the gateway: 192.0.2.10 and 192.0.2.1,
# frames tagged on a trunk veth pair (nxct in nx-client, nxgt in nx-gw) that
# carries nothing else; the capture is on the client's end of the trunk, so
# every frame in it carries its 802.1Q tag. Where the kernel has 802.1Q, the
# addresses sit on VLAN sub-interfaces of the trunk. Without it (as on the
# machine these samples were recorded on), each side has an access veth pair
# (vla/vlb, vga/vgb) and a small relay on packet sockets pushes the tag on
# frames from the access side onto the trunk and pops it on the way back, as
# a switch's access and trunk ports do: the tagged frames on the trunk are
# real frames on a link all the same.
VLAN_RELAYS=()
vlan_relay_script() {
    cat >"$WORK/vlan-relay.py" <<'PY'
import select, socket, struct, sys, time
SOL_PACKET, PACKET_AUXDATA, TP_STATUS_VLAN_VALID, PACKET_OUTGOING = 263, 8, 0x10, 4
access, trunk, vid, secs, ready = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
def open_sock(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.bind((ifname, 0))
    return s
a, t = open_sock(access), open_sock(trunk)
tag = struct.pack("!HH", 0x8100, vid)
open(ready, "w").write("ready\n")
deadline = time.monotonic() + secs
while (left := deadline - time.monotonic()) > 0:
    readable, _, _ = select.select([a, t], [], [], left)
    for s in readable:
        data, anc, _, addr = s.recvmsg(65536, socket.CMSG_SPACE(32))
        if addr[2] == PACKET_OUTGOING:
            continue
        if s is a:
            t.send(data[:12] + tag + data[12:])
            continue
        # The kernel takes the tag off a received frame and hands it over
        # beside the frame; a tag still in the frame is taken off here.
        got = None
        for level, kind, aux in anc:
            if level == SOL_PACKET and kind == PACKET_AUXDATA:
                status, _, _, _, _, tci, _ = struct.unpack("IIIHHHH", aux[:20])
                if status & TP_STATUS_VLAN_VALID:
                    got = tci & 0x0FFF
        if got is None and data[12:14] == b"\x81\x00":
            got = struct.unpack("!H", data[14:16])[0] & 0x0FFF
            data = data[:12] + data[16:]
        if got == vid:
            a.send(data)
PY
}

# vlan_setup: builds the trunk and VLAN 100, sets CLIENT_VIF and GW_VIF.
CLIENT_VIF='' GW_VIF=''
vlan_setup() {
    local ns dev peer
    ip link add nxct netns nx-client type veth peer name nxgt netns nx-gw
    for pair in nx-client:nxct nx-gw:nxgt; do
        IFS=: read -r ns dev <<<"$pair"
        # Only tagged frames on the trunk: no IPv6 of its own.
        in_ns "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1"
        in_ns "$ns" ip link set "$dev" up
    done
    if in_ns nx-client ip link add link nxct name nxct.100 type vlan id 100 2>/dev/null &&
        in_ns nx-gw ip link add link nxgt name nxgt.100 type vlan id 100 2>/dev/null; then
        CLIENT_VIF=nxct.100 GW_VIF=nxgt.100
    else
        log "no 802.1Q in this kernel: VLAN 100 through access ports and relays"
        vlan_relay_script
        in_ns nx-client ip link add vla type veth peer name vlb
        in_ns nx-gw ip link add vga type veth peer name vgb
        for pair in nx-client:vla nx-client:vlb nx-gw:vga nx-gw:vgb; do
            IFS=: read -r ns dev <<<"$pair"
            in_ns "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1"
            # The relays copy frames as they are: checksums must be filled
            # in, and no segment larger than the link's MTU.
            in_ns "$ns" ethtool -K "$dev" tx off tso off gso off gro off >/dev/null 2>&1 || true
            in_ns "$ns" ip link set "$dev" up
        done
        for pair in nx-client:vlb:nxct nx-gw:vgb:nxgt; do
            IFS=: read -r ns dev peer <<<"$pair"
            rm -f "$WORK/relay-$ns.ready"
            ip netns exec "$ns" timeout 90 python3 "$WORK/vlan-relay.py" "$dev" "$peer" 100 80 \
                "$WORK/relay-$ns.ready" 2>>"$WORK/relay.log" &
            VLAN_RELAYS+=($!)
        done
        for ns in nx-client nx-gw; do
            for _ in $(seq 1 50); do
                [[ -e $WORK/relay-$ns.ready ]] && break
                sleep 0.1
            done
            [[ -e $WORK/relay-$ns.ready ]] || {
                echo "record.sh: the VLAN relay in $ns did not start" >&2
                cat "$WORK/relay.log" >&2
                exit 1
            }
        done
        CLIENT_VIF=vla GW_VIF=vga
    fi
    in_ns nx-client sysctl -qw "net.ipv6.conf.${CLIENT_VIF/./\/}.disable_ipv6=1"
    in_ns nx-gw sysctl -qw "net.ipv6.conf.${GW_VIF/./\/}.disable_ipv6=1"
    in_ns nx-client ip addr add 192.0.2.10/24 dev "$CLIENT_VIF"
    in_ns nx-client ip link set "$CLIENT_VIF" up
    in_ns nx-gw ip addr add 192.0.2.1/24 dev "$GW_VIF"
    in_ns nx-gw ip link set "$GW_VIF" up
    # The client reaches everything through the VLAN for this recording.
    in_ns nx-client ip route replace default via 192.0.2.1 dev "$CLIENT_VIF"
}
vlan_teardown() {
    local p
    for p in "${VLAN_RELAYS[@]}"; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    VLAN_RELAYS=()
    in_ns nx-client ip route replace default via 198.51.100.1 dev nxc0
    in_ns nx-client ip link del nxct 2>/dev/null || true
    in_ns nx-client ip link del vla 2>/dev/null || true
    in_ns nx-gw ip link del vga 2>/dev/null || true
}

record_nano_vlan() {
    vlan_setup
    prepare
    local f=$OUT/nano-vlan.pcap
    start_capture nx-client "$f" tcpdump -i nxct -U --time-stamp-precision=nano -w "$f"
    in_ns nx-client ping -c 2 -i 0.2 -W 2 192.0.2.1 >/dev/null
    in_ns nx-client curl -4 -sS --max-time 10 http://google.com/ -o /dev/null
    stop_capture 3.5
    vlan_teardown
}

record_two_interfaces() {
    prepare
    local f=$OUT/two-interfaces.pcapng
    start_capture nx-gw "$f" dumpcap -i nxg0 -i br0 -w "$f"
    in_ns nx-client curl -4 -sS --max-time 10 http://google.com/ -o /dev/null
    stop_capture 3.5
}

# A lossy, reordering link between the client and the gateway, for the
# lossy sample. This kernel has no netem, so a small relay on packet sockets
# in nx-gw carries every frame between the client's link (nxg0) and a veth
# pair (lyb, lya) whose other end holds the gateway's address, and applies a
# fixed plan instead of chance: it counts the server's data segments by
# their first transmission and drops some, holds some back behind their
# successors, and delays one for longer than the server's retransmission
# timer; it also drops the client's first data segment (the start of its
# request) once.
lossy_relay_script() {
    cat >"$WORK/lossy-relay.py" <<'PY'
import select, socket, struct, sys, time
SOL_PACKET, PACKET_OUTGOING = 263, 4
client_side, gw_side, port, secs, ready = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
DROP, DROP_TWICE = {12, 70}, {45}   # by first-transmission number
HOLD = {25: 1, 58: 3}               # released after this many later segments
DELAY = {90: 0.3}                   # seconds
def open_sock(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((ifname, 0))
    return s
def tcp_of(f):
    # (source port, destination port, sequence number, payload length) of
    # an IPv4 TCP frame, else None.
    if len(f) < 54 or f[12:14] != b"\x08\x00" or f[23] != 6:
        return None
    ihl = (f[14] & 0x0F) * 4
    total = struct.unpack("!H", f[16:18])[0]
    t = 14 + ihl
    sport, dport, seq = struct.unpack("!HHI", f[t:t + 8])
    return sport, dport, seq, total - ihl - (f[t + 12] >> 4) * 4
c, g = open_sock(client_side), open_sock(gw_side)
seen, drops, held, timed = {}, {}, [], []
count = 0
client_request_dropped = False
open(ready, "w").write("ready\n")
deadline = time.monotonic() + secs
while (left := deadline - time.monotonic()) > 0:
    wait = min([left] + [max(0.0, t - time.monotonic()) for t, _ in timed])
    readable, _, _ = select.select([c, g], [], [], wait)
    now = time.monotonic()
    for t, f in [x for x in timed if x[0] <= now]:
        c.send(f)
    timed = [x for x in timed if x[0] > now]
    for s in readable:
        data, addr = s.recvfrom(65536)
        if addr[2] == PACKET_OUTGOING:
            continue
        seg = tcp_of(data)
        if s is c:
            if seg and seg[1] == port and seg[3] > 0 and not client_request_dropped:
                client_request_dropped = True
                continue
            g.send(data)
            continue
        if not (seg and seg[0] == port and seg[3] > 0):
            c.send(data)
            continue
        seq = seg[2]
        if seq not in seen:
            count += 1
            seen[seq] = count
        n = seen[seq]
        drops[seq] = drops.get(seq, 0) + 1
        if (n in DROP and drops[seq] == 1) or (n in DROP_TWICE and drops[seq] <= 2):
            continue
        if n in DELAY and drops[seq] == 1:
            timed.append((now + DELAY[n], data))
            continue
        if n in HOLD and drops[seq] == 1:
            held.append([HOLD[n], data])
            continue
        c.send(data)
        for h in held:
            h[0] -= 1
        for h in [h for h in held if h[0] <= 0]:
            c.send(h[1])
        held = [h for h in held if h[0] > 0]
PY
}

LOSSY_RELAY=
# lossy_setup [PORT]: the relay's plan applies to TCP port PORT (7070).
lossy_setup() {
    local port=${1:-7070}
    lossy_relay_script
    in_ns nx-gw ip link add lya type veth peer name lyb
    in_ns nx-gw sysctl -qw net.ipv6.conf.lya.disable_ipv6=1 net.ipv6.conf.lyb.disable_ipv6=1
    # The gateway's IPv4 address moves to lya; nxg0 becomes a relay port
    # that answers no ARP of its own.
    in_ns nx-gw ip addr del 198.51.100.1/24 dev nxg0
    in_ns nx-gw ip link set nxg0 arp off promisc on
    in_ns nx-gw ip addr add 198.51.100.1/24 dev lya
    # The relay copies frames as they are: checksums must be complete when
    # they reach it, and no segment may be larger than the link's MTU.
    for pair in nx-client:nxc0 nx-gw:nxg0 nx-gw:lya nx-gw:lyb; do
        in_ns "${pair%%:*}" ethtool -K "${pair#*:}" tx off tso off gso off gro off >/dev/null 2>&1 || true
    done
    in_ns nx-gw ip link set lyb promisc on up
    in_ns nx-gw ip link set lya up
    rm -f "$WORK/lossy.ready"
    ip netns exec nx-gw timeout 60 python3 "$WORK/lossy-relay.py" nxg0 lyb "$port" 55 \
        "$WORK/lossy.ready" 2>>"$WORK/relay.log" &
    LOSSY_RELAY=$!
    for _ in $(seq 1 50); do
        [[ -e $WORK/lossy.ready ]] && break
        sleep 0.1
    done
    [[ -e $WORK/lossy.ready ]] || {
        echo "record.sh: the lossy relay did not start" >&2
        cat "$WORK/relay.log" >&2
        exit 1
    }
}
lossy_teardown() {
    kill "$LOSSY_RELAY" 2>/dev/null || true
    wait "$LOSSY_RELAY" 2>/dev/null || true
    in_ns nx-gw ip link del lya 2>/dev/null || true
    in_ns nx-gw ip link set nxg0 arp on promisc off
    in_ns nx-gw ip addr add 198.51.100.1/24 dev nxg0
    in_ns nx-client ethtool -K nxc0 tx on >/dev/null 2>&1 || true
    in_ns nx-gw ethtool -K nxg0 tx on >/dev/null 2>&1 || true
    flush_neighbours
}

# A small Gopher server (RFC 1436) in Python's standard library: it reads
# the selector line, sends the file and closes. Gopher rather than HTTP: the
# capture keeps only headers, and a protocol netexplain does not decode
# leaves the lossy sample about TCP alone, where HTTP's decoder would rightly
# report the body bytes the capture lacks.
write_gopher_py() {
    cat >"$WORK/gopher.py" <<'PY'
import socket, sys
body = open(sys.argv[3], "rb").read()
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(4)
while True:
    c, _ = s.accept()
    selector = b""
    while b"\r\n" not in selector and len(selector) < 1024:
        chunk = c.recv(1024)
        if not chunk: break
        selector += chunk
    c.sendall(body); c.close()
PY
}

# `curl gopher://203.0.113.100:7070/0file.txt`: 200 KB through the lossy
# relay, captured on the client's veth with a snap length of 128 bytes
# (headers only, so the file stays small).
record_lossy() {
    prepare
    local f=$OUT/lossy.pcapng
    python3 -c 'import sys; sys.stdout.buffer.write(b"".join(b"netexplain lossy sample, line %06d\n" % i for i in range(5883)))' >"$WORK/lossy-file.txt"
    write_gopher_py
    ip netns exec nx-web python3 "$WORK/gopher.py" 203.0.113.100 7070 "$WORK/lossy-file.txt" >"$WORK/gopher.log" 2>&1 &
    local server=$!
    wait_listening nx-web -ltn '203.0.113.100:7070'
    lossy_setup
    start_capture nx-client "$f" dumpcap -i nxc0 -s 128 -w "$f"
    in_ns nx-client curl -4 -sS --max-time 30 gopher://203.0.113.100:7070/0file.txt -o "$WORK/lossy-got.txt"
    stop_capture 2
    lossy_teardown
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    cmp -s "$WORK/lossy-file.txt" "$WORK/lossy-got.txt" || {
        echo "record.sh: the download through the lossy link is not the file" >&2
        exit 1
    }
}

# A page load through the same relay: curl fetches http://www.google.com:8000/
# and the relay drops its request once, so TCP sends it again when the
# retransmission timer runs out.
record_lossy_pageload() {
    prepare
    local f=$OUT/lossy-pageload.pcapng
    lossy_setup 8000
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client curl -4 -sS --http1.1 --max-time 10 http://www.google.com:8000/ -o /dev/null
    stop_capture 2
    lossy_teardown
}

verify_lossy_pageload() {
    local f=$1
    expect "$f" 1 'dns.flags.response==1 && dns.a==203.0.113.100' 'DNS answer for www.google.com'
    expect "$f" 1 'http.request.method=="GET"' 'the GET'
    expect "$f" 1 'tcp.analysis.retransmission && tcp.dstport==8000 && tcp.len>0' 'the GET sent again'
    expect "$f" 1 'http.response.code==200' '200 OK'
}

# A slow reader: a Python client (standard library) with a 2 KB receive
# buffer fetches 20 KB from the Gopher server and reads at most 4 KB every
# 0.25 s, pausing 1.2 s before every fifth read, so its window closes, the
# server probes it during the long pauses, and it opens again as the client
# reads. Captured with a snap length of 128 bytes.
record_zero_window() {
    prepare
    local f=$OUT/zero-window.pcapng
    python3 -c 'import sys; sys.stdout.buffer.write(b"".join(b"netexplain zero-window sample, line %05d\n" % i for i in range(520)))' >"$WORK/slow-file.txt"
    write_gopher_py
    cat >"$WORK/slow-client.py" <<'PY'
import socket, sys, time
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
c.connect(("203.0.113.100", 7071))
c.sendall(b"file.txt\r\n")
got = b""
for i in range(200):
    time.sleep(1.2 if i % 5 == 4 else 0.25)
    chunk = c.recv(4096)
    if not chunk: break
    got += chunk
c.close()
sys.stdout.buffer.write(got)
PY
    ip netns exec nx-web python3 "$WORK/gopher.py" 203.0.113.100 7071 "$WORK/slow-file.txt" >"$WORK/gopher.log" 2>&1 &
    local server=$!
    wait_listening nx-web -ltn '203.0.113.100:7071'
    start_capture nx-client "$f" dumpcap -i nxc0 -s 128 -w "$f"
    in_ns nx-client timeout 30 python3 "$WORK/slow-client.py" >"$WORK/slow-got.txt"
    stop_capture 1
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    cmp -s "$WORK/slow-file.txt" "$WORK/slow-got.txt" || {
        echo "record.sh: the slow download is not the file" >&2
        exit 1
    }
}

# Refused: curl to a TCP port nobody listens on (SYN, then RST/ACK) and dig
# to a UDP port nobody listens on (ICMP port unreachable).
record_refused() {
    prepare
    local f=$OUT/refused.pcapng
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client curl -4 -sS --max-time 5 http://203.0.113.100:81/ -o /dev/null 2>/dev/null || true
    in_ns nx-client dig +time=1 +tries=1 @203.0.113.100 google.com A >/dev/null 2>&1 || true
    stop_capture 1
}

# What each sample is for, checked with tshark. expect FILE MIN FILTER WHAT:
# at least MIN frames match the display filter (MIN 0: none may match).
FAILED=0
expect() {
    local f=$1 min=$2 filter=$3 what=$4 frames n
    frames=$(tshark -r "$f" -n -Y "$filter" -T fields -e frame.number 2>/dev/null || true)
    n=$(grep -c . <<<"$frames" || true)
    local shown
    shown=$(head -6 <<<"$frames" | paste -sd, -)
    ((n > 6)) && shown+=",…"
    if { ((min == 0)) && ((n == 0)); } || { ((min > 0)) && ((n >= min)); }; then
        printf '   ok    %-58s %s\n' "$what" "${shown:-none}"
    else
        printf '   FAIL  %-58s %s frame(s) match %s\n' "$what" "$n" "$filter"
        FAILED=1
    fi
}
# expect_info FILE WHAT PATTERN...: each pattern matches a line of capinfos'
# report (file type, link type, timestamp precision, interfaces).
expect_info() {
    local f=$1 what=$2 info pattern
    shift 2
    info=$(capinfos -t -E -F -I -M "$f" 2>/dev/null)
    for pattern; do
        if ! grep -Eq "$pattern" <<<"$info"; then
            printf '   FAIL  %-58s capinfos has no %s\n' "$what" "$pattern"
            FAILED=1
            return
        fi
    done
    printf '   ok    %-58s\n' "$what"
}
# The link type number in a classic pcap file header.
expect_linktype() {
    local f=$1 want=$2 what=$3 got
    got=$(od -An -tu4 -j20 -N4 "$f" | tr -d ' ')
    if [[ $got == "$want" ]]; then
        printf '   ok    %-58s %s\n' "$what" "$got"
    else
        printf '   FAIL  %-58s link type %s\n' "$what" "$got"
        FAILED=1
    fi
}

verify_curl_redirect() {
    local f=$1
    expect "$f" 1 'arp.opcode==1 && arp.dst.proto_ipv4==198.51.100.1' 'ARP who-has the gateway 198.51.100.1'
    expect "$f" 1 'arp.opcode==2 && arp.src.proto_ipv4==198.51.100.1' 'ARP reply from the gateway'
    expect "$f" 1 'dns.flags.response==0 && dns.qry.name=="google.com" && dns.qry.type==1' 'DNS query A google.com'
    expect "$f" 1 'dns.flags.response==1 && dns.cname=="www3.l.google.com"' 'DNS answer with CNAME www.google.com → www3.l'
    expect "$f" 1 'tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport==80' 'SYN to port 80'
    expect "$f" 1 'http.request.method=="GET"' 'GET / on port 80'
    expect "$f" 1 'http.response.code==301 && http.location=="https://www.google.com/"' '301 to https://www.google.com/'
    expect "$f" 1 'tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport==443' 'SYN to port 443'
    expect "$f" 1 'tls.handshake.type==1 && tls.handshake.extensions_server_name=="www.google.com"' 'ClientHello with SNI www.google.com'
    expect "$f" 1 'tls.handshake.type==2 && tls.handshake.extensions.supported_version==0x0304' 'ServerHello choosing TLS 1.3'
    expect "$f" 4 'tcp.flags.fin==1' 'FINs of both connections'
}
verify_chromium() {
    local f=$1
    expect "$f" 1 'dns.qry.name=="www.google.com" && dns.qry.type==65' 'DNS HTTPS (type 65) query for www.google.com'
    expect "$f" 1 'tls.handshake.type==1 && tls.handshake.extensions_server_name=="www.google.com" && tcp.segment.count>=2' \
        'ClientHello for www.google.com in ≥2 TCP segments'
    expect "$f" 1 'tls.handshake.type==1 && tls.handshake.extensions_key_share_group==4588' 'key share X25519MLKEM768 (0x11ec)'
    expect "$f" 1 'tls.handshake.type==1 && tls.handshake.extensions_server_name=="static.google.com"' 'ClientHello for static.google.com (same server)'
    expect "$f" 2 'tcp.flags.fin==1' 'teardown'
}
verify_dns_types() {
    local f=$1 t
    expect "$f" 1 'frame.number<=4 && arp.dst.proto_ipv4==198.51.100.1' 'ARP for the gateway at the start'
    for t in 1:A 28:AAAA 15:MX 16:TXT 33:SRV 12:PTR 65:HTTPS; do
        expect "$f" 1 "udp && dns.flags.response==1 && dns.qry.type==${t%%:*} && dns.count.answers>0" "answer ${t#*:}"
    done
    expect "$f" 1 'dns.flags.response==1 && dns.cname=="www3.l.google.com"' 'CNAME chain www.google.com'
    expect "$f" 1 'dns.flags.rcode==3' 'NXDOMAIN nosuch.google.com'
    expect "$f" 1 'udp && dns.flags.truncated==1' 'truncated answer over UDP (TC)'
    expect "$f" 1 'tcp && dns.flags.response==1 && dns.qry.name=="big.google.com"' 'the same question answered over TCP'
    expect "$f" 1 'tcp && dns.flags.response==1 && dns.qry.name=="static.google.com"' '+tcp query'
}
verify_curl_ipv6() {
    local f=$1
    expect "$f" 1 'icmpv6.type==135 && icmpv6.nd.ns.target_address==2001:db8:1::1' 'neighbour solicitation for 2001:db8:1::1'
    expect "$f" 1 'icmpv6.type==136 && icmpv6.nd.na.target_address==2001:db8:1::1' 'neighbour advertisement'
    expect "$f" 1 'ipv6.dst==2001:db8:2::53 && dns.qry.type==28' 'DNS AAAA over IPv6'
    expect "$f" 1 'ipv6 && tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport==443' 'SYN over IPv6'
    expect "$f" 1 'ipv6 && tls.handshake.type==1 && tls.handshake.extensions_server_name=="www.google.com"' 'ClientHello over IPv6'
    expect "$f" 0 'ip' 'no IPv4'
}
verify_curl_tls12() {
    local f=$1
    expect "$f" 1 'tls.handshake.type==1' 'ClientHello'
    expect "$f" 1 'tls.handshake.type==2 && tls.handshake.version==0x0303 && !tls.handshake.extensions.supported_version' 'ServerHello choosing TLS 1.2'
    expect "$f" 1 'tls.handshake.type==11' 'Certificate'
    expect "$f" 1 'tls.handshake.type==12' 'ServerKeyExchange'
    expect "$f" 1 'tls.handshake.type==14' 'ServerHelloDone'
    expect "$f" 1 'tls.handshake.type==16' 'ClientKeyExchange'
    expect "$f" 2 'tls.record.content_type==20' 'ChangeCipherSpec both ways'
    expect "$f" 2 'tls.record.content_type==23' 'application data'
}
verify_any_sll2() {
    local f=$1
    expect_info "$f" 'classic pcap, microseconds, Linux cooked v2' '^File type: +pcap$' \
        '^File encapsulation: +linux-sll2$' 'precision: +microseconds'
    expect_linktype "$f" 276 'link type LINUX_SLL2 in the file header'
    expect "$f" 1 'sll.pkttype==4' 'outgoing frames'
    expect "$f" 1 'http.response.code==301' '301 (not followed)'
    expect "$f" 0 'tls' 'no TLS'
}
verify_nano_vlan() {
    local f=$1
    expect_info "$f" 'classic pcap, nanoseconds, Ethernet' '^File type: +nsecpcap$' \
        '^File encapsulation: +ether$' 'precision: +nanoseconds'
    expect_linktype "$f" 1 'link type ETHERNET in the file header'
    expect "$f" 0 '!vlan' 'every frame tagged'
    expect "$f" 16 'vlan.id==100' '802.1Q VLAN 100'
    expect "$f" 1 'arp.opcode==1 && arp.dst.proto_ipv4==192.0.2.1' 'ARP who-has 192.0.2.1 on the VLAN'
    expect "$f" 2 'icmp.type==0' 'echo replies'
    expect "$f" 1 'dns.flags.response==1 && ip.dst==192.0.2.10' 'DNS answer over the VLAN'
    expect "$f" 1 'http.response.code==301' '301'
}
verify_two_interfaces() {
    local f=$1
    expect_info "$f" 'pcapng, two interfaces' '^File type: +pcapng$' \
        '^Number of interfaces in file: 2$' 'Interface #1 info'
    expect "$f" 1 'frame.interface_id==0' 'frames on interface 0 (client side)'
    expect "$f" 1 'frame.interface_id==1' 'frames on interface 1 (server side)'
    expect "$f" 0 'frame.interface_id>1' 'no third interface'
    expect "$f" 2 'tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport==80' 'the SYN seen on both links'
    expect "$f" 1 'http.response.code==301' '301'
}

verify_lossy() {
    local f=$1
    expect "$f" 0 'frame.cap_len > 128' 'snap length 128'
    expect "$f" 1 'tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport==7070' 'SYN to port 7070'
    expect "$f" 1 'tcp.analysis.lost_segment' 'segments the link dropped (previous segment not captured)'
    expect "$f" 3 'tcp.analysis.duplicate_ack' 'duplicate ACKs'
    expect "$f" 1 'tcp.options.sack_le' 'SACK blocks'
    expect "$f" 1 'tcp.analysis.fast_retransmission' 'fast retransmission'
    expect "$f" 2 'tcp.analysis.retransmission' 'retransmissions'
    expect "$f" 1 'tcp.analysis.out_of_order' 'out-of-order segments'
    expect "$f" 1 'tcp.analysis.spurious_retransmission' 'a copy delayed past the retransmission (spurious)'
    expect "$f" 2 'tcp.flags.fin==1' 'teardown'
}
verify_zero_window() {
    local f=$1
    expect "$f" 0 'frame.cap_len > 128' 'snap length 128'
    expect "$f" 1 'tcp.analysis.zero_window' 'zero windows from the client'
    expect "$f" 1 'tcp.analysis.window_update' 'window updates'
    expect "$f" 1 'tcp.flags.fin==1 && tcp.srcport==7071' 'the server closes'
}
verify_refused() {
    local f=$1
    expect "$f" 1 'tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport==81' 'SYN to the closed port 81'
    expect "$f" 1 'tcp.flags.reset==1 && tcp.flags.ack==1 && tcp.srcport==81' 'RST/ACK from 203.0.113.100:81'
    expect "$f" 1 'dns.flags.response==0 && ip.dst==203.0.113.100 && udp.dstport==53' 'DNS query to 203.0.113.100:53'
    expect "$f" 1 'icmp.type==3 && icmp.code==3' 'ICMP port unreachable'
}

# Fails when a capture holds an address outside the documentation ranges,
# link-local/multicast (needed by neighbour discovery) and loopback.
check_addresses() {
    local f=$1 bad
    bad=$(tshark -r "$f" -n -T fields -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst \
            -e arp.src.proto_ipv4 -e arp.dst.proto_ipv4 -e dns.a -e dns.aaaa \
            -e dhcp.ip.your -e dhcp.option.router -e dhcp.option.domain_name_server 2>/dev/null |
        tr '\t,' '\n\n' | sort -u | grep -v '^$' |
        grep -Ev '^(192\.0\.2\.|198\.51\.100\.|203\.0\.113\.|2001:db8:|fe80::|ff02::|127\.0\.0\.1$|::1$|::$|0\.0\.0\.0$|255\.255\.255\.255$|239\.255\.255\.250$)' || true)
    if [[ -n $bad ]]; then
        printf '   FAIL  addresses outside the documentation ranges: %s\n' "$(paste -sd' ' - <<<"$bad")"
        FAILED=1
    else
        printf '   ok    %-58s\n' 'only documentation, link-local and loopback addresses'
    fi
}

SAMPLE_FILES=(curl_redirect:curl-redirect.pcapng chromium:chromium-pageload.pcapng
    dns_types:dns-types.pcapng curl_ipv6:curl-ipv6.pcapng curl_tls12:curl-tls12.pcapng
    any_sll2:any-sll2.pcap nano_vlan:nano-vlan.pcap two_interfaces:two-interfaces.pcapng
    websocket:websocket.pcapng dhcp:dhcp-pageload.pcapng keepalive:http-keepalive.pcapng
    http3:http3.pcapng
    lossy:lossy.pcapng refused:refused.pcapng zero_window:zero-window.pcapng
    lossy_pageload:lossy-pageload.pcapng
    repeated_visits:repeated-visits.pcapng parallel_visits:parallel-visits.pcapng
    ip_literal:ip-literal.pcapng dig_only:dig-only.pcapng
    ping_traceroute:ping-traceroute.pcapng dhcp_renewal:dhcp-renewal.pcapng)
check_all() {
    local entry name f size
    for entry in "${SAMPLE_FILES[@]}"; do
        name=${entry%%:*} f=$OUT/${entry#*:}
        if [[ ! -e $f ]]; then
            printf '%s: missing\n' "$f"
            FAILED=1
            continue
        fi
        size=$(stat -c %s "$f")
        printf '%s  %s bytes, %s frames, %s\n' "${entry#*:}" "$size" \
            "$(tshark -r "$f" -n 2>/dev/null | wc -l)" \
            "$(capinfos -t -E -T -M -r "$f" 2>/dev/null | cut -f2,3 | tr '\t' ' ')"
        tshark -r "$f" -n -q -z io,phs 2>/dev/null | sed -n '/^eth\|^sll/,/^====/p' | grep -v '^====' |
            sed 's/^/      /' | head -12
        ((size < 200000)) || { printf '   FAIL  larger than 200 KB\n'; FAILED=1; }
        check_addresses "$f"
        "verify_$name" "$f"
    done
    ((FAILED == 0)) || { echo "record.sh: checks failed" >&2; return 1; }
    echo "record.sh: all checks passed"
}

# A WebSocket echo server and client on the `websockets` library: `serve`
# listens on 203.0.113.100:8080, `client N` runs N pairs of sessions.
write_ws_py() {
    cat >"$WORK/ws.py" <<'PY'
# An echo server and a client on the `websockets` library (RFC 6455, with
# permessage-deflate, RFC 7692, when the client asks for it).
import sys
from websockets.sync.client import connect
from websockets.sync.server import serve
# The name is looked up through the lab's resolver, as a browser would.
URI = "ws://www.google.com:8080/chat"
def echo(ws):
    for message in ws:
        ws.send(message)
def client(rounds):
    for _ in range(rounds):
        # Uncompressed: text, a message in two fragments, binary, ping.
        with connect(URI, compression=None, open_timeout=5) as ws:
            ws.send("hello"); ws.recv(timeout=5)
            ws.send(["frag", "mented"]); ws.recv(timeout=5)
            ws.send(bytes(range(256)) * 4); ws.recv(timeout=5)
            ws.ping(b"are you there").wait(5)
            ws.close(1000, "bye")
        # Compressed, as browsers negotiate it.
        with connect(URI, open_timeout=5) as ws:
            ws.send("hello, compressed " * 8); ws.recv(timeout=5)
            ws.close()
if sys.argv[1] == "serve":
    with serve(echo, "203.0.113.100", 8080) as server:
        server.serve_forever()
else:
    client(int(sys.argv[2]))
PY
}

# Two WebSocket sessions with the `websockets` library: one uncompressed
# (text, a fragmented message, binary, ping/pong, close with a reason), one
# with permessage-deflate.
record_websocket() {
    prepare
    local f=$OUT/websocket.pcapng
    write_ws_py
    ip netns exec nx-web python3 "$WORK/ws.py" serve &
    local ws=$!
    wait_listening nx-web -ltn '203.0.113.100:8080'
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client python3 "$WORK/ws.py" client 1
    stop_capture 2
    kill "$ws" 2>/dev/null || true
    wait "$ws" 2>/dev/null || true
}

verify_websocket() {
    local f=$1
    expect "$f" 2 'http.upgrade=="websocket"' 'Upgrade: websocket requests'
    expect "$f" 2 'http.response.code==101' '101 Switching Protocols'
    expect "$f" 2 'websocket.opcode==1 && websocket.mask==1' 'masked text frames from the client'
    expect "$f" 1 'websocket.opcode==0 && websocket.fin==1' 'the last fragment of a fragmented message'
    expect "$f" 1 'websocket.opcode==9' 'a ping'
    expect "$f" 1 'websocket.opcode==10' 'its pong'
    expect "$f" 2 'websocket.rsv==0x04' 'compressed frames (RSV1, permessage-deflate)'
    expect "$f" 4 'websocket.opcode==8' 'close handshakes'
}

# Several requests on one HTTP/1.1 connection: curl fetches the page, its
# stylesheet (gzip, so chunked) and a missing file, then, after --next, asks
# for a script with HEAD — all over the one connection it keeps open.
record_keepalive() {
    prepare
    local f=$OUT/http-keepalive.pcapng u=http://www.google.com:8000
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client curl -4 -sS --http1.1 --compressed --max-time 10 \
        "$u/" -o /dev/null "$u/style.css" -o /dev/null "$u/missing" -o /dev/null \
        --next -4 -sS --http1.1 -I --max-time 10 "$u/app.js" -o /dev/null
    stop_capture 3.5
}

verify_keepalive() {
    local f=$1
    expect "$f" 3 'http.request.method=="GET" && tcp.stream==0' 'three GETs on the first connection'
    expect "$f" 1 'http.request.method=="HEAD" && tcp.stream==0' 'then a HEAD on the same connection'
    expect "$f" 1 'http.response.code==404' 'a 404 for the missing file'
    expect "$f" 1 'http.transfer_encoding=="chunked"' 'a chunked (gzip) answer'
    expect "$f" 1 'tcp.flags.syn==1 && tcp.flags.ack==0' 'one SYN'
    expect "$f" 0 'tcp.stream==1' 'no second connection'
}

# The client starts with no IPv4 address: ISC dhclient gets one from a
# dnsmasq DHCP server on the gateway (DISCOVER, OFFER, REQUEST, ACK, with the
# router and the resolver), curl then loads https://www.google.com/, and
# dhclient releases the address.
record_dhcp() {
    prepare
    local f=$OUT/dhcp-pageload.pcapng
    in_ns nx-client ip -4 addr flush dev nxc0
    in_ns nx-gw dnsmasq --no-daemon --port=0 --interface=nxg0 --bind-interfaces \
        --dhcp-range=198.51.100.100,198.51.100.150,255.255.255.0,1h \
        --dhcp-option=option:router,198.51.100.1 \
        --dhcp-option=option:dns-server,203.0.113.53 \
        --dhcp-option=option:domain-name,lab.example \
        --dhcp-leasefile="$WORK/dhcp.leases" --dhcp-authoritative \
        --log-dhcp --log-facility=- >>"$WORK/dhcpd.log" 2>&1 &
    local dhcpd=$!
    wait_listening nx-gw -lun ':67 '
    # Only what is written here is sent: no host name of this machine.
    cat >"$WORK/dhclient.conf" <<'CONF'
send host-name "nx-client";
request subnet-mask, broadcast-address, routers, domain-name, domain-name-servers;
CONF
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client timeout 30 dhclient -4 -1 -cf "$WORK/dhclient.conf" \
        -lf "$WORK/dhclient.leases" -pf "$WORK/dhclient.pid" nxc0
    in_ns nx-client curl -4 -sS -k --http1.1 --max-time 10 https://www.google.com/ -o /dev/null
    sleep 2.5
    in_ns nx-client timeout 10 dhclient -4 -r -cf "$WORK/dhclient.conf" \
        -lf "$WORK/dhclient.leases" -pf "$WORK/dhclient.pid" nxc0
    stop_capture 1
    kill "$dhcpd" 2>/dev/null || true
    wait "$dhcpd" 2>/dev/null || true
    # Back to the lab's static address for the other samples.
    client_static_address
}

verify_dhcp() {
    local f=$1
    expect "$f" 1 'dhcp.option.dhcp==1' 'DHCPDISCOVER'
    expect "$f" 1 'dhcp.option.dhcp==2 && dhcp.option.router==198.51.100.1 && dhcp.option.domain_name_server==203.0.113.53' 'DHCPOFFER with router and resolver'
    expect "$f" 1 'dhcp.option.dhcp==3' 'DHCPREQUEST'
    expect "$f" 1 'dhcp.option.dhcp==5' 'DHCPACK'
    expect "$f" 1 'dhcp.option.dhcp==7' 'DHCPRELEASE'
    expect "$f" 1 'dns.flags.response==0 && dns.qry.name=="www.google.com"' 'DNS query for www.google.com'
    expect "$f" 1 'tls.handshake.type==1' 'ClientHello'
    expect "$f" 1 'http2 || tls.app_data' 'encrypted HTTP'
}

# A minimal HTTP/3 server (RFC 9114) on aioquic's API, on UDP 443 of nx-web
# with the lab's certificate: GET / is answered with a small page, anything
# else with 404. aioquic's own example server lives in its repository, not
# in its wheel.
write_h3_py() {
    cat >"$WORK/h3.py" <<'PY'
import asyncio, sys
from aioquic.asyncio import QuicConnectionProtocol, serve
from aioquic.h3.connection import H3_ALPN, H3Connection
from aioquic.h3.events import HeadersReceived
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.events import ProtocolNegotiated
PAGE = b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Google</title></head><body><h1>HTTP/3</h1></body></html>\n'
class H3(QuicConnectionProtocol):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.h3 = None
    def quic_event_received(self, event):
        if isinstance(event, ProtocolNegotiated) and event.alpn_protocol in H3_ALPN:
            self.h3 = H3Connection(self._quic)
        if self.h3 is None:
            return
        for e in self.h3.handle_event(event):
            if isinstance(e, HeadersReceived):
                found = dict(e.headers).get(b":path") == b"/"
                body = PAGE if found else b"not found\n"
                self.h3.send_headers(e.stream_id, [(b":status", b"200" if found else b"404"),
                    (b"content-type", b"text/html"), (b"content-length", str(len(body)).encode())])
                self.h3.send_data(e.stream_id, body, end_stream=True)
                self.transmit()
async def main(cert, key):
    config = QuicConfiguration(is_client=False, alpn_protocols=H3_ALPN)
    config.load_cert_chain(cert, key)
    await serve("::", 443, configuration=config, create_protocol=H3)
    await asyncio.sleep(60)
asyncio.run(main(sys.argv[1], sys.argv[2]))
PY
}

# One page load over HTTP/3: headless Chromium forced onto QUIC for
# www.google.com, trusting the lab certificate by its SPKI hash; its
# ClientHello (GREASE, post-quantum key share) spans several Initials.
record_http3() {
    python3 -c 'import aioquic' 2>/dev/null ||
        { echo "record.sh: http3 needs the aioquic Python package (pip install aioquic)" >&2; exit 1; }
    prepare
    local f=$OUT/http3.pcapng profile=$WORK/chromium-h3 spki
    rm -rf "$profile"; mkdir -p "$profile"
    write_h3_py
    spki=$(openssl x509 -in "$WORK/nginx/cert.pem" -pubkey -noout | openssl pkey -pubin -outform der |
        openssl dgst -sha256 -binary | base64)
    ip netns exec nx-web timeout 60 python3 "$WORK/h3.py" "$WORK/nginx/cert.pem" "$WORK/nginx/key.pem" \
        >"$WORK/h3.log" 2>&1 &
    local h3=$!
    wait_listening nx-web -lun ":443 "
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    HOME=$profile in_ns nx-client timeout 40 chromium --headless=new --no-sandbox \
        --user-data-dir="$profile" --enable-quic --origin-to-force-quic-on=www.google.com:443 \
        --ignore-certificate-errors-spki-list="$spki" \
        --no-first-run --no-default-browser-check --disable-background-networking \
        --disable-component-update --disable-sync --disable-default-apps \
        --disable-domain-reliability --disable-breakpad --metrics-recording-only \
        --disable-features=OptimizationHints,MediaRouter,DnsOverHttpsUpgrade,Translate \
        --virtual-time-budget=3000 --dump-dom https://www.google.com/ >"$WORK/dom.html" 2>"$WORK/chromium.log" || true
    stop_capture 2
    kill "$h3" 2>/dev/null || true
    wait "$h3" 2>/dev/null || true
    grep -q "HTTP/3" "$WORK/dom.html" || {
        echo "record.sh: chromium did not load the page over HTTP/3" >&2
        tail -n 5 "$WORK/chromium.log" "$WORK/h3.log" >&2
        exit 1
    }
}

verify_http3() {
    local f=$1
    expect "$f" 1 'dns.qry.name=="www.google.com"' 'DNS query for www.google.com'
    expect "$f" 2 'quic.long.packet_type==0 && udp.dstport==443' 'client Initial packets'
    expect "$f" 1 'tls.handshake.type==1 && tls.handshake.extensions_server_name=="www.google.com" && tls.handshake.extensions_alpn_str=="h3"' \
        'ClientHello for www.google.com offering h3'
    expect "$f" 1 'tls.handshake.type==1 && tls.handshake.extensions_key_share_group==4588' 'key share X25519MLKEM768 (0x11ec)'
    expect "$f" 1 'tls.handshake.type==2 && quic.long.packet_type==0 && udp.srcport==443' 'ServerHello in the server Initial'
    expect "$f" 1 'tls.handshake.type==1 && quic.crypto.fragment < frame.number' \
        'ClientHello reassembled from CRYPTO frames of two Initials'
    expect "$f" 4 'quic.header_form==0 && !(quic.header_form==1)' 'datagrams of 1-RTT (short-header) packets only'
    expect "$f" 0 'tcp.port==443' 'no TCP to port 443'
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
    write_ws_py
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

# TLS 1.3 HelloRetryRequest: openssl s_server on 203.0.113.100:4433 accepts
# only secp384r1, curl offers x25519 and secp384r1 with a key share for
# x25519 only, so the server asks again (RFC 8446 §4.1.4) and the client's
# second ClientHello carries a secp384r1 share.
record_tls_hrr() {
    prepare
    local f=$OUT/tls-hrr.pcapng d=$WORK/nginx srv
    ip netns exec nx-web openssl s_server -quiet -accept 203.0.113.100:4433 -www \
        -cert "$d/cert.pem" -key "$d/key.pem" -tls1_3 -groups secp384r1 </dev/null >/dev/null 2>&1 &
    srv=$!
    wait_listening nx-web -ltn '203.0.113.100:4433'
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client curl -4 -sS -k --http1.1 --curves x25519:secp384r1 --max-time 10 \
        https://www.google.com:4433/ -o /dev/null
    stop_capture 3
    kill "$srv" 2>/dev/null || true
    wait "$srv" 2>/dev/null || true
}
verify_tls_hrr() {
    local f=$1
    expect "$f" 2 'tls.handshake.type==1' 'two ClientHellos'
    expect "$f" 1 'tls.handshake.type==2 && tls.handshake.random==cf:21:ad:74:e5:9a:61:11:be:1d:8c:02:1e:65:b8:91:c2:a2:11:16:7a:bb:8c:5e:07:9e:09:e2:c8:a8:33:9c' 'a HelloRetryRequest'
    expect "$f" 1 'tls.handshake.type==2 && tls.handshake.extensions_key_share_group==24 && tls.handshake.extensions_key_share_key_exchange_length>0' 'the real ServerHello with a secp384r1 share'
    expect "$f" 1 'tls.record.content_type==20' 'middlebox-compatibility ChangeCipherSpec'
}

# TLS 1.2 with no ALPN offered: the ServerHello has no ALPN either.
record_tls12_noalpn() {
    prepare
    local f=$OUT/tls12-noalpn.pcapng
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client curl -4 -sS -k --tls-max 1.2 --no-alpn --http1.1 --max-time 10 \
        https://www.google.com/ -o /dev/null
    stop_capture 3.5
}
verify_tls12_noalpn() {
    local f=$1
    expect "$f" 1 'tls.handshake.type==2 && tls.handshake.version==0x0303' 'ServerHello choosing TLS 1.2'
    expect "$f" 0 'tls.handshake.extensions_alpn_str' 'no ALPN either way'
    expect "$f" 1 'tls.record.content_type==23' 'application data'
}
SAMPLE_FILES+=(tls_hrr:tls-hrr.pcapng tls12_noalpn:tls12-noalpn.pcapng)

# HTTP/3 on UDP 4433 instead of 443: the aioquic server of record_http3 on
# another port, Chromium forced to QUIC for www.google.com:4433.
record_quic_port() {
    python3 -c 'import aioquic' 2>/dev/null ||
        { echo "record.sh: quic_port needs the aioquic Python package (pip install aioquic)" >&2; exit 1; }
    prepare
    local f=$OUT/quic-port.pcapng profile=$WORK/chromium-h3p spki
    rm -rf "$profile"; mkdir -p "$profile"
    write_h3_py
    sed -i 's/serve("::", 443,/serve("::", 4433,/' "$WORK/h3.py"
    spki=$(openssl x509 -in "$WORK/nginx/cert.pem" -pubkey -noout | openssl pkey -pubin -outform der |
        openssl dgst -sha256 -binary | base64)
    ip netns exec nx-web timeout 60 python3 "$WORK/h3.py" "$WORK/nginx/cert.pem" "$WORK/nginx/key.pem" \
        >"$WORK/h3p.log" 2>&1 &
    local h3=$!
    wait_listening nx-web -lun ":4433 "
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    HOME=$profile in_ns nx-client timeout 40 chromium --headless=new --no-sandbox \
        --user-data-dir="$profile" --enable-quic --origin-to-force-quic-on=www.google.com:4433 \
        --ignore-certificate-errors-spki-list="$spki" \
        --no-first-run --no-default-browser-check --disable-background-networking \
        --disable-component-update --disable-sync --disable-default-apps \
        --disable-domain-reliability --disable-breakpad --metrics-recording-only \
        --disable-features=OptimizationHints,MediaRouter,DnsOverHttpsUpgrade,Translate \
        --virtual-time-budget=3000 --dump-dom https://www.google.com:4433/ >"$WORK/domp.html" 2>"$WORK/chromiump.log" || true
    stop_capture 2
    kill "$h3" 2>/dev/null || true
    wait "$h3" 2>/dev/null || true
}
verify_quic_port() {
    local f=$1
    expect "$f" 1 'udp.dstport==4433 && quic.long.packet_type==0' 'a QUIC Initial to UDP 4433'
    expect "$f" 1 'udp.srcport==4433 && quic.long.packet_type==0' "the server's Initial from UDP 4433"
    expect "$f" 0 'udp.port==443' 'nothing on UDP 443'
}
SAMPLE_FILES+=(quic_port:quic-port.pcapng)

# Repeated visits: curl loads http://www.google.com:8000/ twice a second
# apart, then, after 40 s of silence, a third time. Each run looks the name
# up again, opens its own connection and closes it: three page loads.
record_repeated_visits() {
    prepare
    local f=$OUT/repeated-visits.pcapng u=http://www.google.com:8000/
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client curl -4 -sS --http1.1 --max-time 10 "$u" -o /dev/null
    sleep 1
    in_ns nx-client curl -4 -sS --http1.1 --max-time 10 "$u" -o /dev/null
    sleep 40
    in_ns nx-client curl -4 -sS --http1.1 --max-time 10 "$u" -o /dev/null
    stop_capture 1
}
verify_repeated_visits() {
    local f=$1
    expect "$f" 3 'dns.flags.response==0 && dns.qry.name=="www.google.com" && dns.qry.type==1' 'three A queries for www.google.com'
    expect "$f" 3 'tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport==8000' 'three connections to port 8000'
    expect "$f" 3 'http.request.method=="GET"' 'three GETs'
    expect "$f" 1 'frame.time_relative > 40 && dns.flags.response==0' 'the third lookup, after a 40 s gap'
}

# Parallel visits: two curl runs of https://www.google.com/ started at the
# same moment, each with its own lookup and connection.
record_parallel_visits() {
    prepare
    local f=$OUT/parallel-visits.pcapng u=https://www.google.com/
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client curl -4 -sS -k --http1.1 --max-time 10 "$u" -o /dev/null &
    local a=$!
    in_ns nx-client curl -4 -sS -k --http1.1 --max-time 10 "$u" -o /dev/null &
    local b=$!
    wait "$a" "$b"
    stop_capture 3.5
}
verify_parallel_visits() {
    local f=$1
    expect "$f" 2 'dns.flags.response==0 && dns.qry.name=="www.google.com" && dns.qry.type==1' 'two A queries for www.google.com'
    expect "$f" 2 'tls.handshake.type==1' 'two ClientHellos'
    expect "$f" 2 'tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport==443' 'two connections'
}

# A URL with an address instead of a name: no DNS at all.
record_ip_literal() {
    prepare
    local f=$OUT/ip-literal.pcapng
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client curl -4 -sS --http1.1 --max-time 10 http://203.0.113.100/ -o /dev/null
    stop_capture 3.5
}
verify_ip_literal() {
    local f=$1
    expect "$f" 0 'dns' 'no DNS'
    expect "$f" 1 'http.request.method=="GET" && http.host=="203.0.113.100"' 'GET with Host 203.0.113.100'
    expect "$f" 1 'http.response.code==301' '301'
}

# dig alone: one lookup, nothing else.
record_dig_only() {
    prepare
    local f=$OUT/dig-only.pcapng
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client dig +time=2 +tries=1 @203.0.113.53 www.google.com A >/dev/null
    stop_capture 1
}
verify_dig_only() {
    local f=$1
    expect "$f" 1 'dns.flags.response==0 && dns.qry.name=="www.google.com"' 'the query'
    expect "$f" 1 'dns.flags.response==1 && dns.cname=="www3.l.google.com"' 'the CNAME answer'
    expect "$f" 0 'tcp' 'no TCP'
}

# Ping and traceroute across two routers: a second router nx-r2
# (203.0.113.2 on the gateway's bridge) leads to nx-far 192.0.2.200 on
# 192.0.2.192/28. ping sends three echo requests; traceroute (UDP, one probe
# per hop) gets time exceeded from 198.51.100.1 and 203.0.113.2, then port
# unreachable from 192.0.2.200.
record_ping_traceroute() {
    prepare
    local f=$OUT/ping-traceroute.pcapng
    ip netns del nx-r2 2>/dev/null || true
    ip netns del nx-far 2>/dev/null || true
    ip netns add nx-r2
    ip netns add nx-far
    NS+=(nx-r2 nx-far)
    in_ns nx-r2 ip link set lo up
    in_ns nx-far ip link set lo up
    in_ns nx-r2 sysctl -qw net.ipv4.ip_forward=1
    ip link add nxr0 netns nx-r2 type veth peer name nxgr netns nx-gw
    ip link add nxr1 netns nx-r2 type veth peer name nxf0 netns nx-far
    in_ns nx-gw ip link set nxgr master br0
    in_ns nx-gw ip link set nxgr up
    in_ns nx-r2 ip addr add 203.0.113.2/24 dev nxr0
    in_ns nx-r2 ip addr add 192.0.2.193/28 dev nxr1
    in_ns nx-r2 ip link set nxr0 up
    in_ns nx-r2 ip link set nxr1 up
    in_ns nx-r2 ip route add default via 203.0.113.1
    in_ns nx-far ip addr add 192.0.2.200/28 dev nxf0
    in_ns nx-far ip link set nxf0 up
    in_ns nx-far ip route add default via 192.0.2.193
    in_ns nx-gw ip route add 192.0.2.192/28 via 203.0.113.2
    in_ns nx-client ping -c 1 -W 2 192.0.2.200 >/dev/null || true
    flush_neighbours
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client ping -c 3 -i 0.2 -W 2 192.0.2.200 >/dev/null
    in_ns nx-client traceroute -n -q 1 -w 2 -m 5 192.0.2.200 >/dev/null
    stop_capture 1
    in_ns nx-gw ip route del 192.0.2.192/28 via 203.0.113.2 || true
    ip netns del nx-far
    ip netns del nx-r2
    NS=(nx-client nx-gw nx-web nx-dns)
}
verify_ping_traceroute() {
    local f=$1
    expect "$f" 3 'icmp.type==8 && ip.dst==192.0.2.200' 'three echo requests'
    expect "$f" 3 'icmp.type==0 && ip.src==192.0.2.200' 'three echo replies'
    expect "$f" 1 'icmp.type==11 && ip.src==198.51.100.1' 'time exceeded from the first router'
    expect "$f" 1 'icmp.type==11 && ip.src==203.0.113.2' 'time exceeded from the second router'
    expect "$f" 1 'icmp.type==3 && icmp.code==3 && ip.src==192.0.2.200' 'port unreachable from the target'
}

# DHCP renewal: dhclient gets a lease from dnsmasq on the gateway with
# T1 = 10 s and T2 = 20 s (options 58/59, lease 2 min), stays running and
# renews by unicast at T1, then releases the address.
record_dhcp_renewal() {
    prepare
    local f=$OUT/dhcp-renewal.pcapng
    in_ns nx-client ip -4 addr flush dev nxc0
    in_ns nx-gw dnsmasq --no-daemon --port=0 --interface=nxg0 --bind-interfaces \
        --dhcp-range=198.51.100.100,198.51.100.150,255.255.255.0,2m \
        --dhcp-option=option:router,198.51.100.1 \
        --dhcp-option=option:dns-server,203.0.113.53 \
        --dhcp-option=option:T1,10 --dhcp-option=option:T2,20 \
        --dhcp-leasefile="$WORK/dhcp2.leases" --dhcp-authoritative \
        --log-dhcp --log-facility=- >>"$WORK/dhcpd2.log" 2>&1 &
    local dhcpd=$!
    wait_listening nx-gw -lun ':67 '
    cat >"$WORK/dhclient2.conf" <<'CONF'
send host-name "nx-client";
request subnet-mask, broadcast-address, routers, domain-name-servers, renewal-time, rebinding-time;
CONF
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client timeout 20 dhclient -4 -d -cf "$WORK/dhclient2.conf" \
        -lf "$WORK/dhclient2.leases" -pf "$WORK/dhclient2.pid" nxc0 >>"$WORK/dhclient2.log" 2>&1 || true
    in_ns nx-client timeout 10 dhclient -4 -r -cf "$WORK/dhclient2.conf" \
        -lf "$WORK/dhclient2.leases" -pf "$WORK/dhclient2.pid" nxc0 || true
    stop_capture 1
    kill "$dhcpd" 2>/dev/null || true
    wait "$dhcpd" 2>/dev/null || true
    client_static_address
}

# Back to the lab's static address after a DHCP sample.
client_static_address() {
    in_ns nx-client ip -4 addr flush dev nxc0
    in_ns nx-client ip addr add 198.51.100.10/24 dev nxc0
    in_ns nx-client ip route replace default via 198.51.100.1
    echo "nameserver 203.0.113.53" >/etc/netns/nx-client/resolv.conf
}
verify_dhcp_renewal() {
    local f=$1
    expect "$f" 1 'dhcp.option.dhcp==1' 'DHCPDISCOVER'
    expect "$f" 2 'dhcp.option.dhcp==5' 'two DHCPACKs (lease, renewal)'
    expect "$f" 1 'dhcp.option.dhcp==3 && dhcp.ip.client!=0.0.0.0' 'the renewing DHCPREQUEST (ciaddr set)'
    expect "$f" 1 'dhcp.option.renewal_time_value==10' 'T1 = 10 s in the ACK'
    expect "$f" 1 'dhcp.option.dhcp==7' 'DHCPRELEASE'
}

# More samples live in samples/lab/*.sh, one file per group of recordings.
# Each defines record_NAME and verify_NAME for its samples and adds them with
#   EXTRA_SAMPLES+=(NAME) and EXTRA_FILES+=(NAME:file.pcapng)
# (a recording may need a setup of its own: it makes and removes it itself).
EXTRA_SAMPLES=() EXTRA_FILES=()
for lab_file in "$HERE"/lab/*.sh; do
    [[ -e $lab_file ]] || continue
    # shellcheck source=/dev/null
    source "$lab_file"
done
SAMPLE_FILES+=("${EXTRA_FILES[@]}")

if [[ ${1:-} == check ]]; then
    mkdir -p "$OUT"
    check_all
    exit
fi

[[ $(id -u) == 0 ]] || { echo "record.sh: run as root (network namespaces)" >&2; exit 1; }
for tool in ip nginx dnsmasq dhclient curl dig chromium dumpcap tcpdump tshark capinfos editcap openssl python3 ethtool timeout flock; do
    command -v "$tool" >/dev/null || { echo "record.sh: $tool is required" >&2; exit 1; }
done
ALL=(curl_redirect chromium dns_types curl_ipv6 curl_tls12 any_sll2 nano_vlan two_interfaces websocket
    dhcp keepalive http3 lossy refused zero_window lossy_pageload tls_hrr tls12_noalpn quic_port
    repeated_visits parallel_visits ip_literal dig_only ping_traceroute dhcp_renewal
    "${EXTRA_SAMPLES[@]}")
WANT=("${@:-${ALL[@]}}")
for w in "${WANT[@]}"; do
    declare -F "record_$w" >/dev/null || { echo "record.sh: no sample named $w (${ALL[*]} bench)" >&2; exit 1; }
done
mkdir -p "$OUT"
# The lab's namespace names are fixed: one recording at a time on a machine.
exec 9>/run/netexplain-lab.lock
flock -w 600 9 || { echo "record.sh: another recording holds /run/netexplain-lab.lock" >&2; exit 1; }
WORK=$(mktemp -d /tmp/netexplain-lab.XXXXXX)
trap cleanup EXIT
LAB=1
build_lab
start_web
wait_listening nx-web -ltn '203.0.113.100:443'
for w in "${WANT[@]}"; do
    log "recording $w"
    "record_$w"
done
[[ ${WANT[*]} == bench ]] && exit 0
chown "$(stat -c %u "$OUT")":"$(stat -c %g "$OUT")" "$OUT"/*.pcap* 2>/dev/null || true
chmod 644 "$OUT"/*.pcap* 2>/dev/null || true
check_all
