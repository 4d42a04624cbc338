//! Every write to stdout and stderr: a reader that went away (`qcapi ... | head`)
//! ends the process quietly with status 141, as SIGPIPE would have.
//!
//! Rust ignores SIGPIPE, so a write to a closed pipe fails with `BrokenPipe`, and
//! `println!`/`eprintln!` panic on it (exit 101). `unsafe` is forbidden here, so
//! the default signal disposition cannot be restored; instead every write goes
//! through [`out`], [`err`] or [`Stderr`] (the `-v` log writer), which exit with
//! [`CLOSED_PIPE`] on `BrokenPipe`. Other write errors (a full disk) are ignored,
//! as the standard library's own streams do on drop.

use std::io::{self, Write};

/// The status a shell reports for a process killed by SIGPIPE: 128 + 13.
pub const CLOSED_PIPE: u8 = 141;

/// Ends the process with [`CLOSED_PIPE`], printing nothing (there is no one to read it).
pub fn pipe_closed() -> ! {
    std::process::exit(i32::from(CLOSED_PIPE))
}

/// Ends the process if `result` is a closed pipe; other errors are dropped.
fn check(result: io::Result<()>) {
    if let Err(e) = result {
        if e.kind() == io::ErrorKind::BrokenPipe {
            pipe_closed();
        }
    }
}

/// Writes `text` to stdout and flushes.
pub fn out(text: &str) {
    let mut stdout = io::stdout().lock();
    check(
        stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush()),
    );
}

/// Writes `text` to stderr.
pub fn err(text: &str) {
    check(io::stderr().lock().write_all(text.as_bytes()));
}

/// Like [`err`] with a final newline.
pub fn errln(text: &str) {
    let mut stderr = io::stderr().lock();
    check(
        stderr
            .write_all(text.as_bytes())
            .and_then(|()| stderr.write_all(b"\n")),
    );
}

/// Maps the result of a clap print (help on stdout, usage errors on stderr).
pub fn checked(result: io::Result<()>) {
    check(result);
}

/// Stderr for the `-v` tracing subscriber: a closed pipe ends the process
/// instead of tracing-subscriber reporting the failure with `eprintln!` (a panic).
#[derive(Debug, Clone, Copy, Default)]
pub struct Stderr;

impl Write for Stderr {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut stderr = io::stderr().lock();
        match stderr.write_all(buf) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => pipe_closed(),
            // Reported as written: there is nowhere to report a failure to.
            _ => Ok(buf.len()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        check(io::stderr().lock().flush());
        Ok(())
    }
}

/// A backstop for code outside this crate that prints with `println!`/`eprintln!`
/// (the embedded emulator's start-up error): their panic on a closed pipe exits
/// with [`CLOSED_PIPE`] instead of 101. Any other panic keeps the default report.
pub fn install_panic_backstop() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if is_closed_pipe_panic(message) {
            pipe_closed();
        }
        default(info);
    }));
}

/// Whether a panic message is the standard library's "failed printing to stdout/stderr" on a closed pipe.
fn is_closed_pipe_panic(message: &str) -> bool {
    message.starts_with("failed printing to std") && message.contains("Broken pipe")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_pipe_panics_are_recognised() {
        fn check(message: &str, expected: bool) {
            assert_eq!(is_closed_pipe_panic(message), expected, "{message}");
        }
        check("failed printing to stderr: Broken pipe (os error 32)", true);
        check("failed printing to stdout: Broken pipe (os error 32)", true);
        check("failed printing to stdout: No space left on device", false);
        check("index out of bounds", false);
        check("", false);
    }
}
