#!/usr/bin/env bash
# Records tests/data/hostile.pcap: packets whose names and headers carry
# terminal control sequences, sent by Python over loopback to small local
# listeners and captured by tcpdump. Used by tests/terminal_safety.rs.
#   ESC ] 0 ; title BEL   (set the window title)
#   ESC [ 2 J             (clear the screen)
#   CR                    (overwrite the line)
#   U+202E                (right-to-left override)
# Needs root (tcpdump on lo), python3. Usage: sudo bash tests/data/record-hostile.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$here/hostile.pcap
tcpdump -i lo -U -w "$out" 'port 53 or port 8443 or port 8080' >/dev/null 2>&1 &
cap=$!
trap 'kill $cap 2>/dev/null || true' EXIT
sleep 1
timeout 20 python3 - <<'PY'
import socket, struct, threading, time

ESC_TITLE = b"\x1b]0;pwned\x07"
CLEAR = b"\x1b[2J"
RLO = "\u202e".encode()

def listener(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(1)
    def run():
        c, _ = s.accept()
        c.settimeout(2)
        try:
            c.recv(65536)
        except OSError:
            pass
        c.close()
        s.close()
    t = threading.Thread(target=run)
    t.start()
    return t

# A DNS query whose name holds control sequences and an RLO.
labels = [ESC_TITLE, CLEAR + b"x", b"a\rb", RLO + b"moc", b"example", b"com"]
qname = b"".join(bytes([len(l)]) + l for l in labels) + b"\x00"
query = struct.pack(">HHHHHH", 0x1b1b, 0x0100, 1, 0, 0, 0) + qname + struct.pack(">HH", 1, 1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(query, ("127.0.0.1", 53))
u.close()
time.sleep(0.2)

# A TLS ClientHello whose SNI and ALPN carry the same.
sni = b"www." + ESC_TITLE + CLEAR + RLO + b".example.com"
alpn_names = [b"h2", b"\x1b[31mevil\r"]
alpn_list = b"".join(bytes([len(a)]) + a for a in alpn_names)
ext_sni = struct.pack(">HH", 0, len(sni) + 5) + struct.pack(">HBH", len(sni) + 3, 0, len(sni)) + sni
ext_alpn = struct.pack(">HHH", 16, len(alpn_list) + 2, len(alpn_list)) + alpn_list
exts = ext_sni + ext_alpn
body = b"\x03\x03" + bytes(range(32)) + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00" + struct.pack(">H", len(exts)) + exts
hs = b"\x01" + struct.pack(">I", len(body))[1:] + body
record = b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs
t = listener(8443)
c = socket.create_connection(("127.0.0.1", 8443))
c.sendall(record)
time.sleep(0.2)
c.close()
t.join()

# An HTTP request with an RLO in the Host and User-Agent headers and a
# control sequence in a header that HTTP forbids.
req = (b"GET /" + RLO + b"evil HTTP/1.1\r\nHost: www." + RLO + b"moc.example.com\r\n"
       b"User-Agent: " + RLO + b"reversed\r\nX-Title: " + ESC_TITLE + b"\r\n\r\n")
t = listener(8080)
c = socket.create_connection(("127.0.0.1", 8080))
c.sendall(req)
time.sleep(0.2)
c.close()
t.join()
PY
sleep 1
kill $cap
wait $cap 2>/dev/null || true
trap - EXIT
echo "wrote $out"
