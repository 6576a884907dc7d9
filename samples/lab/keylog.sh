# TLS captures recorded with SSLKEYLOGFILE set, each with its key log beside
# it (samples/NAME.keys; lab keys, made anew on every run), for decryption
# with `--keylog`. Sourced by samples/record.sh.

# Captures `curl -4 -sS -k --max-time 10 ARGS… https://www.google.com/` into
# OUT_FILE with SSLKEYLOGFILE=KEYS.
keyed_curl() {
    local f=$1 k=$2; shift 2
    prepare
    rm -f "$k"
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client env SSLKEYLOGFILE="$k" curl -4 -sS -k --max-time 10 "$@" https://www.google.com/ -o /dev/null
    stop_capture 3.5
}

# TLS 1.3 and HTTP/1.1 (nginx's default suite, TLS_AES_256_GCM_SHA384).
record_keylog_tls13_http1() {
    keyed_curl "$OUT/keylog-tls13-http1.pcapng" "$OUT/keylog-tls13-http1.keys" --tlsv1.3 --http1.1
}
verify_keylog_tls13_http1() {
    local f=$1 k=${1%.pcapng}.keys
    expect "$f" 1 'tls.handshake.type==1' 'ClientHello'
    expect "$f" 1 'tls.handshake.type==2 && tls.handshake.extensions.supported_version==0x0304' 'ServerHello choosing TLS 1.3'
    grep -q '^SERVER_HANDSHAKE_TRAFFIC_SECRET ' "$k" || { log "FAIL $k: no TLS 1.3 secrets"; return 1; }
}
EXTRA_SAMPLES+=(keylog_tls13_http1)
EXTRA_FILES+=(keylog_tls13_http1:keylog-tls13-http1.pcapng)

# TLS 1.3 with ChaCha20-Poly1305 and HTTP/2.
record_keylog_tls13_h2() {
    keyed_curl "$OUT/keylog-tls13-h2.pcapng" "$OUT/keylog-tls13-h2.keys" \
        --tlsv1.3 --tls13-ciphers TLS_CHACHA20_POLY1305_SHA256 --http2
}
verify_keylog_tls13_h2() {
    expect "$1" 1 'tls.handshake.type==2 && tls.handshake.ciphersuite==0x1303' 'ServerHello choosing TLS_CHACHA20_POLY1305_SHA256'
}
EXTRA_SAMPLES+=(keylog_tls13_h2)
EXTRA_FILES+=(keylog_tls13_h2:keylog-tls13-h2.pcapng)

# TLS 1.2 with ECDHE-ECDSA-AES128-GCM-SHA256 (the lab certificate is
# ECDSA) and HTTP/1.1.
record_keylog_tls12_gcm() {
    keyed_curl "$OUT/keylog-tls12-gcm.pcapng" "$OUT/keylog-tls12-gcm.keys" \
        --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256 --http1.1
}
verify_keylog_tls12_gcm() {
    expect "$1" 1 'tls.handshake.type==2 && tls.handshake.ciphersuite==0xc02b' 'ServerHello choosing ECDHE-ECDSA-AES128-GCM-SHA256'
}
EXTRA_SAMPLES+=(keylog_tls12_gcm)
EXTRA_FILES+=(keylog_tls12_gcm:keylog-tls12-gcm.pcapng)

# TLS 1.2 with ECDHE-ECDSA-AES256-SHA (AES-256-CBC, HMAC-SHA1; OpenSSL
# on both sides negotiates encrypt_then_mac, RFC 7366) and HTTP/1.1.
record_keylog_tls12_cbc() {
    keyed_curl "$OUT/keylog-tls12-cbc.pcapng" "$OUT/keylog-tls12-cbc.keys" \
        --tls-max 1.2 --ciphers ECDHE-ECDSA-AES256-SHA --http1.1
}
verify_keylog_tls12_cbc() {
    local f=$1 k=${1%.pcapng}.keys
    expect "$f" 1 'tls.handshake.type==2 && tls.handshake.ciphersuite==0xc00a' 'ServerHello choosing ECDHE-ECDSA-AES256-SHA'
    tshark -r "$f" -n -o "tls.keylog_file:$k" -Y 'http.request.method=="GET"' -T fields -e frame.number 2>/dev/null | grep -q . ||
        { log "FAIL $f: tshark decrypts no GET with $k"; FAILED=1; }
    grep -q '^CLIENT_RANDOM ' "$k" || { log "FAIL $k: no TLS 1.2 master secret"; return 1; }
}
EXTRA_SAMPLES+=(keylog_tls12_cbc)
EXTRA_FILES+=(keylog_tls12_cbc:keylog-tls12-cbc.pcapng)

# TLS 1.2 with ECDHE-ECDSA-AES128-SHA256 (AES-128-CBC, HMAC-SHA256) and
# MAC-then-encrypt: `openssl s_client -no_etm` does not offer RFC 7366's
# extension, writes its key log with -keylogfile and sends one HTTP/1.1
# GET; -ign_eof keeps it reading until nginx answers and closes.
record_keylog_tls12_cbc_mte() {
    local f=$OUT/keylog-tls12-cbc-mte.pcapng k=$OUT/keylog-tls12-cbc-mte.keys
    prepare
    rm -f "$k"
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    printf 'GET / HTTP/1.1\r\nHost: www.google.com\r\nConnection: close\r\n\r\n' |
        in_ns nx-client timeout 10 openssl s_client -quiet -ign_eof -no_etm -tls1_2 \
            -cipher ECDHE-ECDSA-AES128-SHA256 -servername www.google.com -keylogfile "$k" \
            -connect 203.0.113.100:443 >/dev/null 2>&1 || true
    stop_capture 3.5
}
verify_keylog_tls12_cbc_mte() {
    local f=$1 k=${1%.pcapng}.keys
    expect "$f" 1 'tls.handshake.type==2 && tls.handshake.ciphersuite==0xc023' 'ServerHello choosing ECDHE-ECDSA-AES128-SHA256'
    expect "$f" 0 'tls.handshake.extension.type==22' 'no encrypt_then_mac in either hello'
    tshark -r "$f" -n -o "tls.keylog_file:$k" -Y 'http.request.method=="GET"' -T fields -e frame.number 2>/dev/null | grep -q . ||
        { log "FAIL $f: tshark decrypts no GET with $k"; FAILED=1; }
}
EXTRA_SAMPLES+=(keylog_tls12_cbc_mte)
EXTRA_FILES+=(keylog_tls12_cbc_mte:keylog-tls12-cbc-mte.pcapng)

# TLS 1.3 with TLS_AES_128_GCM_SHA256 and HTTP/1.1, its key log put into
# the capture as a Decryption Secrets Block (editcap --inject-secrets): no
# key log file beside it.
record_keylog_embedded() {
    keyed_curl "$WORK/embedded-raw.pcapng" "$WORK/embedded.keys" \
        --tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256 --http1.1
    editcap --inject-secrets "tls,$WORK/embedded.keys" "$WORK/embedded-raw.pcapng" "$OUT/keylog-embedded.pcapng"
}
verify_keylog_embedded() {
    local f=$1
    expect "$f" 1 'tls.handshake.type==2 && tls.handshake.ciphersuite==0x1301' 'ServerHello choosing TLS_AES_128_GCM_SHA256'
    expect "$f" 1 'http.request.method=="GET"' 'the GET, decrypted by tshark from the embedded secrets'
}
EXTRA_SAMPLES+=(keylog_embedded)
EXTRA_FILES+=(keylog_embedded:keylog-embedded.pcapng)
