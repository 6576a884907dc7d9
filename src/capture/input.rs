//! Where the bytes of a capture come from, and how reading stops.
//!
//! A regular file is read directly. Standard input and other pipes are
//! read by a thread that hands each `read` to the decoder as soon as it
//! returns, so a frame is decoded when its record is complete, and so
//! that waiting on a quiet pipe can be given up when SIGINT or SIGTERM
//! arrives (a blocking `read` is restarted after the signal handler).
//!
//! Reading errors (a damaged gzip stream, an I/O error) and interruption
//! are kept aside and reported as the end of the input, so that every
//! frame before them is still delivered; the capture reader then asks
//! [`InputState`] why the input ended.

use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// How long a wait on a pipe lasts before the stop flag is looked at.
const POLL: Duration = Duration::from_millis(100);
/// The largest read handed over at once.
const CHUNK: usize = 64 << 10;

static STOP: AtomicBool = AtomicBool::new(false);
static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();

/// Installs one handler for SIGINT and SIGTERM (once per process): the
/// first signal asks every reader to stop; a second one exits at once
/// with 130, as a shell does after Ctrl-C.
pub fn install_stop_handler() -> Result<(), String> {
    INSTALLED
        .get_or_init(|| {
            ctrlc::set_handler(|| {
                if STOP.swap(true, Ordering::SeqCst) {
                    std::process::exit(130);
                }
            })
            .map_err(|e| format!("installing the SIGINT/SIGTERM handler: {e}"))
        })
        .clone()
}

/// True once SIGINT or SIGTERM has arrived.
pub fn stop_requested() -> bool {
    STOP.load(Ordering::Relaxed)
}

/// Why the input ended, and how many raw bytes were read.
#[derive(Debug, Default)]
pub struct InputState {
    /// Bytes read from the file or pipe (compressed bytes for gzip).
    raw: AtomicU64,
    interrupted: AtomicBool,
    failure: Mutex<Option<io::Error>>,
}

impl InputState {
    pub fn raw_bytes(&self) -> u64 {
        self.raw.load(Ordering::Relaxed)
    }

    /// Reading was given up because of SIGINT or SIGTERM.
    pub fn interrupted(&self) -> bool {
        self.interrupted.load(Ordering::Relaxed)
    }

    /// The reading error that ended the input, taken once.
    pub fn take_failure(&self) -> Option<io::Error> {
        self.failure.lock().ok().and_then(|mut f| f.take())
    }

    fn fail(&self, e: io::Error) {
        if let Ok(mut f) = self.failure.lock() {
            f.get_or_insert(e);
        }
    }
}

/// The bottom of the stack: a file, or a pipe read by a thread.
pub(crate) struct Source {
    kind: SourceKind,
    state: Arc<InputState>,
}

enum SourceKind {
    Direct(Box<dyn Read + Send>),
    Pipe {
        chunks: Receiver<io::Result<Vec<u8>>>,
        pending: Vec<u8>,
        at: usize,
    },
}

impl Source {
    /// Reads `reader` directly (a regular file, a buffer).
    pub fn direct(reader: Box<dyn Read + Send>, state: Arc<InputState>) -> Source {
        Source {
            kind: SourceKind::Direct(reader),
            state,
        }
    }

    /// Reads `reader` on a thread of its own, for pipes and terminals.
    pub fn piped<R: Read + Send + 'static>(mut reader: R, state: Arc<InputState>) -> Source {
        let (tx, rx) = mpsc::sync_channel::<io::Result<Vec<u8>>>(4);
        std::thread::spawn(move || {
            let mut buf = vec![0u8; CHUNK];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if tx.send(Ok(buf[..n].to_vec())).is_err() {
                            break;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        tx.send(Err(e)).ok();
                        break;
                    }
                }
            }
        });
        Source {
            kind: SourceKind::Pipe {
                chunks: rx,
                pending: Vec::new(),
                at: 0,
            },
            state,
        }
    }
}

impl Source {
    /// True when read on a thread (a pipe, a terminal, a FIFO).
    pub fn is_piped(&self) -> bool {
        matches!(self.kind, SourceKind::Pipe { .. })
    }
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match &mut self.kind {
            SourceKind::Direct(r) => r.read(buf)?,
            SourceKind::Pipe {
                chunks,
                pending,
                at,
            } => {
                while *at >= pending.len() {
                    if stop_requested() {
                        self.state.interrupted.store(true, Ordering::Relaxed);
                        return Ok(0);
                    }
                    match chunks.recv_timeout(POLL) {
                        Ok(Ok(chunk)) => {
                            *pending = chunk;
                            *at = 0;
                        }
                        Ok(Err(e)) => return Err(e),
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => return Ok(0),
                    }
                }
                let n = buf.len().min(pending.len() - *at);
                buf[..n].copy_from_slice(&pending[*at..*at + n]);
                *at += n;
                n
            }
        };
        self.state.raw.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The top of the stack (above a decompressor, if any): an error or a
/// stop request ends the input, and is kept in the state.
pub(crate) struct Guarded<R> {
    inner: R,
    state: Arc<InputState>,
    ended: bool,
}

impl<R: Read> Guarded<R> {
    pub fn new(inner: R, state: Arc<InputState>) -> Guarded<R> {
        Guarded {
            inner,
            state,
            ended: false,
        }
    }
}

impl<R: Read> Read for Guarded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.ended {
            return Ok(0);
        }
        if stop_requested() {
            self.state.interrupted.store(true, Ordering::Relaxed);
            self.ended = true;
            return Ok(0);
        }
        loop {
            match self.inner.read(buf) {
                Ok(n) => {
                    if n == 0 {
                        self.ended = true;
                    }
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // A decompressor cut short by an interruption is not
                    // a damaged file.
                    if !self.state.interrupted() {
                        self.state.fail(e);
                    }
                    self.ended = true;
                    return Ok(0);
                }
            }
        }
    }
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
pub(crate) fn read_up_to(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pipe_hands_over_each_write_as_it_comes() {
        let (mut w, r) = std::os::unix::net::UnixStream::pair().unwrap();
        let state = Arc::new(InputState::default());
        let mut src = Source::piped(r, state.clone());
        use std::io::Write;
        w.write_all(b"abcd").unwrap();
        // Only four bytes are there: the read returns them instead of
        // waiting for the buffer to fill.
        let mut buf = [0u8; 100];
        assert_eq!(src.read(&mut buf).unwrap(), 4);
        assert_eq!(&buf[..4], b"abcd");
        drop(w);
        assert_eq!(src.read(&mut buf).unwrap(), 0);
        assert_eq!(state.raw_bytes(), 4);
        assert!(!state.interrupted());
    }

    #[test]
    fn an_error_below_becomes_the_end_and_is_kept() {
        struct Failing(bool);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0 {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "cut"));
                }
                self.0 = true;
                buf[0] = 7;
                Ok(1)
            }
        }
        let state = Arc::new(InputState::default());
        let mut g = Guarded::new(Failing(false), state.clone());
        let mut buf = [0u8; 8];
        assert_eq!(g.read(&mut buf).unwrap(), 1);
        assert_eq!(g.read(&mut buf).unwrap(), 0);
        assert_eq!(state.take_failure().unwrap().to_string(), "cut");
    }
}
