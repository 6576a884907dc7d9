# Samples of protocols carried inside other protocols (sourced by
# samples/record.sh):
#   socks        curl through a SOCKS proxy (a short Python one, in nx-web on
#                203.0.113.100:1080): SOCKS5 with the name sent to the proxy
#                (HTTPS inside), SOCKS4a (HTTP inside), SOCKS4 to an address.
#   starttls     curl speaking SMTP, IMAP, POP3 and FTP with --ssl-reqd to
#                one small Python server (in nx-web, one mode per port) that
#                offers STARTTLS / STLS / AUTH TLS and then speaks TLS.
#   ssdp         an M-SEARCH to 239.255.255.250:1900 from the client, a
#                unicast HTTP/1.1 200 answer and a NOTIFY from a responder
#                in nx-gw (Python sockets).
#   dtls         openssl s_client -dtls1_2 to openssl s_server -dtls1_2 on
#                UDP 4433, with SNI.

# The servers: `socks PORT`, or `smtp|imap|pop3|ftp PORT CERT KEY`, or
# `ssdp-responder`, `ssdp-search`. Each serves a bounded number of
# connections and stops after 20 seconds.
write_inside_py() {
    cat >"$WORK/inside.py" <<'PY'
import select, socket, socketserver, ssl, struct, sys, threading, time
mode = sys.argv[1]
threading.Timer(20, lambda: __import__("os")._exit(0)).start()

def pump(a, b):
    socks = [a, b]
    while True:
        r, _, _ = select.select(socks, [], [], 10)
        if not r:
            return
        for s in r:
            data = s.recv(65536)
            if not data:
                return
            (b if s is a else a).sendall(data)

class Socks(socketserver.BaseRequestHandler):
    # RFC 1928 (no authentication, CONNECT), SOCKS4 and 4a (CONNECT).
    def handle(self):
        c = self.request
        v = c.recv(1)
        if v == b"\x05":
            n = c.recv(1)[0]; c.recv(n); c.sendall(b"\x05\x00")
            _, cmd, _, atyp = c.recv(4)
            if atyp == 1: host = socket.inet_ntoa(c.recv(4))
            elif atyp == 3: host = c.recv(c.recv(1)[0]).decode()
            else: host = socket.inet_ntop(socket.AF_INET6, c.recv(16))
            port = struct.unpack("!H", c.recv(2))[0]
            up = socket.create_connection((socket.gethostbyname(host), port), 5)
            a = up.getsockname()
            c.sendall(b"\x05\x00\x00\x01" + socket.inet_aton(a[0]) + struct.pack("!H", a[1]))
        else:
            cmd, port = struct.unpack("!BH", c.recv(3)); ip = c.recv(4)
            buf = b""
            while buf.count(b"\0") < (2 if ip[:3] == b"\0\0\0" and ip[3] else 1):
                buf += c.recv(1)
            host = buf.split(b"\0")[1].decode() if ip[:3] == b"\0\0\0" else socket.inet_ntoa(ip)
            up = socket.create_connection((socket.gethostbyname(host), port), 5)
            c.sendall(b"\x00\x5a" + struct.pack("!H", port) + socket.inet_aton(up.getpeername()[0]))
        pump(c, up)
        up.close()

# What each server says: greeting, the STARTTLS verb, its go-ahead, and an
# answer for every other command line (IMAP's tagged by the command's tag).
TEXT = {
    "smtp": ("220 mail.example.com ESMTP\r\n", b"STARTTLS", "220 2.0.0 Ready to start TLS\r\n"),
    "imap": ("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n", b"STARTTLS", "{tag} OK Begin TLS negotiation now\r\n"),
    "pop3": ("+OK POP3 ready\r\n", b"STLS", "+OK Begin TLS negotiation\r\n"),
    "ftp": ("220 FTP ready\r\n", b"AUTH TLS", "234 AUTH TLS successful\r\n"),
}

def answer(line):
    words = line.split()
    verb = (words[1] if mode == "imap" and len(words) > 1 else words[0] if words else b"").upper()
    tag = words[0].decode() if words else "*"
    if mode == "smtp":
        if verb in (b"EHLO", b"HELO"): return "250-mail.example.com\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n"
        if verb == b"DATA": return "354 End data with <CR><LF>.<CR><LF>\r\n"
        if verb == b"QUIT": return "221 Bye\r\n"
        return "250 OK\r\n"
    if mode == "imap":
        if verb == b"CAPABILITY": return "* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN\r\n%s OK done\r\n" % tag
        if verb == b"LOGOUT": return "* BYE\r\n%s OK done\r\n" % tag
        if verb == b"LIST": return '* LIST () "/" INBOX\r\n%s OK done\r\n' % tag
        return "%s OK done\r\n" % tag
    if mode == "pop3":
        if verb == b"CAPA": return "+OK\r\nSTLS\r\nUSER\r\n.\r\n"
        if verb in (b"LIST", b"UIDL"): return "+OK\r\n.\r\n"
        return "+OK\r\n"
    if verb == b"AUTH": return "504 Use AUTH TLS\r\n"
    if verb == b"USER": return "331 Password required\r\n"
    if verb == b"PASS": return "230 Logged in\r\n"
    if verb == b"PWD": return '257 "/"\r\n'
    if verb == b"QUIT": return "221 Bye\r\n"
    if verb in (b"PBSZ", b"PROT", b"TYPE"): return "200 OK\r\n"
    return "502 Not implemented\r\n"

class Text(socketserver.StreamRequestHandler):
    def handle(self):
        greet, verb, go = TEXT[mode]
        conn, f = self.request, self.rfile
        conn.sendall(greet.encode())
        in_data = False
        while line := f.readline(4096):
            if in_data:
                if line == b".\r\n":
                    in_data = False; conn.sendall(b"250 Queued\r\n")
                continue
            words = line.split()
            body = b" ".join(words[1:] if mode == "imap" else words).upper()
            if body == verb and not isinstance(conn, ssl.SSLSocket):
                conn.sendall(go.format(tag=words[0].decode()).encode())
                conn = CTX.wrap_socket(conn, server_side=True)
                f = conn.makefile("rb")
                continue
            out = answer(line)
            in_data = mode == "smtp" and out.startswith("354")
            conn.sendall(out.encode())
            if out.startswith(("221", "* BYE")) or (mode == "pop3" and line.upper().startswith(b"QUIT")):
                break
        conn.close()

class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

if mode == "socks":
    Server(("203.0.113.100", int(sys.argv[2])), Socks).serve_forever()
elif mode in TEXT:
    CTX = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    CTX.load_cert_chain(sys.argv[3], sys.argv[4])
    Server(("203.0.113.100", int(sys.argv[2])), Text).serve_forever()
elif mode == "ssdp-responder":
    # Answers one M-SEARCH with a unicast 200, then announces with NOTIFY.
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("", 1900))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 socket.inet_aton("239.255.255.250") + socket.inet_aton("198.51.100.1"))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("198.51.100.1"))
    data, peer = s.recvfrom(2048)
    loc = "LOCATION: http://198.51.100.1:8008/desc.xml\r\n"
    s.sendto(("HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\n" + loc +
              "SERVER: Linux/6 UPnP/1.1 lab/1\r\nST: upnp:rootdevice\r\n"
              "USN: uuid:2fac1234-31f8-11b4-a222-08002b34c003::upnp:rootdevice\r\n\r\n").encode(), peer)
    s.sendto(("NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\n" + loc +
              "NT: upnp:rootdevice\r\nNTS: ssdp:alive\r\nSERVER: Linux/6 UPnP/1.1 lab/1\r\n"
              "USN: uuid:2fac1234-31f8-11b4-a222-08002b34c003::upnp:rootdevice\r\n\r\n").encode(),
             ("239.255.255.250", 1900))
    time.sleep(0.5)
    __import__("os")._exit(0)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("198.51.100.10"))
    s.sendto(b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n"
             b"MX: 1\r\nST: upnp:rootdevice\r\nUSER-AGENT: Linux/6 UPnP/1.1 lab/1\r\n\r\n",
             ("239.255.255.250", 1900))
    s.settimeout(3)
    try:
        s.recvfrom(2048)
    except socket.timeout:
        pass
    __import__("os")._exit(0)
