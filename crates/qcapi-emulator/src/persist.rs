//! The state file (`--state-file`): the emulator's state as versioned JSON,
//! made durable before every answer that changed it.
//!
//! Each change writes a whole snapshot to a temporary file, fsyncs it, renames it
//! over the old one and fsyncs the directory, so a crash at any moment leaves
//! either the old snapshot or the new one, never a torn file. An answer that
//! changed nothing (same bytes) writes nothing.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::state::State;

/// The layout version this emulator reads and writes.
pub(crate) const STATE_FILE_VERSION: u64 = 1;

/// What the file holds: the resources and tasks, and emulator time.
#[derive(Serialize, Deserialize)]
struct Snapshot<S> {
    version: u64,
    /// Emulator time minus the service clock, in seconds.
    clock_offset: i64,
    state: S,
}

/// An open state file and the bytes last written to it.
#[derive(Debug)]
pub(crate) struct StateFile {
    path: PathBuf,
    written: Vec<u8>,
}

impl StateFile {
    /// Opens `path`, reading the state and clock offset it holds (`None` when it
    /// does not exist yet). A file of another version, or one that does not
    /// parse, is an error: it is never replaced.
    pub(crate) fn open(path: &Path) -> io::Result<(Self, Option<(State, i64)>)> {
        let mut file = Self {
            path: path.to_owned(),
            written: Vec::new(),
        };
        let bytes = match fs::read(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((file, None)),
            read => read?,
        };
        let snapshot = parse(&bytes).map_err(|why| {
            let shown = path.display();
            let message = format!("state file {shown}: {why}; move it away to start afresh");
            io::Error::new(io::ErrorKind::InvalidData, message)
        })?;
        file.written = bytes;
        Ok((file, Some((snapshot.state, snapshot.clock_offset))))
    }

    /// Makes `state` and `clock_offset` durable, unless they are what the file holds.
    pub(crate) fn save(&mut self, state: &State, clock_offset: i64) -> io::Result<()> {
        let snapshot = Snapshot {
            version: STATE_FILE_VERSION,
            clock_offset,
            state,
        };
        let bytes = serde_json::to_vec(&snapshot)?;
        if bytes == self.written {
            return Ok(());
        }
        let mut temporary = self.path.clone().into_os_string();
        temporary.push(".tmp");
        let mut file = fs::File::create(&temporary)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
        fs::rename(&temporary, &self.path)?;
        // The rename itself is durable only once the directory is.
        let dir = self.path.parent().filter(|dir| !dir.as_os_str().is_empty());
        fs::File::open(dir.unwrap_or(Path::new(".")))?.sync_all()?;
        self.written = bytes;
        Ok(())
    }
}

/// A snapshot of this version from the file's bytes, or why not.
fn parse(bytes: &[u8]) -> Result<Snapshot<State>, String> {
    let head: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("not JSON ({e})"))?;
    match head.get("version").and_then(serde_json::Value::as_u64) {
        Some(STATE_FILE_VERSION) => {}
        Some(other) => {
            return Err(format!(
                "version {other}, but this emulator reads version {STATE_FILE_VERSION}"
            ));
        }
        None => return Err("no `version` field".to_owned()),
    }
    serde_json::from_value(head)
        .map_err(|e| format!("not a valid version {STATE_FILE_VERSION} state ({e})"))
}
