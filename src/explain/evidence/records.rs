//! The records of the protocols told outside connections: DNS, DHCP,
//! ARP and neighbour discovery, ICMP and lone UDP datagrams, and their
//! indexes in the evidence.

use super::*;

#[derive(Debug, Clone)]
pub struct DnsRec {
    pub frame: u64,
    pub ts: f64,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// "udp" or "tcp".
    pub transport: Transport,
    pub src_mac: Option<Mac>,
    pub dst_mac: Option<Mac>,
    pub msg: DnsMessage,
    pub interface: u32,
}

/// A DHCP message (RFC 2131).
#[derive(Debug, Clone)]
pub struct DhcpRec {
    pub frame: u64,
    pub ts: f64,
    pub msg: DhcpMessage,
}

#[derive(Debug, Clone)]
pub struct ArpRec {
    pub frame: u64,
    pub ts: f64,
    pub reply: bool,
    pub sender_mac: Mac,
    pub sender_ip: IpAddr,
    pub target_ip: IpAddr,
    /// "probe", "gratuitous" or none.
    pub kind: Option<ArpKind>,
    /// True for IPv6 neighbour discovery (NS/NA), false for ARP.
    pub ndp: bool,
    /// Told by a page load that is over: kept only as what the link
    /// showed about who owns an address.
    pub claimed: bool,
}

/// An ICMP message (RFC 792, RFC 4443), with the packet an error quotes.
#[derive(Debug, Clone)]
pub struct IcmpRec {
    pub frame: u64,
    pub ts: f64,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub ttl: u8,
    pub v6: bool,
    pub icmp_type: u8,
    pub code: u8,
    /// Echo identifier and sequence number.
    pub echo: Option<(u16, u16)>,
    pub quoted: Option<crate::decode::icmp::Quoted>,
}

/// A UDP datagram that no other story tells (RFC 768).
#[derive(Debug, Clone)]
pub struct UdpRec {
    pub frame: u64,
    pub ts: f64,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub src_port: u16,
    pub dst_port: u16,
    pub length: u16,
    pub ttl: u8,
}

/// ICMP messages and lone UDP datagrams kept for their stories.
pub const MAX_ICMP: usize = 512;

impl Evidence {
    pub(super) fn push_arp(&mut self, a: ArpRec) {
        let i = self.arp.len();
        self.arp_by_ip.entry(a.sender_ip).or_default().push(i);
        self.arp_by_mac.entry(a.sender_mac).or_default().push(i);
        self.arp.push(a);
    }

    pub(super) fn push_dns(&mut self, d: DnsRec) {
        let i = self.dns.len();
        let (host, mac) = if d.msg.response {
            (d.dst, d.dst_mac)
        } else {
            (d.src, d.src_mac)
        };
        if self.dns.last().is_some_and(|last| last.ts > d.ts) {
            self.dns_out_of_time_order = true;
        }
        self.dns_by_host.entry(host).or_default().push(i);
        if let Some(m) = mac {
            self.dns_by_mac.entry(m).or_default().push(i);
        }
        if d.msg.response {
            for a in &d.msg.answers {
                if let Some(addr) = a.addr() {
                    let list = self.dns_by_answer.entry(addr).or_default();
                    if list.last() != Some(&i) {
                        list.push(i);
                    }
                }
            }
        }
        self.dns.push(d);
    }

    /// Indices of the DNS messages sent or received by a host, known by
    /// its address and, where the capture has it, its MAC; in order.
    pub fn dns_of(&self, host: IpAddr, mac: Option<Mac>) -> Vec<usize> {
        let mut v: Vec<usize> = self.dns_by_host.get(&host).cloned().unwrap_or_default();
        if let Some(m) = mac.and_then(|m| self.dns_by_mac.get(&m)) {
            v.extend(m);
            v.sort_unstable();
            v.dedup();
        }
        v
    }
}
