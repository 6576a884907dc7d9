"""Reads a netexplain Parquet dataset with DuckDB and compares every table
with the tool's own JSON output for the same captures.

Usage: duckdb_check.py DATASET JSONDIR CAPTURE...
JSONDIR holds, per capture, <capture>.packets.ndjson,
<capture>.conversations.ndjson and <capture>.explain.json.
Prints one line per table and capture; exits 1 on the first mismatch.
"""
import json
import sys

import duckdb

dataset, jsondir, captures = sys.argv[1], sys.argv[2], sys.argv[3:]
con = duckdb.connect()
checked = 0


def fail(msg):
    print("MISMATCH: " + msg)
    sys.exit(1)


def eq(what, got, want):
    global checked
    checked += 1
    if isinstance(want, float) and isinstance(got, float):
        if abs(got - want) > 1e-9 * max(1.0, abs(want)):
            fail(f"{what}: parquet {got!r} != json {want!r}")
    elif got != want:
        fail(f"{what}: parquet {got!r} != json {want!r}")


def rows(table, capture, order):
    cur = con.execute(
        f"SELECT * FROM read_parquet('{dataset}/{table}/*.parquet') "
        f"WHERE capture = ? ORDER BY {order}",
        [capture],
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def dig(v, *path):
    for k in path:
        if not isinstance(v, dict) or k not in v:
            return None
        v = v[k]
    return v


def lst(v):
    return [] if v is None else v


ids = {}
for cap in captures:
    packets = [json.loads(l) for l in open(f"{jsondir}/{cap}.packets.ndjson")]
    convs = [json.loads(l) for l in open(f"{jsondir}/{cap}.conversations.ndjson")]
    story = json.load(open(f"{jsondir}/{cap}.explain.json"))

    # packets: one row per frame, flat fields and lists as the JSON has them.
    got = rows("packets", cap, "frame")
    eq(f"{cap} packets count", len(got), len(packets))
    for r, p in zip(got, packets):
        w = f"{cap} packets frame {p['frame']}"
        for col, path in [
            ("frame", ("frame",)), ("ts", ("ts",)), ("caplen", ("caplen",)),
            ("len", ("len",)), ("interface", ("interface",)), ("linktype", ("linktype",)),
            ("eth_src", ("eth", "src")), ("eth_dst", ("eth", "dst")),
            ("ip_src", ("ip", "src")), ("ip_dst", ("ip", "dst")),
            ("ip_ttl", ("ip", "ttl")), ("ip_proto", ("ip", "proto")), ("ip_id", ("ip", "id")),
            ("tcp_src_port", ("tcp", "src_port")), ("tcp_dst_port", ("tcp", "dst_port")),
            ("tcp_seq", ("tcp", "seq")), ("tcp_ack", ("tcp", "ack")),
            ("tcp_window", ("tcp", "window")), ("tcp_payload_len", ("tcp", "payload_len")),
            ("tcp_stream", ("tcp", "stream")), ("tcp_from", ("tcp", "from")),
            ("tcp_role", ("tcp", "role")), ("tcp_state", ("tcp", "state")),
            ("udp_src_port", ("udp", "src_port")), ("udp_dst_port", ("udp", "dst_port")),
            ("udp_length", ("udp", "length")),
        ]:
            eq(f"{w} {col}", r[col], dig(p, *path))
        eq(f"{w} truncated", r["truncated"], p.get("truncated", False))
        eq(f"{w} vlan", r["vlan"], p.get("vlan", []))
        eq(f"{w} tcp_flags", r["tcp_flags"], lst(dig(p, "tcp", "flags")))
        eq(f"{w} tcp_analysis", r["tcp_analysis"], lst(dig(p, "tcp", "analysis")))
        eq(f"{w} errors", r["errors"], p.get("errors", []))
        eq(f"{w} arp", r["arp"], p.get("arp"))
        for col in ["sll", "ndp", "icmp", "dns", "dhcp", "tls", "quic"]:
            eq(f"{w} {col}", None if r[col] is None else json.loads(r[col]), p.get(col))
        for col in ["http", "websocket", "dns_more", "quic_more"]:
            eq(f"{w} {col}", None if r[col] is None else json.loads(r[col]), p.get(col))

    # conversations, in the tool's order (first frame first).
    got = rows("conversations", cap, "first_frame, client, server")
    want = sorted(convs, key=lambda c: (c["first_frame"], c["client"], c["server"]))
    eq(f"{cap} conversations count", len(got), len(want))
    for r, c in zip(got, want):
        w = f"{cap} conversation {c['client']}-{c['server']}"
        for col in ["proto", "stream", "client", "server", "app", "client_state",
                    "server_state", "client_packets", "server_packets", "client_bytes",
                    "server_bytes", "start", "duration", "first_frame"]:
            eq(f"{w} {col}", r[col], c.get(col))
        eq(f"{w} history", r["history"], c.get("history"))
        eq(f"{w} partial", r["partial"], c.get("partial", False))

    # dns: every message of every frame, answers as a list of structs.
    msgs = []
    for p in packets:
        for m in ([p["dns"]] if "dns" in p else []) + p.get("dns_more", []):
            msgs.append((p, m))
    got = rows("dns", cap, "frame, id")
    want = sorted(msgs, key=lambda pm: (pm[0]["frame"], pm[1]["id"]))
    eq(f"{cap} dns count", len(got), len(want))
    for r, (p, m) in zip(got, want):
        w = f"{cap} dns frame {p['frame']} id {m['id']}"
        for col in ["id", "response", "opcode", "rcode", "flags", "protocol",
                    "latency_ms", "query_frame"]:
            eq(f"{w} {col}", r[col], m.get(col))
        eq(f"{w} src", r["src"], dig(p, "ip", "src"))
        for sect in ["questions", "answers", "authority", "additional"]:
            want_l = m.get(sect, [])
            got_l = r[sect]
            eq(f"{w} {sect} count", len(got_l), len(want_l))
            for g, x in zip(got_l, want_l):
                for k, v in g.items():
                    eq(f"{w} {sect} {k}", v, x.get(k))

    # tls: every handshake message (TCP and QUIC Initial).
    hss = []
    for p in packets:
        for h in dig(p, "tls", "handshakes") or []:
            hss.append((p, "tcp", h))
        for q in ([p["quic"]] if "quic" in p else []) + p.get("quic_more", []):
            for h in q.get("handshakes", []):
                hss.append((p, "quic", h))
    got = rows("tls", cap, "frame, transport, type")
    want = sorted(hss, key=lambda x: (x[0]["frame"], x[1], x[2]["type"]))
    eq(f"{cap} tls count", len(got), len(want))
    for r, (p, t, h) in zip(got, want):
        w = f"{cap} tls frame {p['frame']} {h['type']}"
        eq(f"{w} transport", r["transport"], t)
        for col in ["type", "version", "length", "sni", "cipher_suite", "ja3", "ja3_string",
                    "ja3s", "ja3s_string", "ja4", "ja4_r", "ja4s", "ja4s_r"]:
            eq(f"{w} {col}", r[col], h.get(col))
        for col in ["alpn", "cipher_suites", "supported_versions", "supported_groups",
                    "extensions", "frames"]:
            eq(f"{w} {col}", r[col], h.get(col, []))
        certs = h.get("certificates", [])
        eq(f"{w} certificates count", len(r["certificates"]), len(certs))
        for g, x in zip(r["certificates"], certs):
            for k in ["subject", "issuer", "san", "not_before", "not_after", "serial"]:
                eq(f"{w} certificate {k}", g[k], x.get(k, [] if k == "san" else None))

    # http: every message head.
    heads = [(p, m) for p in packets for m in p.get("http", [])]
    got = rows("http", cap, "frame, coalesce(method, ''), coalesce(status, 0)")
    want = sorted(heads, key=lambda x: (x[0]["frame"], x[1].get("method") or "", x[1].get("status") or 0))
    eq(f"{cap} http count", len(got), len(want))
    for r, (p, m) in zip(got, want):
        w = f"{cap} http frame {p['frame']}"
        for col in ["method", "target", "version", "status", "reason", "host",
                    "user_agent", "content_length", "location", "upgrade"]:
            eq(f"{w} {col}", r[col], m.get(col))
        eq(f"{w} frames", r["frames"], m.get("frames", []))
        eq(f"{w} stream", r["stream"], dig(p, "tcp", "stream"))

    # page_loads and steps, from the story.
    got = rows("page_loads", cap, "page_load")
    pls = story["page_loads"]
    eq(f"{cap} page_loads count", len(got), len(pls))
    for i, (r, pl) in enumerate(zip(got, pls)):
        w = f"{cap} page load {i}"
        for col in ["host", "client", "server", "start", "duration_ms", "names"]:
            eq(f"{w} {col}", r[col], pl[col])
        eq(f"{w} steps", r["steps"], len(pl["steps"]))
    got = rows("steps", cap, "page_load, step")
    want = [(i, j, s) for i, pl in enumerate(pls) for j, s in enumerate(pl["steps"])]
    eq(f"{cap} steps count", len(got), len(want))
    for r, (i, j, s) in zip(got, want):
        w = f"{cap} page load {i} step {s['id']}"
        for col in ["id", "title", "status", "reason", "frames", "start", "duration_ms", "lines"]:
            eq(f"{w} {col}", r[col], s.get(col))
        eq(f"{w} facts", json.loads(r["facts"]), s["facts"])
        eq(f"{w} notes", r["notes"], s["notes"])

    # One capture id per capture in every table, and the schema version.
    for table in ["packets", "conversations", "dns", "tls", "http", "page_loads", "steps"]:
        path = f"{dataset}/{table}/{cap}.parquet"
        kv = dict(
            (k.decode(), v.decode())
            for k, v in con.execute(
                "SELECT key, value FROM parquet_kv_metadata(?)", [path]
            ).fetchall()
        )
        eq(f"{cap} {table} schema_version", kv.get("netexplain.schema_version"), "1")
        eq(f"{cap} {table} table name", kv.get("netexplain.table"), table)
        n = con.execute(
            f"SELECT count(DISTINCT capture_id), min(capture_id) FROM read_parquet('{path}')"
        ).fetchone()
        if n[0]:
            eq(f"{cap} {table} one capture id", n[0], 1)
            if ids.setdefault(cap, n[1]) != n[1]:
                fail(f"{cap} {table}: capture id {n[1]} != {ids[cap]}")
    print(f"{cap}: {len(packets)} packets, {len(convs)} conversations, {len(msgs)} dns, "
          f"{len(hss)} tls, {len(heads)} http, {len(pls)} page loads: equal")

print(f"checked {checked} values")
