//! Live capture through libpcap (the `pcap` crate), and a pcapng writer
//! for `-w`. Built only with the `live` cargo feature.

use super::{Frame, FrameSource, Next};
use pcap_parser::pcapng::{
    EnhancedPacketBlock, InterfaceDescriptionBlock, OptionCode, PcapNGOption, SectionHeaderBlock,
};
use pcap_parser::{Linktype, ToVec};
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::IpAddr;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("{device}: permission denied: {message}. Capturing needs root: run with sudo, or give the binary the capabilities once with `sudo setcap cap_net_raw,cap_net_admin=eip {binary}`")]
    NotPermitted {
        device: String,
        message: String,
        /// The path of the running binary, as setcap needs it.
        binary: String,
    },
    #[error("{device}: no such device; devices here: {available}")]
    NoSuchDevice { device: String, available: String },
    #[error("no default device to capture on (no default route and libpcap found none); choose one with -i (see `netexplain interfaces`)")]
    NoDefault,
    #[error("bad capture filter {filter:?}: {message}")]
    BadFilter { filter: String, message: String },
    #[error("{device}: {message}")]
    Pcap { device: String, message: String },
    #[error("{path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// What to capture, with tcpdump's options.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// `-i`; the default-route device when absent.
    pub device: Option<String>,
    /// `-f`, a BPF filter compiled by libpcap.
    pub filter: Option<String>,
    /// `-s`.
    pub snaplen: i32,
    /// Not `-p`.
    pub promiscuous: bool,
}

/// An open capture handle.
pub struct LiveCapture {
    cap: pcap::Capture<pcap::Active>,
    device: String,
    linktype: u32,
    snaplen: u32,
    filter: Option<String>,
    index: u64,
}

/// How long one wait for a packet lasts, in milliseconds.
const WAIT_MS: u16 = 100;

/// One network device as `interfaces` lists it.
#[derive(Debug, Clone)]
pub struct DeviceInfo {
    pub name: String,
    pub description: Option<String>,
    pub addresses: Vec<(IpAddr, Option<IpAddr>)>,
    pub up: bool,
    pub running: bool,
    pub loopback: bool,
    pub wireless: bool,
    /// The device of the default route.
    pub default: bool,
}

fn device_names() -> String {
    pcap::Device::list()
        .map(|l| l.into_iter().map(|d| d.name).collect::<Vec<_>>().join(", "))
        .unwrap_or_else(|e| format!("(cannot list devices: {e})"))
}

fn classify(device: &str, e: pcap::Error) -> LiveError {
    let message = e.to_string();
    let lower = message.to_ascii_lowercase();
    if lower.contains("permission") || lower.contains("not permitted") {
        LiveError::NotPermitted {
            device: device.to_string(),
            message,
            binary: std::env::current_exe()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| "$(command -v netexplain)".into()),
        }
    } else if lower.contains("no such device") || lower.contains("doesn't exist") {
        LiveError::NoSuchDevice {
            device: device.to_string(),
            available: device_names(),
        }
    } else {
        LiveError::Pcap {
            device: device.to_string(),
            message,
        }
    }
}

/// The device of the IPv4 default route (Linux: /proc/net/route), else
/// libpcap's first suitable device.
pub fn default_device() -> Option<String> {
    default_route_device().or_else(|| pcap::Device::lookup().ok().flatten().map(|d| d.name))
}

/// The device of the IPv4 default route, if the routing table has one.
fn default_route_device() -> Option<String> {
    if let Ok(routes) = std::fs::read_to_string("/proc/net/route") {
        for line in routes.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() > 2 && f[1] == "00000000" {
                return Some(f[0].to_string());
            }
        }
    }
    None
}

/// Every device libpcap can capture on.
pub fn devices() -> Result<Vec<DeviceInfo>, LiveError> {
    // Only a device the routing table names is marked: in a namespace
    // without a default route, none is.
    let default = default_route_device();
    let list = pcap::Device::list().map_err(|e| LiveError::Pcap {
        device: "devices".into(),
        message: e.to_string(),
    })?;
    Ok(list
        .into_iter()
        .map(|d| DeviceInfo {
            default: default.as_deref() == Some(d.name.as_str()),
            addresses: d.addresses.iter().map(|a| (a.addr, a.netmask)).collect(),
            up: d.flags.is_up(),
            running: d.flags.is_running(),
            loopback: d.flags.is_loopback(),
            wireless: d.flags.is_wireless(),
            description: d.desc,
            name: d.name,
        })
        .collect())
}

