# Samples of what the wire carries inside or across other packets: IP
# fragments. Sourced by samples/record.sh.

# IPv4 and IPv6 fragments: a 3000-byte ping each way (fragmented by the
# sender at the 1500-byte MTU), and a DNS answer larger than the DNS
# server's link MTU (576 bytes, set for this recording only), so that its
# UDP datagram leaves the server in two fragments.
record_fragments() {
    prepare
    local f=$OUT/ip-fragments.pcapng
    in_ns nx-dns ip link set nxd0 mtu 576
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client ping -4 -c 1 -s 3000 -W 2 203.0.113.100 >/dev/null
    in_ns nx-client ping -6 -c 1 -s 3000 -W 2 2001:db8:2::100 >/dev/null
    in_ns nx-client dig +time=2 +tries=1 +bufsize=1232 @203.0.113.53 big.google.com TXT >/dev/null
    stop_capture 1
    in_ns nx-dns ip link set nxd0 mtu 1500
}
verify_fragments() {
    local f=$1
    expect "$f" 2 'ip.flags.mf==1' 'IPv4 fragments with More Fragments set'
    expect "$f" 1 'icmp.type==8 && ip.fragments' 'echo request of 3000 bytes reassembled'
    expect "$f" 1 'icmp.type==0 && ip.fragments' 'echo reply reassembled'
    expect "$f" 2 'ipv6.fraghdr.more==1' 'IPv6 fragment headers with M set'
    expect "$f" 1 'icmpv6.type==129 && ipv6.fragments' 'ICMPv6 echo reply reassembled'
    expect "$f" 1 'dns.flags.response==1 && dns.txt && ip.fragments' 'DNS TXT answer reassembled from fragments'
}
EXTRA_SAMPLES+=(fragments)
EXTRA_FILES+=(fragments:ip-fragments.pcapng)

# DNS over TCP on port 5353 (tshark's DNS TCP port range): a second dnsmasq
# answering on 5353 only, asked with dig +tcp.
record_dns_tcp_5353() {
    prepare
    local f=$OUT/dns-tcp-5353.pcapng
    in_ns nx-dns dnsmasq --no-daemon --no-resolv --no-hosts --bind-interfaces \
        --listen-address=203.0.113.53 --port=5353 --local=/google.com/ \
        --host-record=google.com,203.0.113.100,2001:db8:2::100 \
        --pid-file="$WORK/dnsmasq-5353.pid" >>"$WORK/dnsmasq-5353.log" 2>&1 &
    local pid=$!
    wait_listening nx-dns -ltn '203.0.113.53:5353'
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client dig +tcp +time=2 +tries=1 -p 5353 @203.0.113.53 google.com A >/dev/null
    stop_capture 1
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
verify_dns_tcp_5353() {
    local f=$1
    expect "$f" 1 'tcp.port==5353 && dns.flags.response==0 && dns.qry.name=="google.com"' 'DNS query over TCP to 5353'
    expect "$f" 1 'tcp.port==5353 && dns.a==203.0.113.100' 'its answer, google.com A 203.0.113.100'
}
EXTRA_SAMPLES+=(dns_tcp_5353)
EXTRA_FILES+=(dns_tcp_5353:dns-tcp-5353.pcapng)
