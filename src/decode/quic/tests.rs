//! Whole datagrams through the decoder: the RFC 9001 and RFC 9369
//! example packets, Retry and Version Negotiation, and damaged input.

use super::*;

pub(super) fn bytes(hex: &str) -> Vec<u8> {
    let hex: String = hex.split_whitespace().collect();
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

pub(super) const RFC9001_DCID: &str = "8394c8f03e515708";

/// The packets of a datagram that decodes without a problem.
fn clean(datagram: &[u8], ctx: &Context) -> Vec<QuicPacket> {
    let (packets, errors) = decode_datagram(datagram, ctx);
    assert!(errors.is_empty(), "{errors:?}");
    packets
}

/// The server's side, with keys from the client's original DCID.
fn server_keys(dcid: &[u8]) -> Context<'_> {
    Context {
        from_client: false,
        initial_dcid: Some(dcid),
        keys_known: true,
        ..Context::default()
    }
}

/// RFC 9001 §A.3: the server's Initial, protected.
const RFC9001_A3: &str = "cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a\
    5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3\
    dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84\
    022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4\
    2158407dd074ee";

#[test]
fn rfc9001_a3_server_initial() {
    let dcid = bytes(RFC9001_DCID);
    let ctx = server_keys(&dcid);
    let packets = clean(&bytes(RFC9001_A3), &ctx);
    let p = &packets[0];
    assert_eq!(p.long_type, Some(LongType::Initial));
    assert_eq!(p.version.as_deref(), Some("1"));
    assert_eq!(p.dcid.as_deref(), Some(""));
    assert_eq!(p.scid.as_deref(), Some("f067a5502a4262b5"));
    assert_eq!(p.packet_number, Some(1));
    assert_eq!(p.length, Some(117));
    assert_eq!(
        p.frames,
        [
            QuicFrame::Ack {
                largest: 0,
                delay: 0,
                first_range: 0,
                ranges: 0,
                ecn: false
            },
            QuicFrame::Crypto {
                offset: 0,
                length: 90
            }
        ]
    );
    // The CRYPTO data is the ServerHello of §A.3.
    assert_eq!(&p.crypto[0].1[..6], &[0x02, 0x00, 0x00, 0x56, 0x03, 0x03]);
}

/// RFC 9001 §A.2 / RFC 9369 §A.2: the client's Initial payload (a
/// CRYPTO frame with the ClientHello), padded to 1162 bytes.
const CLIENT_CRYPTO: &str = "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868\
    04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578\
    616d706c652e636f6dff01000100000a00080006001d00170018001000070005\
    04616c706e000500050100000000003300260024001d00209370b2c9caa47fba\
    baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400\
    0d0010000e0403050306030203080408050806002d00020101001c0002400100\
    3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000\
    75300901100f088394c8f03e51570806048000ffff";

/// Builds the protected client Initial of RFC 9001 §A.2 (v1) or RFC
/// 9369 §A.2 (v2) from its published parts with the published keys,
/// so that the decoder is checked against the RFC's own ciphertext.
fn rfc_client_initial(version: u32, first_byte: u8) -> Vec<u8> {
    let mut plain = bytes(CLIENT_CRYPTO);
    plain.resize(1162, 0);
    let dcid = bytes(RFC9001_DCID);
    let packet = seal_initial(version, &dcid, true, &dcid, &[], &[], 2, &plain);
    assert_eq!(packet[0] & 0xf0, first_byte & 0xf0);
    packet
}

#[test]
fn rfc9001_a2_client_initial() {
    let packet = rfc_client_initial(VERSION_1, 0xc3);
    // The first and last bytes the RFC prints for the protected packet.
    assert_eq!(
        hex(&packet[..32]),
        "c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
    );
    assert_eq!(
        hex(&packet[32..64]),
        "d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
    );
    assert_eq!(
        hex(&packet[packet.len() - 16..]),
        "e221af44860018ab0856972e194cd934"
    );
    let packets = clean(
        &packet,
        &Context {
            from_client: true,
            ..Context::default()
        },
    );
    let p = &packets[0];
    assert_eq!(p.packet_number, Some(2));
    assert_eq!(p.token_length, Some(0));
    assert_eq!(p.size, 1200);
    assert_eq!(
        p.frames,
        [
            QuicFrame::Crypto {
                offset: 0,
                length: 241
            },
            QuicFrame::Padding { length: 917 }
        ]
    );
    let mut h = TlsHandshake::default();
    let body = &p.crypto[0].1[4..];
    crate::decode::tls::parse_hello(1, body, &mut h).unwrap();
    assert_eq!(h.sni.as_deref(), Some("example.com"));
    assert_eq!(h.alpn, ["alpn"]);
}

