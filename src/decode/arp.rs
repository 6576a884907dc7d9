//! stub
use crate::decode::Mac;
use serde::Serialize;
use std::net::Ipv4Addr;
#[derive(Debug, Clone, Serialize)]
pub struct ArpInfo { pub op: &'static str, pub sender_mac: Mac, pub sender_ip: Ipv4Addr, pub target_mac: Mac, pub target_ip: Ipv4Addr }
