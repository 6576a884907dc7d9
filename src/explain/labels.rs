//! The closed sets of names the story's values take: what a lane is to the
//! story, and which kind of story a page load or other traffic tells. They
//! serialise to the JSON names and are compared as values by the renderers.
//! Also how a list of frame numbers is written in each language, which the
//! steps' sentences and the renderers share.

use serde::Serialize;

/// What a participant is to the story, most telling first (the order a
/// host with several addresses takes the first of).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LaneRole {
    Client,
    Gateway,
    Resolver,
    Server,
    Other,
}

impl LaneRole {
    pub fn as_str(self) -> &'static str {
        match self {
            LaneRole::Client => "client",
            LaneRole::Gateway => "gateway",
            LaneRole::Resolver => "resolver",
            LaneRole::Server => "server",
            LaneRole::Other => "other",
        }
    }
}

impl std::fmt::Display for LaneRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which kind of story a [`PageLoad`] tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoryKind {
    /// A page load: name lookup, connections, requests.
    PageLoad,
    /// A WebSocket session that no page load opened: its first connection
    /// begins with the upgrade (RFC 6455 §4.1), no document is fetched.
    /// Listed and numbered with the page loads.
    #[serde(rename = "websocket")]
    WebSocket,
    /// DNS lookups with no page load after them.
    Dns,
    /// A TCP connection that is not part of a page load.
    TcpTransfer,
    Icmp,
    /// ARP or neighbour discovery alone.
    Arp,
    Dhcp,
    Udp,
}

/// The same list in a language's punctuation: Chinese separates the
/// items with 、 ("帧 3、5、7–9").
pub fn frame_list_in(frames: &[u64], lang: crate::notes::Lang) -> String {
    let sep = match lang {
        crate::notes::Lang::En => ", ",
        crate::notes::Lang::Zh => "、",
    };
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < frames.len() {
        let mut j = i;
        while j + 1 < frames.len() && frames[j + 1] == frames[j] + 1 {
            j += 1;
        }
        parts.push(if j > i + 1 {
            format!("{}–{}", frames[i], frames[j])
        } else if j == i + 1 {
            format!("{}{sep}{}", frames[i], frames[j])
        } else {
            frames[i].to_string()
        });
        i = j + 1;
    }
    parts.join(sep)
}