#[test]
fn rfc9369_a2_client_initial_v2() {
    // RFC 9369 §A.2: first byte 0xd3 (Initial is 0b01 in v2).
    let packet = rfc_client_initial(VERSION_2, 0xd3);
    assert_eq!(
        hex(&packet[..32]),
        "d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485"
    );
    assert_eq!(
        hex(&packet[packet.len() - 16..]),
        "a18b2faa745b6fe189cf772a9f84cbfc"
    );
    let packets = clean(
        &packet,
        &Context {
            from_client: true,
            ..Context::default()
        },
    );
    assert_eq!(packets[0].long_type, Some(LongType::Initial));
    assert_eq!(packets[0].version.as_deref(), Some("2"));
    assert_eq!(packets[0].packet_number, Some(2));
    assert_eq!(&packets[0].crypto[0].1[..4], &[0x01, 0x00, 0x00, 0xed]);
}

#[test]
fn rfc9369_a3_server_initial_v2() {
    let packet = bytes(
        "dc6b3343cf0008f067a5502a4262b5004075d92faaf16f05d8a4398c47089698\
         baeea26b91eb761d9b89237bbf87263017915358230035f7fd3945d88965cf17\
         f9af6e16886c61bfc703106fbaf3cb4cfa52382dd16a393e42757507698075b2\
         c984c707f0a0812d8cd5a6881eaf21ceda98f4bd23f6fe1a3e2c43edd9ce7ca8\
         4bed8521e2e140",
    );
    let dcid = bytes(RFC9001_DCID);
    let ctx = server_keys(&dcid);
    let packets = clean(&packet, &ctx);
    assert_eq!(packets[0].long_type, Some(LongType::Initial));
    assert_eq!(packets[0].version.as_deref(), Some("2"));
    assert_eq!(packets[0].packet_number, Some(1));
    assert_eq!(
        packets[0].frames[1],
        QuicFrame::Crypto {
            offset: 0,
            length: 90
        }
    );
}

#[test]
fn rfc9001_a4_retry_and_version_negotiation() {
    let retry = bytes("ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba");
    let packets = clean(&retry, &Context::default());
    assert_eq!(packets[0].long_type, Some(LongType::Retry));
    assert_eq!(packets[0].scid.as_deref(), Some("f067a5502a4262b5"));
    assert_eq!(packets[0].retry_token_length, Some(5));
    let odcid = bytes(RFC9001_DCID);
    assert_eq!(retry_tag_valid(VERSION_1, &odcid, &retry), Some(true));
    assert_eq!(retry_tag_valid(VERSION_1, &odcid[1..], &retry), Some(false));
    // RFC 9000 §17.2.1 layout, versions 1 and a GREASE one.
    // RFC 9369 §A.4: the v2 Retry, whose type bits are 0b00.
    let retry = bytes("cf6b3343cf0008f067a5502a4262b5746f6b656ec8646ce8bfe33952d955543665dcc7b6");
    let packets = clean(&retry, &Context::default());
    assert_eq!(packets[0].long_type, Some(LongType::Retry));
    assert_eq!(packets[0].version.as_deref(), Some("2"));
    assert_eq!(retry_tag_valid(VERSION_2, &odcid, &retry), Some(true));
    assert_eq!(retry_tag_valid(VERSION_1, &odcid, &retry), Some(false));
    let vn = bytes("80 00000000 04 08090a0b 04 01020304 00000001 0a1a2a3a");
    let packets = clean(&vn, &Context::default());
    assert_eq!(packets[0].long_type, Some(LongType::VersionNegotiation));
    assert_eq!(packets[0].dcid.as_deref(), Some("08090a0b"));
    assert_eq!(packets[0].supported_versions, ["1", "0x0a1a2a3a"]);
}

