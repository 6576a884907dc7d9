# QUIC recordings with keys, and QUIC page loads that fail. Sourced by
# samples/record.sh, which provides in_ns, start_capture, stop_capture,
# prepare, expect, wait_listening and the lab namespaces.

# An HTTP/3 server (RFC 9114) on aioquic's API, on UDP 443 of nx-web with the
# lab's certificate: / is a page naming two subresources, /style.css and
# /app.js are served, anything else is 404. It writes the TLS secrets
# (NSS key log format), a qlog of the connection, and one line per request
# it served: "stream METHOD PATH STATUS".
write_quic_keys_py() {
    cat >"$WORK/h3k.py" <<'PY'
import asyncio, sys
from aioquic.asyncio import QuicConnectionProtocol, serve
from aioquic.h3.connection import H3_ALPN, H3Connection
from aioquic.h3.events import HeadersReceived
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.events import ProtocolNegotiated
from aioquic.quic.logger import QuicFileLogger
PAGE = (b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Google</title>'
        b'<link rel="stylesheet" href="/style.css"><script src="/app.js"></script></head>'
        b'<body><h1>HTTP/3</h1></body></html>\n')
FILES = {b"/": (PAGE, b"text/html"), b"/style.css": (b"h1 { color: teal }\n", b"text/css"),
         b"/app.js": (b"document.title += ' (h3)';\n", b"text/javascript")}
requests = open(sys.argv[3], "w", buffering=1)
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
                h = dict(e.headers)
                path = h.get(b":path", b"")
                body, ctype = FILES.get(path, (b"not found\n", b"text/plain"))
                status = b"200" if path in FILES else b"404"
                self.h3.send_headers(e.stream_id, [(b":status", status),
                    (b"content-type", ctype), (b"content-length", str(len(body)).encode())])
                self.h3.send_data(e.stream_id, body, end_stream=True)
                self.transmit()
                requests.write("%d %s %s %s\n" % (e.stream_id, h.get(b":method", b"").decode(),
                                                  path.decode(), status.decode()))
async def main(cert, key, secrets, qlog):
    config = QuicConfiguration(is_client=False, alpn_protocols=H3_ALPN,
                               secrets_log_file=open(secrets, "a", buffering=1),
                               quic_logger=QuicFileLogger(qlog))
    config.load_cert_chain(cert, key)
    await serve("::", 443, configuration=config, create_protocol=H3)
    await asyncio.sleep(60)
asyncio.run(main(*sys.argv[1:3], sys.argv[4], sys.argv[5]))
PY
}

chromium_h3() {
    local profile=$1 url=$2 dom=$3 spki
    spki=$(openssl x509 -in "$WORK/nginx/cert.pem" -pubkey -noout | openssl pkey -pubin -outform der |
        openssl dgst -sha256 -binary | base64)
    SSLKEYLOGFILE=$WORK/chromium-keys.log HOME=$profile in_ns nx-client timeout 40 chromium --headless=new --no-sandbox \
        --user-data-dir="$profile" --enable-quic --origin-to-force-quic-on=www.google.com:443 \
        --ignore-certificate-errors-spki-list="$spki" \
        --no-first-run --no-default-browser-check --disable-background-networking \
        --disable-component-update --disable-sync --disable-default-apps \
        --disable-domain-reliability --disable-breakpad --metrics-recording-only \
        --disable-features=OptimizationHints,MediaRouter,DnsOverHttpsUpgrade,Translate \
        --virtual-time-budget=3000 --dump-dom "$url" >"$dom" 2>"$WORK/chromium.log" || true
}

