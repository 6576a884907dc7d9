# Tunnel and link-type samples (sourced by samples/record.sh).
#   vxlan_pageload  a page load inside VXLAN (VNI 42, UDP 4789) between the
#                   client and the gateway: the inner network is
#                   192.0.2.0/24 (client 192.0.2.10, gateway 192.0.2.1),
#                   the outer one the lab's 198.51.100.0/24 link; captured
#                   on the outer link (nxc0), so every frame is VXLAN.
#   nflog_ping      `tcpdump -i nflog:5` in the client while an
#                   `iptables -j NFLOG` rule logs its ICMP and DNS packets.
# This kernel has no GRE, Geneve, IPIP, SIT, ip6tnl, ERSPAN or MPLS
# drivers and no /dev/ppp, so those formats are built by hand in
# tests/tunnels_tshark.rs instead.

vxlan_setup() {
    in_ns nx-client ip link add vx0 type vxlan id 42 dstport 4789 \
        local 198.51.100.10 remote 198.51.100.1 dev nxc0
    in_ns nx-gw ip link add vx0 type vxlan id 42 dstport 4789 \
        local 198.51.100.1 remote 198.51.100.10 dev nxg0
    local ns
    for ns in nx-client nx-gw; do
        in_ns "$ns" sysctl -qw net.ipv6.conf.vx0.disable_ipv6=1
        in_ns "$ns" ethtool -K vx0 tso off gso off gro off >/dev/null 2>&1 || true
        in_ns "$ns" ip link set vx0 up
    done
    in_ns nx-client ip addr add 192.0.2.10/24 dev vx0
    in_ns nx-gw ip addr add 192.0.2.1/24 dev vx0
    in_ns nx-client ip route replace default via 192.0.2.1 dev vx0
}
vxlan_teardown() {
    in_ns nx-client ip route replace default via 198.51.100.1 dev nxc0
    in_ns nx-client ip link del vx0 2>/dev/null || true
    in_ns nx-gw ip link del vx0 2>/dev/null || true
}

record_vxlan_pageload() {
    vxlan_setup
    prepare
    local f=$OUT/vxlan-pageload.pcapng
    start_capture nx-client "$f" dumpcap -i nxc0 -f 'udp port 4789' -w "$f"
    in_ns nx-client ping -c 1 -W 2 192.0.2.1 >/dev/null
    in_ns nx-client curl -4 -sS -k --http1.1 --max-time 10 https://www.google.com/ -o /dev/null
    stop_capture 3.5
    vxlan_teardown
}
verify_vxlan_pageload() {
    local f=$1
    expect "$f" 0 'not vxlan' 'every frame is VXLAN'
    expect "$f" 1 'vxlan.vni==42 && icmp.type==0' 'the echo reply inside VNI 42'
    expect "$f" 1 'vxlan && dns.qry.name=="www.google.com" && dns.flags.response==1' 'the DNS answer inside the tunnel'
    expect "$f" 1 'vxlan && ip.src==192.0.2.10 && tcp.flags.syn==1 && tcp.flags.ack==0' 'the inner SYN'
    expect "$f" 1 'vxlan && tls.handshake.extensions_server_name=="www.google.com"' 'the SNI inside the tunnel'
}

record_nflog_ping() {
    prepare
    local f=$OUT/nflog-ping.pcap
    in_ns nx-client iptables -A OUTPUT -p icmp -j NFLOG --nflog-group 5 --nflog-prefix nx-ping
    in_ns nx-client iptables -A OUTPUT -p udp --dport 53 -j NFLOG --nflog-group 5 --nflog-prefix nx-dns
    in_ns nx-client iptables -A INPUT -p udp --sport 53 -j NFLOG --nflog-group 5 --nflog-prefix nx-dns-in
    start_capture nx-client "$f" tcpdump -i nflog:5 -U -w "$f"
    in_ns nx-client ping -c 2 -i 0.2 -W 2 203.0.113.100 >/dev/null
    in_ns nx-client dig +time=2 +tries=1 @203.0.113.53 www.google.com A >/dev/null
    stop_capture 1
    in_ns nx-client iptables -F OUTPUT
    in_ns nx-client iptables -F INPUT
}
verify_nflog_ping() {
    local f=$1
    expect_linktype "$f" 239 'link type NFLOG'
    expect "$f" 2 'nflog.prefix=="nx-ping" && icmp.type==8' 'the logged echo requests'
    expect "$f" 1 'nflog.prefix=="nx-dns" && dns.qry.name=="www.google.com"' 'the logged DNS query'
    expect "$f" 1 'nflog.prefix=="nx-dns-in" && dns.flags.response==1' 'the logged DNS answer'
}

EXTRA_SAMPLES+=(vxlan_pageload nflog_ping)
EXTRA_FILES+=(vxlan_pageload:vxlan-pageload.pcapng nflog_ping:nflog-ping.pcap)