/// Random datagrams, and the RFC's Initial with random bytes changed,
/// under every kind of context: never a panic, sizes always add up.
#[test]
fn random_datagrams_never_panic() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let base = rfc_client_initial(VERSION_1, 0xc3);
    let cids = vec![vec![], vec![0x83, 0x94], bytes(RFC9001_DCID)];
    let dcid = bytes(RFC9001_DCID);
    for round in 0..3000 {
        let mut d = if round % 2 == 0 {
            base.clone()
        } else {
            (0..next() % 1500).map(|_| next() as u8).collect()
        };
        for _ in 0..next() % 4 {
            if !d.is_empty() {
                let at = (next() as usize) % d.len();
                d[at] = next() as u8;
            }
        }
        if round % 3 == 0 {
            d.truncate((next() as usize) % (d.len() + 1));
        }
        for ctx in [
            Context::default(),
            Context {
                from_client: true,
                short_dcids: &cids,
                largest_initial_pn: Some(next() % 1000),
                keys_known: true,
                ..Context::default()
            },
            Context {
                initial_dcid: Some(&dcid),
                keys_known: true,
                ..Context::default()
            },
        ] {
            let (packets, _) = decode_datagram(&d, &ctx);
            let total: usize = packets.iter().map(|p| p.size).sum();
            assert!(total <= d.len());
            assert!(packets.len() <= MAX_PACKETS_PER_DATAGRAM);
        }
    }
}

#[test]
fn every_prefix_and_corruption_is_an_error_not_a_panic() {
    let packet = rfc_client_initial(VERSION_1, 0xc3);
    let ctx = Context {
        from_client: true,
        keys_known: true,
        ..Context::default()
    };
    for n in 0..packet.len() {
        let _ = decode_datagram(&packet[..n], &ctx);
    }
    for at in 0..40 {
        for v in [0x00, 0x3f, 0x40, 0x7f, 0x80, 0xbf, 0xc0, 0xff] {
            let mut bad = packet.clone();
            bad[at] = v;
            let _ = decode_datagram(&bad, &ctx);
        }
    }
    // A flipped ciphertext bit fails authentication and says so.
    let mut bad = packet.clone();
    bad[100] ^= 1;
    let (packets, errors) = decode_datagram(&bad, &ctx);
    assert!(!packets[0].decrypted);
    assert!(errors[0].contains("does not decrypt"), "{errors:?}");
}

#[test]
fn frame_decoding_reads_only_the_unprotected_header() {
    let packet = rfc_client_initial(VERSION_1, 0xc3);
    let mut p = Packet::default();
    decode_into(&mut p, &packet, true);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let q = p.quic.as_deref().unwrap();
    assert_eq!(q.pending, Some(Pending { to_server: true }));
    assert_eq!(q.kind(), PacketKind::Initial);
    assert_eq!(q.dcid.as_deref(), Some(RFC9001_DCID));
    assert!(!q.decrypted && q.frames.is_empty() && q.packet_number.is_none());
    // Without a connection the datagram decodes as a client's first
    // Initial, with keys from its own DCID.
    decode_without_connection(&mut p, &packet, true);
    let q = p.quic.as_deref().unwrap();
    assert!(q.decrypted && q.pending.is_none());
    // A header that does not parse still marks the datagram as QUIC.
    let mut p = Packet::default();
    decode_into(&mut p, &[0x40], false);
    assert_eq!(p.quic.as_deref().unwrap().header, HeaderForm::Short);
    decode_into(&mut p, &[0xc0, 0, 0, 0, 1], false);
    let q = p.quic.as_deref().unwrap();
    assert_eq!(
        (q.kind(), q.pending.is_some()),
        (PacketKind::UnknownLong, true)
    );
    decode_without_connection(&mut p, &[0xc0, 0, 0, 0, 1], false);
    assert!(p.quic.is_none());
    assert_eq!(
        p.errors,
        ["QUIC: DCID length: 1 bytes needed, 0 left at datagram offset 0"]
    );
}

