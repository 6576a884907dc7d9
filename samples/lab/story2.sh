# Samples for the story's truth, second group: a connection a browser opens
# ahead of need and never uses, and an upload whose body waits for the
# server's "100 Continue". Sourced by record.sh (in_ns, start_capture,
# stop_capture, prepare, expect, wait_listening; the lab's nginx serves
# $WORK/nginx/html on 203.0.113.100:8000 and :443).

# A Chromium preconnect: the page (plain http on :8000) asks for
# <link rel="preconnect" href="https://static.google.com/"> and uses nothing
# from that origin, so Chromium resolves static.google.com, opens TCP and TLS
# to it and closes the connection unused when it exits.
record_chromium_preconnect() {
    prepare
    local f=$OUT/chromium-preconnect.pcapng profile=$WORK/chromium-preconnect
    rm -rf "$profile"; mkdir -p "$profile"
    cat >"$WORK/nginx/html/preconnect.html" <<'HTML'
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Preconnect</title>
<link rel="preconnect" href="https://static.google.com/">
<link rel="icon" href="data:,"></head>
<body><p>A page that only warms up a connection.</p></body></html>
HTML
    chmod a+r "$WORK/nginx/html/preconnect.html"
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    HOME=$profile in_ns nx-client timeout 40 chromium --headless=new --no-sandbox \
        --user-data-dir="$profile" --ignore-certificate-errors --disable-quic \
        --no-first-run --no-default-browser-check --disable-background-networking \
        --disable-component-update --disable-sync --disable-default-apps \
        --disable-domain-reliability --disable-breakpad --metrics-recording-only \
        --disable-features=OptimizationHints,MediaRouter,DnsOverHttpsUpgrade,Translate \
        --virtual-time-budget=3000 --dump-dom http://www.google.com:8000/preconnect.html \
        >"$WORK/dom-preconnect.html" 2>"$WORK/chromium-preconnect.log" || true
    stop_capture 2
    grep -q "warms up" "$WORK/dom-preconnect.html" || {
        echo "record.sh: chromium did not load the preconnect page" >&2
        tail -5 "$WORK/chromium-preconnect.log" >&2
        exit 1
    }
}
verify_chromium_preconnect() {
    local f=$1
    expect "$f" 1 'http.request.method=="GET" && http.request.uri=="/preconnect.html"' 'the page over http :8000'
    expect "$f" 1 'tls.handshake.type==1 && tls.handshake.extensions_server_name=="static.google.com"' 'one ClientHello to static.google.com'
    expect "$f" 1 'tls.handshake.type==2' 'its ServerHello'
    expect "$f" 0 'http.request.uri contains "static"' 'nothing requested from static.google.com in clear'
}

# A POST upload with a delay: curl sends the request head with
# "Expect: 100-continue" and waits (1 s, curl's --expect100-timeout) for the
# server's interim answer; Python's HTTP/1.0 server never sends one, so curl
# sends the 64 KiB body after the timeout and the server answers 201.
record_post_upload() {
    prepare
    local f=$OUT/post-upload.pcapng
    in_ns nx-web python3 - >"$WORK/post-upload-server.log" 2>&1 <<'PY' &
import http.server, socketserver, threading
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        got = 0
        while got < n:
            chunk = self.rfile.read(min(65536, n - got))
            if not chunk:
                break
            got += len(chunk)
        body = ("stored %d bytes\n" % got).encode()
        self.send_response(201)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, fmt, *args):
        print(fmt % args, flush=True)
srv = socketserver.TCPServer(("203.0.113.100", 8080), H)
threading.Timer(15, srv.shutdown).start()
srv.serve_forever()
PY
    local server=$!
    wait_listening nx-web -ltn '203.0.113.100:8080'
    head -c 65536 /dev/zero | tr '\0' 'a' >"$WORK/upload.txt"
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client curl -4 -sS --http1.1 --max-time 10 -H 'Expect: 100-continue' \
        -H 'Content-Type: text/plain' --data-binary @"$WORK/upload.txt" \
        http://www.google.com:8080/upload -o /dev/null
    stop_capture 1.5
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
}
verify_post_upload() {
    local f=$1
    expect "$f" 1 'http.request.method=="POST" && http.request.uri=="/upload"' 'the POST /upload'
    expect "$f" 1 'http.response.code==201' 'the 201'
    expect "$f" 0 'http.response.code==100' 'no 100 Continue'
    expect "$f" 1 'dns.qry.name=="www.google.com" && dns.flags.response==0 && dns.qry.type==1' 'the A query'
}

EXTRA_SAMPLES+=(chromium_preconnect post_upload)
EXTRA_FILES+=(chromium_preconnect:chromium-preconnect.pcapng post_upload:post-upload.pcapng)
