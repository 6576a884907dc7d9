//! `--keylog FILE`: the NSS key log whose secrets decrypt the capture's
//! TLS connections, given to the tracker before the first frame, and the
//! warning when it names none of them. The secrets of the capture's own
//! Decryption Secrets Blocks are used without the flag.

use super::shown;
use anyhow::{Context, Result};
use netexplain::flow::decrypt::{embedded_key_log, KeyLog};
use netexplain::flow::{FlowStats, Tracker};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(clap::Args, Clone, Default)]
pub(crate) struct KeylogArgs {
    /// Decrypt TLS with this key log (NSS format, as written when
    /// SSLKEYLOGFILE is set in curl, Firefox or Chromium).
    #[arg(long, value_name = "FILE")]
    pub(crate) keylog: Option<PathBuf>,
}

impl KeylogArgs {
    /// Gives `tracker` the secrets of the capture's own Decryption
    /// Secrets Blocks and of the key log named, if any (the key log's win
    /// where both name a secret).
    pub(crate) fn attach(&self, tracker: &mut Tracker, capture: &Path) -> Result<()> {
        let mut log = KeyLog::default();
        if capture.as_os_str() != "-" {
            if let Some(embedded) = embedded_key_log(capture, &shown(capture))? {
                log = embedded;
            }
        }
        if let Some(path) = &self.keylog {
            log.merge(KeyLog::load(path).with_context(|| format!("reading {}", shown(path)))?);
        }
        if !log.is_empty() {
            tracker.set_keys(Arc::new(log));
        }
        Ok(())
    }

    /// Several captures or `-o` go through the batch runner, which takes
    /// no key log.
    pub(crate) fn refuse_batch(&self) -> Result<()> {
        anyhow::ensure!(
            self.keylog.is_none(),
            "--keylog reads one capture; it is not taken with several captures or -o"
        );
        Ok(())
    }

    /// On standard error: the key log matched none of the TLS connections
    /// it could have, or some records failed authentication.
    pub(crate) fn report(&self, flow: &FlowStats) {
        let d = &flow.decrypt;
        let Some(path) = &self.keylog else {
            if d.records_failed > 0 {
                eprintln!(
                    "netexplain: {} TLS records failed authentication with the capture's own secrets",
                    d.records_failed
                );
            }
            return;
        };
        if d.connections_keyed == 0 && d.connections_unkeyed > 0 {
            eprintln!(
                "netexplain: {}: no secrets for this capture's client randoms ({} TLS connections)",
                shown(path),
                d.connections_unkeyed
            );
        }
        if d.records_failed > 0 {
            eprintln!(
                "netexplain: {}: {} TLS records failed authentication with its secrets",
                shown(path),
                d.records_failed
            );
        }
    }
}