impl LiveCapture {
    /// Opens the device in immediate mode (packets are delivered as they
    /// arrive) with a short read timeout so that Ctrl-C and `--duration`
    /// are noticed, then compiles and sets the filter.
    pub fn open(opts: &LiveOptions) -> Result<LiveCapture, LiveError> {
        let device = match &opts.device {
            Some(d) => d.clone(),
            None => default_device().ok_or(LiveError::NoDefault)?,
        };
        let cap = pcap::Capture::from_device(device.as_str())
            .map_err(|e| classify(&device, e))?
            .promisc(opts.promiscuous)
            .snaplen(opts.snaplen)
            .immediate_mode(true)
            .timeout(100);
        // Non-blocking, and waited on with poll(2) in `next_frame`: libpcap's
        // own timeout is not honoured by every kernel ring (TPACKET_V3 may
        // block until a packet comes), and the idle timer of page loads
        // and the signals must be served with no packet arriving.
        let mut cap = cap
            .open()
            .map_err(|e| classify(&device, e))?
            .setnonblock()
            .map_err(|e| classify(&device, e))?;
        if let Some(f) = &opts.filter {
            cap.filter(f, true).map_err(|e| LiveError::BadFilter {
                filter: f.clone(),
                message: e.to_string(),
            })?;
        }
        let linktype = cap.get_datalink().0 as u32;
        Ok(LiveCapture {
            cap,
            device,
            linktype,
            snaplen: opts.snaplen.max(0) as u32,
            filter: opts.filter.clone(),
            index: 0,
        })
    }

    pub fn device(&self) -> &str {
        &self.device
    }

    pub fn linktype(&self) -> u32 {
        self.linktype
    }

    /// The next packet, or `None` when none came within `WAIT`.
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, LiveError> {
        use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
        use std::os::fd::{AsRawFd, BorrowedFd};
        // SAFETY: the descriptor belongs to `self.cap`, which outlives
        // this borrow.
        let fd = unsafe { BorrowedFd::borrow_raw(self.cap.as_raw_fd()) };
        let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::from(WAIT_MS)) {
            Ok(0) => return Ok(None),
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => return Ok(None),
            Err(e) => {
                return Err(LiveError::Pcap {
                    device: self.device.clone(),
                    message: format!("waiting for packets: {e}"),
                })
            }
        }
        match self.cap.next_packet() {
            Ok(p) => {
                self.index += 1;
                Ok(Some(Frame {
                    index: self.index,
                    // time_t is 32 bits on some platforms.
                    #[allow(clippy::useless_conversion)]
                    ts_sec: i64::from(p.header.ts.tv_sec),
                    ts_nsec: u32::try_from(p.header.ts.tv_usec)
                        .unwrap_or(0)
                        .saturating_mul(1000),
                    interface: 0,
                    linktype: self.linktype,
                    caplen: p.header.caplen,
                    len: p.header.len,
                    data: p.data,
                }))
            }
            Err(pcap::Error::TimeoutExpired) => Ok(None),
            Err(e) => Err(LiveError::Pcap {
                device: self.device.clone(),
                message: e.to_string(),
            }),
        }
    }

    /// Packets received, dropped by the kernel, dropped by the interface.
    pub fn stats(&mut self) -> Option<(u32, u32, u32)> {
        self.cap
            .stats()
            .ok()
            .map(|s| (s.received, s.dropped, s.if_dropped))
    }

    /// A pcapng writer whose interface block records this capture's
    /// device, link type, snap length and filter.
    pub fn writer(&self, path: &Path) -> Result<PcapNgWriter, LiveError> {
        PcapNgWriter::create(
            path,
            &self.device,
            self.linktype,
            self.snaplen,
            self.filter.as_deref(),
        )
    }
}

impl FrameSource for LiveCapture {
    type Error = LiveError;

    /// A packet, or [`Next::Idle`] when none came within the wait; a
    /// live capture never ends by itself.
    fn poll_frame(&mut self) -> Result<Next<'_>, LiveError> {
        Ok(match self.next_frame()? {
            Some(f) => Next::Frame(f),
            None => Next::Idle,
        })
    }

    fn format_name(&self) -> String {
        format!("live capture on {}", self.device)
    }

    fn interface_count(&self) -> usize {
        1
    }
}

/// Writes frames to a pcapng file (one section, one interface,
/// microsecond timestamps) as they are captured.
pub struct PcapNgWriter {
    out: BufWriter<File>,
    path: String,
}

