#!/usr/bin/env bash
# Runs every fuzz target for a set time (default 60 s each), seeded from the
# samples and the decoders' test fixtures. Needs the nightly toolchain and
# cargo-fuzz:  rustup toolchain install nightly && cargo install cargo-fuzz
# Usage: bash fuzz/run.sh [SECONDS] [TARGET ...]
# A crash leaves its input in fuzz/artifacts/TARGET/; turn it into a
# regression test in tests/ and commit the input.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(capture decode_frame dns tls http tcp_options defrag tunnels inside)

seed() {
    local t=$1 dir=fuzz/corpus/$1
    mkdir -p "$dir"
    case $t in
        capture) cp samples/*.pcap samples/*.pcapng tests/data/hostile.pcap "$dir"/ ;;
        dns) cp src/decode/testdata/dns/*.bin "$dir"/ ;;
        tls)
            for h in src/decode/testdata/tls/*.hex; do
                # One byte picks the chunking, then the stream.
                { printf '\x04'; xxd -r -p "$h"; } >"$dir/$(basename "$h" .hex)"
            done ;;
        http)
            printf '\x27GET / HTTP/1.1\r\nHost: google.com\r\n\r\n' >"$dir/get"
            # Upgrade (client half) then 101 and frames (server half).
            { printf '\x24'; printf 'GET /chat HTTP/1.1\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58';
              printf 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x05Hello\x88\x02\x03\xe8'; } >"$dir/websocket"
            printf '\x21HTTP/1.1 301 Moved Permanently\r\nLocation: https://www.google.com/\r\nContent-Length: 5\r\n\r\nhello' >"$dir/301"
            printf '\x21HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n' >"$dir/chunked" ;;
        decode_frame)
            # Frames of the samples, one per file, with a link-type byte.
            tshark -r samples/curl-redirect.pcapng -T fields -e frame.number 2>/dev/null | head -40 |
                while read -r n; do
                    { printf '\x00'; tshark -r samples/curl-redirect.pcapng -Y "frame.number==$n" -x 2>/dev/null |
                        cut -c7-54 | xxd -r -p; } >"$dir/frame-$n" || true
                done ;;
        defrag) printf '\x01\x00\x00\x01\x10\x01\x00\x02\x00\x10\x01\x00\x01\x00\x10' >"$dir/three" ;;
        tunnels)
            # The pick byte chooses the entry (see fuzz_targets/tunnels.rs).
            local ip='\x45\x00\x00\x1c\x00\x01\x00\x00\x40\x11\x00\x00\xc0\x00\x02\x0a\xcb\x00\x71\x35\x9c\x40\x00\x35\x00\x08\x00\x00'
            local eth='\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00'
            printf "\x03\x08\x00\x00\x00\x00\x00\x2a\x00$eth$ip" >"$dir/vxlan"
            printf "\x07\x02\x00\x65\x58\x00\x0a\xbc\x00\x01\x02\x80\x01\xde\xad\xbe\xef$eth$ip" >"$dir/geneve"
            printf "\x0b\x36\xff\x00\x24\x01\x02\x03\x04\x00\x09\x00\x85\x01\x10\x01\x00$ip" >"$dir/gtp"
            printf "\x02\x30\x00\x08\x00\x00\x00\x04\xd2\x00\x00\x00\x07$ip" >"$dir/gre"
            printf "\x02\x10\x00\x88\xbe\x00\x00\x00\x03\x10\x0a\x01\x55\x00\x00\x00\x09$eth$ip" >"$dir/erspan"
            printf "\x01\x00\x01\x00\x40\x00\x01\x11\x3f$ip" >"$dir/mpls"
            printf "\x0d\x11\x00\x00\x11\x00\x1e\x00\x21$ip" >"$dir/pppoe"
            printf "\x09\x11\x09\x00\x00\x00\x04\x01\x01\x00\x00" >"$dir/padi"
            printf "\x00\xff\x03\x00\x21$ip" >"$dir/ppp"
            printf "\x08\x02\x00\x00\x05\x20\x00\x09\x00$ip" >"$dir/nflog" ;;
        inside)
            # The pick byte: 0x00 DTLS, 0x40 SSDP, then SOCKS (0x84), TLS
            # (0x8c), SMTP (0x94) … with the split of the two directions.
            printf '\x00\x16\xfe\xff\x00\x00\x00\x00\x00\x00\x00\x01\x00\x13\x03\x00\x00\x07\x00\x00\x00\x00\x00\x00\x00\x07\xfe\xff\x04\x01\x02\x03\x04' >"$dir/dtls-hvr"
            printf '\x40M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nST: ssdp:all\r\n\r\n' >"$dir/ssdp"
            printf '\x84\x05\x01\x00\x05\x01\x00\x03\x03abc\x01\xbb\x16\x03\x01\x00\x00\x05\x00\x05\x00\x00\x01\x01\x02\x03\x04\x00\x50' >"$dir/socks5"
            printf '\x94STARTTLS\r\n\x16\x03\x01\x00\x00220 go\r\n220 ok\r\n\x16\x03\x03\x00\x00' >"$dir/smtp" ;;
        tcp_options) printf '\x02\x04\x05\xb4\x04\x02\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x00\x01\x03\x03\x0a' >"$dir/syn" ;;
    esac
}

status=0
for t in "${targets[@]}"; do
    seed "$t"
    echo "== $t for ${secs}s"
    if ! cargo +nightly fuzz run -O "$t" "fuzz/corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 2>&1 | tail -3; then
        status=1
    fi
    if compgen -G "fuzz/artifacts/$t/*" >/dev/null; then
        echo "!! $t: crashes in fuzz/artifacts/$t/"
        status=1
    fi
done
exit $status