PY
}

record_socks() {
    prepare
    local f=$OUT/socks.pcapng
    write_inside_py
    # The proxy looks names up through the lab's resolver.
    mkdir -p /etc/netns/nx-web
    echo "nameserver 203.0.113.53" >/etc/netns/nx-web/resolv.conf
    ip netns exec nx-web python3 "$WORK/inside.py" socks 1080 &
    local px=$!
    wait_listening nx-web -ltn '203.0.113.100:1080'
    start_capture nx-client "$f" dumpcap -i nxc0 -f 'tcp port 1080' -w "$f"
    in_ns nx-client curl -sS -k --http1.1 --max-time 10 --socks5-hostname 203.0.113.100:1080 \
        https://www.google.com/ -o /dev/null || true
    in_ns nx-client curl -sS --max-time 10 --socks4a 203.0.113.100:1080 \
        http://www.google.com/ -o /dev/null || true
    in_ns nx-client curl -sS --max-time 10 --socks4 203.0.113.100:1080 \
        http://203.0.113.100/ -o /dev/null || true
    stop_capture 1
    kill "$px" 2>/dev/null || true
    wait "$px" 2>/dev/null || true
    rm -rf /etc/netns/nx-web
}
verify_socks() {
    local f=$1
    expect "$f" 1 'socks.version==5 && socks.remote_name=="www.google.com"' 'SOCKS5 CONNECT to the name www.google.com'
    expect "$f" 1 'tls.handshake.extensions_server_name=="www.google.com"' 'the ClientHello inside the SOCKS5 tunnel'
    expect "$f" 2 'socks.version==4' 'SOCKS4 and 4a requests and replies'
    expect "$f" 2 'http.request.method=="GET"' 'two HTTP GETs through SOCKS4/4a'
}
EXTRA_SAMPLES+=(socks)
EXTRA_FILES+=(socks:socks.pcapng)

