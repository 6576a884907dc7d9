//! stub
use serde::Serialize;
#[derive(Debug, Clone, Serialize)]
pub struct TcpInfo { pub src_port: u16, pub dst_port: u16 }
