# Samples for the story's truth: a client that goes through an HTTP proxy.
# Sourced by record.sh, which defines in_ns, start_capture, stop_capture,
# prepare, expect and wait_listening.

# start_proxy: tinyproxy on the gateway (198.51.100.1:8888), resolving names
# with the lab's DNS server; stop_proxy removes it and its resolver files.
start_proxy() {
    local d=$WORK/tinyproxy
    mkdir -p "$d" /etc/netns/nx-gw
    echo "nameserver 203.0.113.53" >/etc/netns/nx-gw/resolv.conf
    printf '127.0.0.1 localhost\n::1 localhost\n' >/etc/netns/nx-gw/hosts
    cat >"$d/tinyproxy.conf" <<CONF
Port 8888
Listen 198.51.100.1
Timeout 10
MaxClients 8
Allow 198.51.100.0/24
ConnectPort 443
PidFile "$d/tinyproxy.pid"
LogLevel Info
CONF
    in_ns nx-gw tinyproxy -d -c "$d/tinyproxy.conf" >>"$WORK/tinyproxy.log" 2>&1 &
    PROXY_PID=$!
    wait_listening nx-gw -ltn '198.51.100.1:8888'
}
stop_proxy() {
    kill "$PROXY_PID" 2>/dev/null || true
    wait "$PROXY_PID" 2>/dev/null || true
    rm -rf /etc/netns/nx-gw
}

# A CONNECT tunnel: curl asks the proxy for google.com:443 and runs TLS
# through it; the proxy, not the client, resolves the name.
record_proxy_connect() {
    command -v tinyproxy >/dev/null || { echo "record.sh: tinyproxy is required" >&2; exit 1; }
    prepare
    start_proxy
    local f=$OUT/proxy-connect.pcapng
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client curl -4 -sS -k --http1.1 --max-time 10 -x http://198.51.100.1:8888 \
        https://google.com/ -o /dev/null
    stop_capture 3
    stop_proxy
}
verify_proxy_connect() {
    local f=$1
    expect "$f" 0 'dns' 'no DNS from the client'
    expect "$f" 1 'http.request.method=="CONNECT" && http.request.uri=="google.com:443"' 'CONNECT google.com:443'
    expect "$f" 1 'http.response.code==200 && tcp.srcport==8888' '200 from the proxy'
    expect "$f" 1 'tls.handshake.type==1 && tls.handshake.extensions_server_name=="google.com"' 'ClientHello with SNI google.com'
    expect "$f" 1 'tls.handshake.type==2' 'ServerHello through the tunnel'
}

# A forward proxy: curl sends the absolute-form request HEAD http://google.com/
# to the proxy, which asks nginx and relays its 301 (a HEAD, so that the
# answer ends with its header, which tinyproxy writes in small pieces).
record_proxy_forward() {
    command -v tinyproxy >/dev/null || { echo "record.sh: tinyproxy is required" >&2; exit 1; }
    prepare
    start_proxy
    local f=$OUT/proxy-forward.pcapng
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client curl -4 -sS -I --http1.1 --max-time 10 -x http://198.51.100.1:8888 \
        http://google.com/ -o /dev/null
    stop_capture 3
    stop_proxy
}
verify_proxy_forward() {
    local f=$1
    expect "$f" 0 'dns' 'no DNS from the client'
    expect "$f" 1 'http.request.method=="HEAD" && http.request.uri=="http://google.com/"' 'absolute-form HEAD http://google.com/'
    expect "$f" 1 'http.response.code==301 && tcp.srcport==8888' '301 relayed by the proxy'
    expect "$f" 0 'tls' 'no TLS'
}

# RST after FIN: the client sends an HTTP/1.0 request, nginx answers and
# closes (FIN); the client closes without reading the answer, so its TCP
# sends RST instead of its own FIN (RFC 1122 §4.2.2.13): no TIME_WAIT.
record_rst_after_fin() {
    prepare
    local f=$OUT/rst-after-fin.pcapng
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client python3 - <<'PY'
import socket, time
s = socket.create_connection(("203.0.113.100", 8000), timeout=5)
s.sendall(b"GET / HTTP/1.0\r\nHost: www.google.com\r\n\r\n")
time.sleep(0.5)
s.close()
PY
    stop_capture 1.5
}
verify_rst_after_fin() {
    local f=$1
    expect "$f" 1 'http.request.method=="GET" && http.request.version=="HTTP/1.0"' 'the HTTP/1.0 GET'
    expect "$f" 1 'http.response.code==200' 'the 200'
    expect "$f" 1 'tcp.flags.fin==1 && tcp.srcport==8000' "the server's FIN"
    expect "$f" 0 'tcp.flags.fin==1 && tcp.dstport==8000' 'no FIN from the client'
    expect "$f" 1 'tcp.flags.reset==1 && tcp.dstport==8000' "the client's RST"
}

# TLS 1.2 with RSA key transport (TLS_RSA_WITH_AES_128_CBC_SHA256): a second
# nginx with an RSA certificate on 203.0.113.100:8443, and curl limited to
# TLS 1.2 and that one suite.
record_tls_rsa() {
    prepare
    local d=$WORK/nginx-rsa f=$OUT/tls-rsa.pcapng
    mkdir -p "$d/html" "$d/tmp"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=www.google.com \
        -addext subjectAltName=DNS:www.google.com -keyout "$d/key.pem" -out "$d/cert.pem" 2>/dev/null
    echo 'rsa' >"$d/html/index.html"
    cat >"$d/nginx.conf" <<CONF
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 16; }
http {
    access_log off;
    client_body_temp_path $d/tmp; proxy_temp_path $d/tmp; fastcgi_temp_path $d/tmp;
    uwsgi_temp_path $d/tmp; scgi_temp_path $d/tmp;
    server {
        listen 203.0.113.100:8443 ssl;
        ssl_certificate $d/cert.pem; ssl_certificate_key $d/key.pem;
        ssl_protocols TLSv1.2; ssl_ciphers AES128-SHA256;
        root $d/html;
    }
}
CONF
    in_ns nx-web nginx -c "$d/nginx.conf"
    wait_listening nx-web -ltn '203.0.113.100:8443'
    start_capture nx-client "$f" dumpcap -i nxc0 -w "$f"
    in_ns nx-client curl -4 -sS -k --http1.1 --tls-max 1.2 --ciphers AES128-SHA256 --max-time 10 \
        https://www.google.com:8443/ -o /dev/null
    stop_capture 1.5
    in_ns nx-web nginx -c "$d/nginx.conf" -s stop 2>/dev/null || true
}
verify_tls_rsa() {
    local f=$1
    expect "$f" 1 'tls.handshake.type==2 && tls.handshake.ciphersuite==0x003c' 'ServerHello chooses TLS_RSA_WITH_AES_128_CBC_SHA256'
    expect "$f" 0 'tls.handshake.type==12' 'no ServerKeyExchange'
    expect "$f" 1 'tls.handshake.type==16' 'ClientKeyExchange'
}

EXTRA_SAMPLES+=(proxy_connect proxy_forward rst_after_fin tls_rsa)
EXTRA_FILES+=(proxy_connect:proxy-connect.pcapng proxy_forward:proxy-forward.pcapng
    rst_after_fin:rst-after-fin.pcapng tls_rsa:tls-rsa.pcapng)
