//! The real machine: the system clock, the OS's CSPRNG, the process environment
//! and file system. Written once for every client and transport.

use std::time::{SystemTime, UNIX_EPOCH};

use qcapi_core::chain::Environment;
use qcapi_core::session::Platform;

/// The machine qcapi runs on, as core's [`Platform`].
#[derive(Debug, Clone, Copy, Default)]
pub struct System;

/// The current UNIX time in seconds (0 before 1970).
pub fn unix_time() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A random positive 63-bit integer, as the official SDKs draw nonces.
///
/// Drawn from the OS's CSPRNG 32 at a time into a per-thread buffer, so a call
/// costs one `getrandom` system call in 32 rather than one each.
pub fn random_nonce() -> u64 {
    const BATCH: usize = 32;
    thread_local! {
        static NONCES: std::cell::RefCell<(usize, [u64; BATCH])> =
            const { std::cell::RefCell::new((BATCH, [0; BATCH])) };
    }
    NONCES.with_borrow_mut(|(next, buffer)| {
        if *next == BATCH {
            let mut bytes = [0u8; BATCH * 8];
            if getrandom::fill(&mut bytes).is_err() {
                // Should the OS ever refuse, a value that is at least not constant
                // still keeps the replay window from refusing a request.
                return (unix_time() ^ 0x5DEE_CE66_D1CE_4E5B) >> 1;
            }
            for (slot, chunk) in buffer.iter_mut().zip(bytes.chunks_exact(8)) {
                *slot = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
            }
            *next = 0;
        }
        let n = buffer[*next];
        *next += 1;
        (n >> 1).max(1)
    })
}

impl Platform for System {
    fn unix_time(&self) -> u64 {
        unix_time()
    }
    fn random(&self) -> u64 {
        random_nonce()
    }
    fn environment(&self) -> &dyn Environment {
        &SystemEnvironment
    }
}

/// The process environment and file system, for the credential chain and trust roots.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemEnvironment;

impl Environment for SystemEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
    fn read_file(&self, path: &std::path::Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }
    fn home_dir(&self) -> Option<std::path::PathBuf> {
        std::env::home_dir()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_positive_and_differ() {
        let nonces: std::collections::HashSet<u64> = (0..64).map(|_| random_nonce()).collect();
        assert!(nonces.iter().all(|n| *n > 0 && *n < 1 << 63));
        assert!(nonces.len() > 60, "{nonces:?}");
        assert!(unix_time() > 1_700_000_000);
    }
}
