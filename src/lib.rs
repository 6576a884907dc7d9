//! netexplain: reads packet captures, decodes what matters for a page load
//! (ARP, IPv6 neighbour discovery, DNS, TCP, TLS, HTTP/1.x) and explains it.
//!
//! Data flows one way:
//! `capture` (frames) → `decode` (per-frame summaries) → `flow` (conversations,
//! reassembly, matching) → `render` (text, JSON).

pub mod capture;
pub mod decode;
pub mod flow;
pub mod pipeline;
pub mod render;