# A page load over HTTP/3 with its key log: Chromium (SSLKEYLOGFILE) loads
# https://www.google.com/ and its two subresources from the server above.
# Beside the capture: quic-keys.keys (the lab's key log, new on every run),
# quic-keys.requests (the server's own log of the requests it served) and
# quic-keys.qlog (aioquic's qlog of the connection).
record_quic_keys() {
    python3 -c 'import aioquic' 2>/dev/null ||
        { echo "record.sh: quic_keys needs the aioquic Python package (pip install aioquic)" >&2; exit 1; }
    prepare
    local f=$OUT/quic-keys.pcapng profile=$WORK/chromium-h3k
    rm -rf "$profile" "$WORK/qlog"; mkdir -p "$profile" "$WORK/qlog"
    rm -f "$WORK/chromium-keys.log" "$WORK/aioquic-keys.log"
    write_quic_keys_py
    ip netns exec nx-web timeout 60 python3 "$WORK/h3k.py" "$WORK/nginx/cert.pem" "$WORK/nginx/key.pem" \
        "$WORK/requests.log" "$WORK/aioquic-keys.log" "$WORK/qlog" >"$WORK/h3k.log" 2>&1 &
    local h3=$!
    wait_listening nx-web -lun ":443 "
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    chromium_h3 "$profile" https://www.google.com/ "$WORK/dom.html"
    stop_capture 2
    kill "$h3" 2>/dev/null || true
    wait "$h3" 2>/dev/null || true
    grep -q "HTTP/3" "$WORK/dom.html" || {
        echo "record.sh: chromium did not load the page over HTTP/3" >&2
        tail -n 5 "$WORK/chromium.log" "$WORK/h3k.log" >&2
        exit 1
    }
    # Both ends wrote the same secrets; the client's log is the one kept.
    cp "$WORK/chromium-keys.log" "$OUT/quic-keys.keys"
    cp "$WORK/requests.log" "$OUT/quic-keys.requests"
    cat "$WORK"/qlog/*.qlog >"$OUT/quic-keys.qlog"
    chmod 644 "$OUT"/quic-keys.*
}
verify_quic_keys() {
    local f=$1 k=${1%.pcapng}.keys
    expect "$f" 1 'quic.long.packet_type==2' 'Handshake packets'
    expect "$f" 1 'tls.handshake.type==1' 'ClientHello'
    local n
    n=$(tshark -r "$f" -n -o "tls.keylog_file:$k" -Y 'tls.handshake.type==11' -T fields -e frame.number 2>/dev/null | grep -c . || true)
    if ((n >= 1)); then printf '   ok    %-58s %s\n' 'Certificate decrypted with quic-keys.keys' "$n"
    else printf '   FAIL  %-58s\n' 'Certificate decrypted with quic-keys.keys'; FAILED=1; fi
    n=$(tshark -r "$f" -n -o "tls.keylog_file:$k" -Y 'http3.frame_type==1' -T fields -e frame.number 2>/dev/null | grep -c . || true)
    if ((n >= 3)); then printf '   ok    %-58s %s\n' 'HTTP/3 HEADERS frames decrypted' "$n"
    else printf '   FAIL  %-58s %s\n' 'HTTP/3 HEADERS frames decrypted' "$n"; FAILED=1; fi
}

# A small aioquic client: looks the name up through the lab's resolver and
# sends its Initial; ALPN and timeout from the command line. Prints how the
# attempt ended.
write_quic_client_py() {
    cat >"$WORK/h3c.py" <<'PY'
import asyncio, ssl, sys
from aioquic.asyncio import connect
from aioquic.quic.configuration import QuicConfiguration
async def main(host, alpn, timeout):
    config = QuicConfiguration(is_client=True, alpn_protocols=[alpn], verify_mode=ssl.CERT_NONE,
                               idle_timeout=float(timeout))
    try:
        async with connect(host, 443, configuration=config, wait_connected=True) as c:
            print("connected")
    except Exception as e:
        print("failed:", type(e).__name__, e)
asyncio.run(asyncio.wait_for(main(*sys.argv[1:4]), 15))
PY
}

# The server never answers: a program on nx-web holds UDP 443 open and reads
# every datagram without replying (so no ICMP either), so the client's
# Initials go out, are sent again, and nothing comes back.
record_quic_noanswer() {
    prepare
    local f=$OUT/quic-noanswer.pcapng
    write_quic_client_py
    ip netns exec nx-web timeout 30 python3 -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 443))
while True:
    s.recv(65535)
' >/dev/null 2>&1 &
    local sink=$!
    wait_listening nx-web -lun ":443 "
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client timeout 20 python3 "$WORK/h3c.py" www.google.com h3 3 >"$WORK/h3c.log" 2>&1 || true
    stop_capture 1
    kill "$sink" 2>/dev/null || true
    wait "$sink" 2>/dev/null || true
}
verify_quic_noanswer() {
    local f=$1
    expect "$f" 2 'quic.long.packet_type==0 && udp.dstport==443' 'client Initials (sent again)'
    expect "$f" 0 'udp.srcport==443' 'nothing from UDP 443'
}

# Nothing listens on UDP 443 of nx-web: its kernel answers the Initial with
# ICMP port unreachable (RFC 1122 §3.2.2.1).
record_quic_unreachable() {
    prepare
    local f=$OUT/quic-unreachable.pcapng
    write_quic_client_py
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client timeout 20 python3 "$WORK/h3c.py" www.google.com h3 2 >"$WORK/h3c.log" 2>&1 || true
    stop_capture 1
}
verify_quic_unreachable() {
    local f=$1
    expect "$f" 1 'quic.long.packet_type==0 && udp.dstport==443' 'a client Initial'
    expect "$f" 1 '(icmp.type==3 && icmp.code==3) || (icmpv6.type==1 && icmpv6.code==4)' 'ICMP port unreachable'
}

# The server refuses the handshake: the client offers only ALPN "hq-interop",
# the HTTP/3 server knows only h3, so it closes the connection with a
# CONNECTION_CLOSE in an Initial (crypto error 0x178, no_application_protocol,
# RFC 9001 §8.1), readable without keys.
record_quic_refused() {
    python3 -c 'import aioquic' 2>/dev/null ||
        { echo "record.sh: quic_refused needs the aioquic Python package (pip install aioquic)" >&2; exit 1; }
    prepare
    local f=$OUT/quic-refused.pcapng
    write_quic_keys_py
    write_quic_client_py
    rm -rf "$WORK/qlogr"; mkdir -p "$WORK/qlogr"
    ip netns exec nx-web timeout 30 python3 "$WORK/h3k.py" "$WORK/nginx/cert.pem" "$WORK/nginx/key.pem" \
        "$WORK/requestsr.log" "$WORK/aioquic-keysr.log" "$WORK/qlogr" >"$WORK/h3r.log" 2>&1 &
    local h3=$!
    wait_listening nx-web -lun ":443 "
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client timeout 20 python3 "$WORK/h3c.py" www.google.com hq-interop 3 >"$WORK/h3c.log" 2>&1 || true
    stop_capture 1
    kill "$h3" 2>/dev/null || true
    wait "$h3" 2>/dev/null || true
}
verify_quic_refused() {
    local f=$1
    expect "$f" 1 'quic.long.packet_type==0 && udp.dstport==443' 'a client Initial'
    expect "$f" 1 'quic.frame_type==0x1c && udp.srcport==443' 'CONNECTION_CLOSE from the server in an Initial'
}

EXTRA_SAMPLES+=(quic_keys quic_noanswer quic_unreachable quic_refused)
EXTRA_FILES+=(quic_keys:quic-keys.pcapng quic_noanswer:quic-noanswer.pcapng
    quic_unreachable:quic-unreachable.pcapng quic_refused:quic-refused.pcapng)
