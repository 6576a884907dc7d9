//! Dropping the evidence of a page load that is over and told (or not to
//! be told), so that what is kept is bounded by the loads still open.

use super::*;
use std::collections::HashSet;

/// What to drop: connections by stream, DNS records by index, frames by
/// number; ARP records (by index) are marked as told.
#[derive(Debug, Default)]
pub struct Forget {
    pub conns: HashSet<u64>,
    pub dns: HashSet<usize>,
    pub arp: HashSet<usize>,
    pub frames: HashSet<u64>,
}

impl Evidence {
    /// Drops what `f` names and rebuilds the indexes. Later packets of a dropped TCP
    /// connection are not gathered again (its story is already told).
    pub fn forget(&mut self, f: &Forget) {
        self.frames.retain(|r| !f.frames.contains(&r.frame));
        for s in &f.conns {
            if self.conns.remove(s).is_some() && *s < QUIC_BASE {
                self.forgotten.insert(*s);
            }
        }
        if !f.dns.is_empty() {
            let dns = std::mem::take(&mut self.dns);
            self.dns_by_answer.clear();
            self.dns_by_host.clear();
            self.dns_by_mac.clear();
            self.dns_out_of_time_order = false;
            for (i, d) in dns.into_iter().enumerate() {
                if !f.dns.contains(&i) {
                    self.push_dns(d);
                }
            }
        }
        // ARP and neighbour discovery stay, marked as told: later loads
        // still learn from them who owns an address, as the client's cache
        // does.
        for &i in &f.arp {
            if let Some(a) = self.arp.get_mut(i) {
                a.claimed = true;
            }
        }
    }
}