/// Drafts 33 and 34 took version 1's Initial salt (draft-ietf-quic-tls-33
/// §5.2): their client keys for RFC 9001's DCID are the ones RFC 9001 §A.1
/// prints, while draft 29's are those draft-ietf-quic-tls-29 §A.1 prints.
/// A client Initial sealed as draft 33 then opens, its hello read.
#[test]
fn drafts_33_and_34_use_the_version_1_salt() {
    let dcid = bytes(RFC9001_DCID);
    for v in [0xff00_0021, 0xff00_0022] {
        let c = protection::initial_keys(v, &dcid, true).unwrap();
        assert_eq!(hex(&c.key), "1f369613dd76d5467730efcbe3b1a22d", "{v:x}");
        assert_eq!(hex(&c.hp), "9f50449e04a0e810283a1e9933adedd2", "{v:x}");
    }
    let d29 = protection::initial_keys(0xff00_001d, &dcid, true).unwrap();
    assert_eq!(hex(&d29.key), "175257a31eb09dea9366d8bb79ad80ba");
    let mut plain = bytes(CLIENT_CRYPTO);
    plain.resize(1162, 0);
    let packet = seal_initial(0xff00_0021, &dcid, true, &dcid, &[], &[], 2, &plain);
    let ctx = Context {
        from_client: true,
        ..Context::default()
    };
    let p = &clean(&packet, &ctx)[0];
    assert_eq!(p.version.as_deref(), Some("draft-33"));
    assert!(p.decrypted);
    assert_eq!(p.packet_number, Some(2));
}

/// RFC 9287 §3: a client that remembers a server's grease_quic_bit may
/// clear the fixed bit even in its Initial. Such an Initial (RFC 9001
/// §A.2's content, sealed with the bit cleared) is read as any other and
/// the cleared bit is named; so is a short header with the bit cleared.
#[test]
fn a_cleared_fixed_bit_is_greasing_not_an_error() {
    let dcid = bytes(RFC9001_DCID);
    let mut plain = bytes(CLIENT_CRYPTO);
    plain.resize(1162, 0);
    let packet = seal_initial_first(0x83, VERSION_1, &dcid, true, &dcid, &[], &[], 2, &plain);
    assert_eq!(packet[0] & 0xc0, 0x80);
    let ctx = Context {
        from_client: true,
        ..Context::default()
    };
    let p = &clean(&packet, &ctx)[0];
    assert!(p.fixed_bit_cleared);
    assert!(p.decrypted);
    assert_eq!(
        p.frames[0],
        QuicFrame::Crypto {
            offset: 0,
            length: 241
        }
    );
    let mut short = vec![0x01];
    short.extend(&dcid);
    short.extend([0x5a; 40]);
    let known = [dcid.clone()];
    let ctx = Context {
        short_dcids: &known,
        ..Context::default()
    };
    let p = &clean(&short, &ctx)[0];
    assert_eq!(p.header, HeaderForm::Short);
    assert!(p.fixed_bit_cleared);
    assert_eq!(p.dcid.as_deref(), Some(RFC9001_DCID));
}

/// A client Initial cut short (a snap length of 300 bytes on RFC 9001
/// §A.2's 1200-byte packet) still names its version and connection IDs;
/// it is not opened, and the cut is the datagram's problem.
#[test]
fn a_truncated_client_initial_still_names_its_connection_ids() {
    let packet = rfc_client_initial(VERSION_1, 0xc3);
    let (packets, errors) = decode_datagram(
        &packet[..300],
        &Context {
            from_client: true,
            ..Context::default()
        },
    );
    assert_eq!(packets.len(), 1, "{errors:?}");
    let p = &packets[0];
    assert_eq!(p.long_type, Some(LongType::Initial));
    assert_eq!(p.dcid.as_deref(), Some(RFC9001_DCID));
    assert_eq!(p.scid.as_deref(), Some(""));
    assert!(!p.decrypted);
    assert_eq!(p.size, 300);
    assert_eq!(errors.len(), 1);
}