record_starttls() {
    prepare
    local f=$OUT/starttls.pcapng d=$WORK/nginx mode port pids=()
    write_inside_py
    for mode in smtp:25 imap:143 pop3:110 ftp:21; do
        ip netns exec nx-web python3 "$WORK/inside.py" "${mode%%:*}" "${mode#*:}" "$d/cert.pem" "$d/key.pem" &
        pids+=($!)
    done
    wait_listening nx-web -ltn '203.0.113.100:21'
    start_capture nx-client "$f" dumpcap -i nxc0 -f 'tcp port 25 or tcp port 143 or tcp port 110 or tcp port 21' -w "$f"
    printf 'Subject: lab\r\n\r\nhello\r\n' >"$WORK/mail.txt"
    in_ns nx-client curl -sS -k --ssl-reqd --max-time 10 smtp://203.0.113.100/ \
        --mail-from a@example.com --mail-rcpt b@example.com -T "$WORK/mail.txt" || true
    in_ns nx-client curl -sS -k --ssl-reqd --max-time 10 -u lab:lab imap://203.0.113.100/ -o /dev/null || true
    in_ns nx-client curl -sS -k --ssl-reqd --max-time 10 -u lab:lab pop3://203.0.113.100/ -o /dev/null || true
    in_ns nx-client curl -sS -k --ssl-reqd --max-time 10 -u lab:lab ftp://203.0.113.100/ -o /dev/null 2>/dev/null || true
    stop_capture 1
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
}
verify_starttls() {
    local f=$1
    expect "$f" 1 'smtp.command_line contains "STARTTLS"' 'SMTP STARTTLS'
    expect "$f" 1 'imap.request contains "STARTTLS"' 'IMAP STARTTLS'
    expect "$f" 1 'pop.request.command=="STLS"' 'POP3 STLS'
    expect "$f" 1 'ftp.request.command=="AUTH"' 'FTP AUTH TLS'
    expect "$f" 4 'tls.handshake.type==1' 'a ClientHello after each go-ahead'
}
EXTRA_SAMPLES+=(starttls)
EXTRA_FILES+=(starttls:starttls.pcapng)

record_ssdp() {
    prepare
    local f=$OUT/ssdp.pcapng
    write_inside_py
    in_ns nx-client ip route add 239.0.0.0/8 dev nxc0 2>/dev/null || true
    in_ns nx-gw ip route add 239.0.0.0/8 dev nxg0 2>/dev/null || true
    ip netns exec nx-gw python3 "$WORK/inside.py" ssdp-responder &
    local rs=$!
    wait_listening nx-gw -lun ':1900'
    start_capture nx-client "$f" dumpcap -i nxc0 -f 'udp port 1900' -w "$f"
    in_ns nx-client python3 "$WORK/inside.py" ssdp-search || true
    stop_capture 1
    kill "$rs" 2>/dev/null || true
    wait "$rs" 2>/dev/null || true
    in_ns nx-client ip route del 239.0.0.0/8 dev nxc0 2>/dev/null || true
    in_ns nx-gw ip route del 239.0.0.0/8 dev nxg0 2>/dev/null || true
}
verify_ssdp() {
    local f=$1
    expect "$f" 1 'ssdp && http.request.method=="M-SEARCH"' 'SSDP M-SEARCH'
    expect "$f" 1 'ssdp && http.response.code==200' 'its unicast 200 answer'
    expect "$f" 1 'ssdp && http.request.method=="NOTIFY"' 'SSDP NOTIFY ssdp:alive'
}
EXTRA_SAMPLES+=(ssdp)
EXTRA_FILES+=(ssdp:ssdp.pcapng)

record_dtls() {
    prepare
    local f=$OUT/dtls.pcapng d=$WORK/nginx
    # The server's input stays open for a while: at its end s_server closes.
    (sleep 6 | in_ns nx-web timeout 15 openssl s_server -dtls1_2 -accept 203.0.113.100:4433 \
        -cert "$d/cert.pem" -key "$d/key.pem" -quiet >/dev/null 2>&1) &
    local sv=$!
    wait_listening nx-web -lun '203.0.113.100:4433'
    start_capture nx-client "$f" dumpcap -i nxc0 -f 'udp port 4433' -w "$f"
    (echo hello; sleep 2) | in_ns nx-client timeout 5 openssl s_client -dtls1_2 \
        -connect 203.0.113.100:4433 -servername www.google.com -quiet >/dev/null 2>&1 || true
    stop_capture 1
    kill "$sv" 2>/dev/null || true
    wait "$sv" 2>/dev/null || true
}
verify_dtls() {
    local f=$1
    expect "$f" 2 'dtls.handshake.type==1' 'ClientHellos (before and after the cookie)'
    expect "$f" 1 'dtls.handshake.type==3' 'HelloVerifyRequest'
    expect "$f" 1 'dtls.handshake.extensions_server_name=="www.google.com"' 'SNI www.google.com'
    expect "$f" 1 'dtls.record.content_type==23' 'application data'
}
EXTRA_SAMPLES+=(dtls)
EXTRA_FILES+=(dtls:dtls.pcapng)
