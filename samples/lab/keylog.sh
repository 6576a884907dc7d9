# TLS captures recorded with SSLKEYLOGFILE set, each with its key log beside
# it (samples/NAME.keys; lab keys, made anew on every run), for decryption
# with `--keylog`. Sourced by samples/record.sh.

# curl https://www.google.com/ with TLS 1.3 and HTTP/1.1 (nginx's default
# suite, TLS_AES_256_GCM_SHA384), key log beside the capture.
record_keylog_tls13_http1() {
    prepare
    local f=$OUT/keylog-tls13-http1.pcapng k=$OUT/keylog-tls13-http1.keys
    rm -f "$k"
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client env SSLKEYLOGFILE="$k" curl -4 -sS -k --tlsv1.3 --http1.1 --max-time 10 https://www.google.com/ -o /dev/null
    stop_capture 3.5
}
verify_keylog_tls13_http1() {
    local f=$1 k=${1%.pcapng}.keys
    expect "$f" 1 'tls.handshake.type==1' 'ClientHello'
    expect "$f" 1 'tls.handshake.type==2 && tls.handshake.extensions.supported_version==0x0304' 'ServerHello choosing TLS 1.3'
    grep -q '^SERVER_HANDSHAKE_TRAFFIC_SECRET ' "$k" || { log "FAIL $k: no TLS 1.3 secrets"; return 1; }
}
EXTRA_SAMPLES+=(keylog_tls13_http1)
EXTRA_FILES+=(keylog_tls13_http1:keylog-tls13-http1.pcapng)

# The same page with TLS 1.3, ChaCha20-Poly1305 and HTTP/2.
record_keylog_tls13_h2() {
    prepare
    local f=$OUT/keylog-tls13-h2.pcapng k=$OUT/keylog-tls13-h2.keys
    rm -f "$k"
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client env SSLKEYLOGFILE="$k" curl -4 -sS -k --tlsv1.3 --tls13-ciphers TLS_CHACHA20_POLY1305_SHA256 --http2 --max-time 10 https://www.google.com/ -o /dev/null
    stop_capture 3.5
}
verify_keylog_tls13_h2() {
    local f=$1
    expect "$f" 1 'tls.handshake.type==2 && tls.handshake.ciphersuite==0x1303' 'ServerHello choosing TLS_CHACHA20_POLY1305_SHA256'
}
EXTRA_SAMPLES+=(keylog_tls13_h2)
EXTRA_FILES+=(keylog_tls13_h2:keylog-tls13-h2.pcapng)

# TLS 1.2 with ECDHE-ECDSA-AES128-GCM-SHA256 and HTTP/1.1.
record_keylog_tls12_gcm() {
    prepare
    local f=$OUT/keylog-tls12-gcm.pcapng k=$OUT/keylog-tls12-gcm.keys
    rm -f "$k"
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client env SSLKEYLOGFILE="$k" curl -4 -sS -k --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256 --http1.1 --max-time 10 https://www.google.com/ -o /dev/null
    stop_capture 3.5
}
verify_keylog_tls12_gcm() {
    local f=$1
    expect "$f" 1 'tls.handshake.type==2 && tls.handshake.ciphersuite==0xc02b' 'ServerHello choosing ECDHE-ECDSA-AES128-GCM-SHA256'
}
EXTRA_SAMPLES+=(keylog_tls12_gcm)
EXTRA_FILES+=(keylog_tls12_gcm:keylog-tls12-gcm.pcapng)

# TLS 1.3 with TLS_AES_128_GCM_SHA256 and HTTP/1.1, its key log put into
# the capture as a Decryption Secrets Block (editcap --inject-secrets): no
# key log file beside it.
record_keylog_embedded() {
    prepare
    local f=$OUT/keylog-embedded.pcapng raw=$WORK/embedded-raw.pcapng k=$WORK/embedded.keys
    rm -f "$k"
    start_capture nx-client "$raw" dumpcap -i nxc0 -w "$raw"
    in_ns nx-client env SSLKEYLOGFILE="$k" curl -4 -sS -k --tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256 --http1.1 --max-time 10 https://www.google.com/ -o /dev/null
    stop_capture 3.5
    editcap --inject-secrets "tls,$k" "$raw" "$f"
}
verify_keylog_embedded() {
    local f=$1
    expect "$f" 1 'tls.handshake.type==2 && tls.handshake.ciphersuite==0x1301' 'ServerHello choosing TLS_AES_128_GCM_SHA256'
    expect "$f" 1 'http.request.method=="GET"' 'the GET, decrypted by tshark from the embedded secrets'
}
EXTRA_SAMPLES+=(keylog_embedded)
EXTRA_FILES+=(keylog_embedded:keylog-embedded.pcapng)
