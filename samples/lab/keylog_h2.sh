# Headless Chromium loading https://www.google.com/ (TLS 1.3, HTTP/2 to
# nginx) with SSLKEYLOGFILE set: the page and its subresources (style.css,
# app.js, logo.svg, img/banner.svg) as HTTP/2 streams of one connection,
# its key log beside it (lab keys, made anew on every run). Sourced by
# samples/record.sh.

record_keylog_chromium_h2() {
    prepare
    local f=$OUT/keylog-chromium-h2.pcapng k=$OUT/keylog-chromium-h2.keys profile=$WORK/chromium-h2
    rm -rf "$profile" "$k"; mkdir -p "$profile"
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    HOME=$profile SSLKEYLOGFILE=$k in_ns nx-client timeout 40 chromium --headless=new --no-sandbox \
        --user-data-dir="$profile" --ignore-certificate-errors --disable-quic \
        --no-first-run --no-default-browser-check --disable-background-networking \
        --disable-component-update --disable-sync --disable-default-apps \
        --disable-domain-reliability --disable-breakpad --metrics-recording-only \
        --disable-features=OptimizationHints,MediaRouter,DnsOverHttpsUpgrade,Translate \
        --virtual-time-budget=3000 --dump-dom https://www.google.com/ >"$WORK/dom-h2.html" 2>"$WORK/chromium-h2.log" || true
    stop_capture 3.5
    grep -q "banner.svg" "$WORK/dom-h2.html" || {
        echo "record.sh: chromium did not load the page" >&2
        tail -5 "$WORK/chromium-h2.log" >&2
        exit 1
    }
}
verify_keylog_chromium_h2() {
    local f=$1 k=${1%.pcapng}.keys
    grep -q '^CLIENT_TRAFFIC_SECRET_0 ' "$k" || { log "FAIL $k: no TLS 1.3 secrets"; return 1; }
    expect "$f" 1 'tls.handshake.type==2 && tls.handshake.extensions.supported_version==0x0304' 'ServerHello choosing TLS 1.3'
}
EXTRA_SAMPLES+=(keylog_chromium_h2)
EXTRA_FILES+=(keylog_chromium_h2:keylog-chromium-h2.pcapng)
