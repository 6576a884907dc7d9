//! stub
use serde::Serialize;
#[derive(Debug, Clone, Serialize)]
pub struct NdpInfo { #[serde(rename = "type")] pub kind: &'static str }
