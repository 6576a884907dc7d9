//! netexplain: reads packet captures, decodes what matters for a page load
//! (ARP, IPv6 neighbour discovery, DNS, TCP, TLS, HTTP/1.x) and explains it.
//!
//! Data flows one way:
//! `capture` (frames) → `decode` (per-frame summaries) → `flow` (conversations,
//! reassembly, matching) → `explain` (page loads, steps, notes) → `render`
//! (text, JSON, Markdown, HTML).

pub mod batch;
pub mod capture;
pub mod decode;
pub mod explain;
pub mod export;
pub mod filter;
pub mod flow;
pub mod notes;
pub mod pipeline;
pub mod render;
