//! `-v`: a tracing subscriber on stderr for qcapi's own spans and events.
//!
//! qcapi-core logs one `qcapi.call` span per call (action, correlation id, the
//! SecretId masked) and one event per attempt (attempt, latency, outcome); it never
//! logs the SecretKey, a session token, a Signature or a signed URL. Without `-v`
//! nothing is installed and nothing is logged. It writes through `stdio::Stderr`,
//! so a closed stderr ends the process with 141 instead of a panic.

use std::io::IsTerminal as _;

use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;

/// Installs the subscriber: `-v` INFO, `-vv` DEBUG, `-vvv` TRACE, for qcapi's crates only.
pub fn init(verbosity: u8) {
    let level = match verbosity {
        0 => return,
        1 => LevelFilter::INFO,
        2 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    // `qcapi` is a prefix of every qcapi target: qcapi_core, qcapi_ureq and this binary's.
    let filter = Targets::new().with_target("qcapi", level);
    let subscriber = tracing_subscriber::fmt()
        .with_writer(|| crate::stdio::Stderr)
        // Its own report of a failed write would be an `eprintln!`: a panic on a closed pipe.
        .log_internal_errors(false)
        .with_ansi(std::io::stderr().is_terminal())
        .with_max_level(level)
        .finish()
        .with(filter);
    // Already installed (cannot happen in the binary): keep the first.
    let _ = tracing::subscriber::set_global_default(subscriber);
}