fn option(code: u16, value: &[u8]) -> PcapNGOption<'static> {
    PcapNGOption {
        code: OptionCode(code),
        len: value.len() as u16,
        value: Cow::Owned(value.to_vec()),
    }
}

impl PcapNgWriter {
    pub fn create(
        path: &Path,
        device: &str,
        linktype: u32,
        snaplen: u32,
        filter: Option<&str>,
    ) -> Result<PcapNgWriter, LiveError> {
        let shown = path.display().to_string();
        let err = |source| LiveError::Write {
            path: shown.clone(),
            source,
        };
        let mut out = BufWriter::new(File::create(path).map_err(err)?);
        let mut shb = SectionHeaderBlock {
            block_type: 0x0A0D0D0A,
            block_len1: 0,
            bom: 0x1A2B3C4D,
            major_version: 1,
            minor_version: 0,
            section_len: -1,
            // shb_userappl (4)
            options: vec![option(4, b"netexplain"), option(0, b"")],
            block_len2: 0,
        };
        // if_name (2), if_filter (11, first byte 0: a libpcap filter
        // string), if_tsresol (9, 6 = microseconds), opt_endofopt (0).
        let mut options = vec![option(2, device.as_bytes()), option(9, &[6])];
        if let Some(f) = filter {
            let mut v = vec![0u8];
            v.extend_from_slice(f.as_bytes());
            options.push(option(11, &v));
        }
        options.push(option(0, b""));
        let mut idb = InterfaceDescriptionBlock {
            block_type: 1,
            block_len1: 0,
            linktype: Linktype(linktype as i32),
            reserved: 0,
            snaplen,
            options,
            block_len2: 0,
            if_tsresol: 6,
            if_tsoffset: 0,
        };
        for block in [shb.to_vec(), idb.to_vec()] {
            let bytes = block.map_err(|e| err(std::io::Error::other(format!("{e:?}"))))?;
            out.write_all(&bytes).map_err(err)?;
        }
        Ok(PcapNgWriter { out, path: shown })
    }

    pub fn write(&mut self, f: &Frame) -> Result<(), LiveError> {
        let micros = (f.ts_sec as u64)
            .saturating_mul(1_000_000)
            .saturating_add(u64::from(f.ts_nsec / 1000));
        let mut epb = EnhancedPacketBlock {
            block_type: 6,
            block_len1: 0,
            if_id: 0,
            ts_high: (micros >> 32) as u32,
            ts_low: micros as u32,
            caplen: f.caplen,
            origlen: f.len,
            data: f.data,
            options: Vec::new(),
            block_len2: 0,
        };
        let bytes = epb.to_vec().map_err(|e| LiveError::Write {
            path: self.path.clone(),
            source: std::io::Error::other(format!("{e:?}")),
        })?;
        self.out
            .write_all(&bytes)
            .map_err(|source| LiveError::Write {
                path: self.path.clone(),
                source,
            })
    }

    pub fn flush(&mut self) -> Result<(), LiveError> {
        self.out.flush().map_err(|source| LiveError::Write {
            path: self.path.clone(),
            source,
        })
    }
}

/// Gives up root for the user that ran sudo (SUDO_UID/SUDO_GID) or for
/// `user`, as tcpdump -Z does, once the capture handle is open. Returns
/// the uid and gid now in force, or `None` when nothing changed.
pub fn drop_privileges(user: Option<&str>) -> Result<Option<(u32, u32)>, String> {
    use nix::unistd::{setgid, setgroups, setuid, Gid, Uid, User};
    if !Uid::effective().is_root() {
        return Ok(None);
    }
    let (uid, gid) = match user {
        Some(name) => {
            let u = User::from_name(name)
                .map_err(|e| format!("looking up user {name}: {e}"))?
                .ok_or_else(|| format!("no user named {name}"))?;
            (u.uid.as_raw(), u.gid.as_raw())
        }
        None => {
            let num = |v: &str| std::env::var(v).ok().and_then(|s| s.parse::<u32>().ok());
            match (num("SUDO_UID"), num("SUDO_GID")) {
                (Some(u), Some(g)) if u != 0 => (u, g),
                _ => return Ok(None),
            }
        }
    };
    setgroups(&[Gid::from_raw(gid)]).map_err(|e| format!("setgroups: {e}"))?;
    setgid(Gid::from_raw(gid)).map_err(|e| format!("setgid({gid}): {e}"))?;
    setuid(Uid::from_raw(uid)).map_err(|e| format!("setuid({uid}): {e}"))?;
    Ok(Some((uid, gid)))
}
