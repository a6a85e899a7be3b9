//! The SHA-256 of a file as read from disk: what a journal and a plan record of the
//! input, so that support staff (and `import --plan`) can tell whether it changed.

use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// SHA-256 (hex) of a file, read in blocks.
pub fn file_sha256(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match file.read(&mut buf)? {
            0 => return Ok(hex::encode(hasher.finalize())),
            n => hasher.update(&buf[..n]),
        }
    }
}
