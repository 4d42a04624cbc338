//! `qcapi configure [--profile P]`: writes one profile of the credentials file, the
//! secret key read without echo, the file readable by its owner only.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::Path;
use std::process::ExitCode;

use clap::{Arg, Command};
use qcapi_core::chain;

use crate::stdio::{err, errln, out};

/// The `configure` subcommand, with the global `--profile` option.
pub fn command(globals: &[Arg]) -> Command {
    Command::new("configure")
        .about("Writes a profile of the credentials file (the secret key is read without echo)")
        .long_about(
            "Asks for a SecretId, a SecretKey (not shown as you type) and an optional region, and \
             writes them to the profile (--profile, else TENCENTCLOUD_PROFILE, else default) of \
             TENCENTCLOUD_CREDENTIALS_FILE, else ~/.tencentcloud/credentials, with mode 0600. Other \
             profiles and lines are kept. Without a terminal, the three values are read as lines \
             from standard input.",
        )
        .args(
            globals
                .iter()
                .filter(|g| g.get_long() == Some("profile"))
                .cloned(),
        )
}

/// Asks for the values and writes the profile.
pub fn run(profile: Option<&str>) -> ExitCode {
    let env: &dyn chain::Environment = &qcapi_ureq::SystemEnvironment;
    let profile = profile
        .map(str::to_owned)
        .or_else(|| env.var(chain::ENV_PROFILE).filter(|p| !p.trim().is_empty()))
        .unwrap_or_else(|| "default".to_owned());
    let Some(path) = chain::profile_file(env) else {
        errln("error: no home directory and no TENCENTCLOUD_CREDENTIALS_FILE to write to");
        return ExitCode::FAILURE;
    };
    let answers = match ask() {
        Ok(answers) => answers,
        Err(message) => {
            errln(&format!("error: {message}"));
            return ExitCode::FAILURE;
        }
    };
    let (secret_id, secret_key, region) = answers;
    let mut values = vec![
        ("secret_id", secret_id.as_str()),
        ("secret_key", secret_key.as_str()),
    ];
    if !region.is_empty() {
        values.push(("region", region.as_str()));
    }
    match write_profile(&path, &profile, &values) {
        Ok(()) => {
            let masked = qcapi_core::Credentials::new(secret_id.as_str(), "").masked_secret_id();
            out(&format!(
                "wrote profile [{profile}] to {} (SecretId {masked})\n",
                path.display()
            ));
            ExitCode::SUCCESS
        }
        Err(e) => {
            errln(&format!("error: cannot write {}: {e}", path.display()));
            ExitCode::FAILURE
        }
    }
}

/// SecretId, SecretKey and region: prompted on a terminal (the key without echo),
/// else three lines of standard input.
fn ask() -> Result<(String, String, String), String> {
    let interactive = std::io::stdin().is_terminal();
    let mut lines = std::io::stdin().lock().lines();
    let mut line = |prompt: &str, hidden: bool| -> Result<String, String> {
        if interactive {
            err(prompt);
            let _ = std::io::stderr().flush();
            if hidden {
                return rpassword::read_password().map_err(|e| format!("reading the key: {e}"));
            }
        }
        match lines.next() {
            Some(Ok(line)) => Ok(line),
            Some(Err(e)) => Err(format!("reading standard input: {e}")),
            None => Ok(String::new()),
        }
    };
    let secret_id = line("SecretId: ", false)?.trim().to_owned();
    let secret_key = line("SecretKey (not shown): ", true)?.trim().to_owned();
    let region = line("Region (e.g. gz; empty for none): ", false)?
        .trim()
        .to_owned();
    let valid = |v: &str| !v.is_empty() && !v.chars().any(|c| c.is_whitespace() || c.is_control());
    if !valid(&secret_id) {
        return Err("the SecretId must be one word, not empty".into());
    }
    if !valid(&secret_key) {
        return Err("the SecretKey must be one word, not empty".into());
    }
    if !region.is_empty() && !valid(&region) {
        return Err("the region must be one word".into());
    }
    Ok((secret_id, secret_key, region))
}

/// Rewrites `path` with `profile` set to `values`: a new file beside it, mode 0600
/// from the start, renamed over the old one, so the key is never world-readable.
fn write_profile(path: &Path, profile: &str, values: &[(&str, &str)]) -> std::io::Result<()> {
    let old = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    let new = chain::with_profile(&old, profile, values);
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    let temporary = dir.join(format!(".credentials.{}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temporary).and_then(|mut file| {
        file.write_all(new.as_bytes())
            .and_then(|()| file.sync_all())
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&temporary, path)) {
        let _ = std::fs::remove_file(&temporary);
        return Err(e);
    }
    Ok(())
}
