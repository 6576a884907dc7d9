//! The TLS key log a pcapng file carries in Decryption Secrets Blocks
//! (pcapng draft §4.7: block type 0x0000000A, secrets type 0x544c534b
//! "TLSK", the NSS key log text), as `editcap --inject-secrets tls,FILE`
//! writes them: before the first packet. The blocks are found by reading
//! block headers only and skipping each body, up to the first packet
//! block, so a file without them costs a few reads.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

const SHB: u32 = 0x0a0d_0d0a;
const DSB: u32 = 0x0000_000a;
const EPB: u32 = 0x0000_0006;
const SPB: u32 = 0x0000_0003;
const OLD_PB: u32 = 0x0000_0002;
const TLSK: u32 = 0x544c_534b;
/// The most key log text taken from the blocks.
const MAX_SECRETS: usize = 64 << 20;

/// The key log text of the file's Decryption Secrets Blocks before its
/// first packet, concatenated; empty when there are none or the file is
/// not a (plain, seekable) pcapng file.
pub fn tls_key_log(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut f = std::fs::File::open(path)?;
    if !f.metadata()?.is_file() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let mut head = [0u8; 12];
    if f.read_exact(&mut head).is_err() || head[..4] != SHB.to_le_bytes() {
        return Ok(Vec::new());
    }
    let le = match head[8..12] {
        [0x4d, 0x3c, 0x2b, 0x1a] => true,
        [0x1a, 0x2b, 0x3c, 0x4d] => false,
        _ => return Ok(Vec::new()),
    };
    let word = |b: &[u8]| {
        let b: [u8; 4] = b.try_into().expect("four bytes");
        if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }
    };
    let mut at = 0u64;
    let len = f.metadata()?.len();
    // Bounded: each block moves `at` on by at least 12 bytes.
    while at + 8 <= len {
        f.seek(SeekFrom::Start(at))?;
        let mut h = [0u8; 16];
        let got = f.read(&mut h)?;
        if got < 8 {
            break;
        }
        let (kind, total) = (word(&h[..4]), u64::from(word(&h[4..8])));
        if total < 12 || total % 4 != 0 || at + total > len {
            break;
        }
        match kind {
            EPB | SPB | OLD_PB => break,
            DSB if got == 16 && total >= 20 && word(&h[8..12]) == TLSK => {
                let n = u64::from(word(&h[12..16])).min(total - 20);
                if out.len() as u64 + n > MAX_SECRETS as u64 {
                    break;
                }
                let mut text = vec![0; n as usize];
                f.read_exact(&mut text)?;
                out.extend_from_slice(&text);
                out.push(b'\n');
            }
            _ => {}
        }
        at += total;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A section header, a DSB with two lines of text (padded), an IDB.
    #[test]
    fn reads_the_text_of_a_little_endian_dsb() {
        let text = b"CLIENT_RANDOM aa bb\n#x";
        let mut f = Vec::new();
        f.extend_from_slice(&SHB.to_le_bytes());
        f.extend_from_slice(&28u32.to_le_bytes());
        f.extend_from_slice(&[0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0]);
        f.extend_from_slice(&u64::MAX.to_le_bytes());
        f.extend_from_slice(&28u32.to_le_bytes());
        let padded = text.len().div_ceil(4) * 4;
        let total = 20 + padded as u32;
        f.extend_from_slice(&DSB.to_le_bytes());
        f.extend_from_slice(&total.to_le_bytes());
        f.extend_from_slice(&TLSK.to_le_bytes());
        f.extend_from_slice(&(text.len() as u32).to_le_bytes());
        f.extend_from_slice(text);
        f.resize(f.len() + padded - text.len(), 0);
        f.extend_from_slice(&total.to_le_bytes());
        let dir = std::env::temp_dir().join(format!("netexplain-dsb-{}", std::process::id()));
        std::fs::write(&dir, &f).unwrap();
        let got = tls_key_log(&dir).unwrap();
        std::fs::remove_file(&dir).unwrap();
        assert_eq!(got, b"CLIENT_RANDOM aa bb\n#x\n");
    }
}
