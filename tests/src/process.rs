//! Child processes the tests start: killed and reaped when the guard drops, so a
//! failing test leaves no server behind.

use std::process::Child;

/// Kills the child on drop (and waits for it, so no zombie is left).
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
