//! Running one action: build the client (credentials from the chain), then either
//! print the signed request (`--dry-run`) or send it, print the response and,
//! with `--wait`, wait for its task.
//!
//! Exit status: 0 on success; 1 for an API error, a failed or timed-out task,
//! invalid input, a transport failure or missing credentials.

use std::io::IsTerminal as _;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use qcapi_core::spec::ActionSpec;
use qcapi_core::{Action as _, Error, HttpMethod, Output as _, RawAction, TaskOutcome, WaitPolicy};
use qcapi_ureq::Client;
use serde_json::{Value, json};

use crate::globals::{Globals, OutputFormat};
use crate::output::{query, render, render_field};
use crate::report::report_error;
use crate::stdio::{errln, out as print};
use crate::text::escape;

/// Runs `action` with `globals`; `spec` is its spec when it has one.
pub fn execute(globals: &Globals, action: &RawAction, spec: Option<&ActionSpec>) -> ExitCode {
    crate::logging::init(globals.verbose);
    match run(globals, action, spec) {
        Ok(code) => code,
        Err(e) => {
            report_error(&e, globals.verbose > 0);
            ExitCode::FAILURE
        }
    }
}

/// `qcapi whoami`: what a call with these options would use, sending nothing.
pub fn whoami(globals: &Globals) -> ExitCode {
    crate::logging::init(globals.verbose);
    let client = match client(globals) {
        Ok(client) => client,
        Err(e) => {
            report_error(&e, globals.verbose > 0);
            return ExitCode::FAILURE;
        }
    };
    // Fetched as a call would (a provider's are asked for now); nothing else is sent.
    let snapshot = match client.credentials() {
        Ok(snapshot) => snapshot,
        Err(e) => {
            report_error(&e, globals.verbose > 0);
            return ExitCode::FAILURE;
        }
    };
    let config = client.config();
    let credentials = snapshot.credentials();
    let source = client.credential_source();
    let expires = credentials.expires_at();
    let report = json!({
        "source": source,
        "secretId": credentials.masked_secret_id(),
        "token": credentials.token().is_some(),
        "expiresAt": expires.map(|at| qcapi_core::time::format_iso8601(at as i64)),
        "region": config.region(),
        "endpoint": config.endpoint().base_url(),
    });
    let text = match globals.output {
        Some(OutputFormat::Json) => render(&report, OutputFormat::Json),
        _ => {
            let expiry = match expires {
                Some(at) => {
                    let now = client.session().platform().unix_time();
                    format!(
                        "expires: {} ({})\n",
                        qcapi_core::time::format_iso8601(at as i64),
                        remaining(at.saturating_sub(now))
                    )
                }
                None => String::new(),
            };
            format!(
                "source: {}\nsecret id: {}\nsession token: {}\n{expiry}region: {}\nendpoint: {}\n",
                escape(&source, false),
                credentials.masked_secret_id(),
                if report["token"] == true {
                    "set (temporary credentials)"
                } else {
                    "none"
                },
                escape(config.region().unwrap_or("(none)"), false),
                config.endpoint().base_url(),
            )
        }
    };
    print(&text);
    ExitCode::SUCCESS
}

/// `in 1h59m`, `in 45s`, or `expired` for what is left of a credential's life.
fn remaining(seconds: u64) -> String {
    match seconds {
        0 => "expired".to_owned(),
        1..60 => format!("in {seconds}s"),
        60..3600 => format!("in {}m", seconds / 60),
        _ => format!("in {}h{:02}m", seconds / 3600, seconds % 3600 / 60),
    }
}

/// The client the global options describe. Credentials and, unless given, the
/// region come from the chain: environment, then the profile file.
fn client(globals: &Globals) -> Result<Client, Error> {
    let mut builder = Client::builder();
    if let Some(endpoint) = &globals.endpoint {
        builder = builder.endpoint(endpoint.as_str());
    }
    if let Some(domain) = &globals.domain {
        builder = builder.domain(domain.as_str());
    }
    if let Some(region) = &globals.region {
        builder = builder.region(region.as_str());
    }
    if let Some(profile) = &globals.profile {
        builder = builder.profile(profile.as_str());
    }
    if let Some(method) = globals.signature_method {
        builder = builder.signature_method(method);
    }
    if let Some(method) = globals.http_method {
        builder = builder.http_method(method);
    }
    if let Some(timeout) = globals.timeout {
        builder = builder.timeout(timeout);
    }
    if let Some(retries) = globals.retries {
        builder = builder.max_attempts(retries.saturating_add(1));
    }
    if let Some(nonce) = globals.nonce {
        builder = builder.nonce_source(move || nonce);
    }
    if let Some(timestamp) = globals.timestamp {
        builder = builder.clock(move || timestamp);
    }
    if let Some(deadline) = globals.wait_timeout {
        builder = builder.wait_policy(WaitPolicy {
            deadline,
            ..WaitPolicy::default()
        });
    }
    if let Some(arn) = &globals.role_arn {
        builder = builder.role_arn(arn.as_str());
    }
    if let Some(name) = &globals.role_session_name {
        builder = builder.role_session_name(name.as_str());
    }
    if globals.use_cvm_role {
        builder = builder.use_cvm_role(true);
    }
    if let Some(path) = &globals.ca_file {
        let pem = std::fs::read(path).map_err(|e| {
            Error::invalid_input(
                "--ca-file",
                format!("cannot read `{}`: {e}", path.display()),
            )
        })?;
        builder = builder.add_root_certificates(pem);
    }
    if globals.insecure {
        // With -v the client's own tracing warning says it; without, nothing is logged.
        if globals.verbose == 0 {
            errln(
                "warning: --insecure: TLS certificates are not checked; anyone on the path can read and change requests",
            );
        }
        builder = builder.danger_accept_invalid_certs(true);
    }
    builder.build().map_err(|e| match e {
        // The CLI's only source of extra roots is --ca-file: name the flag the user typed.
        Error::InvalidInput { parameter, reason } if parameter == "add_root_certificates" => {
            let path = globals
                .ca_file
                .as_deref()
                .unwrap_or(std::path::Path::new(""));
            Error::invalid_input("--ca-file", format!("`{}`: {reason}", path.display()))
        }
        e => e,
    })
}

fn run(
    globals: &Globals,
    action: &RawAction,
    spec: Option<&ActionSpec>,
) -> Result<ExitCode, Error> {
    let client = client(globals)?;
    if globals.dry_run {
        dry_run(action, &client)?;
        return Ok(ExitCode::SUCCESS);
    }
    // The parameters as Debug shows them: Token and Signature redacted.
    tracing::debug!(action = ?action, "sending");
    let output = client.send(action)?;
    let format = globals.output.unwrap_or_default();
    match &globals.query {
        Some(path) => match query(&output.json, path) {
            Some(field) => print(&render_field(field)),
            None => {
                return Err(Error::Decode {
                    reason: format!(
                        "the response has no field `{}` (--query)",
                        escape(path, false)
                    ),
                    body: output.raw().into(),
                });
            }
        },
        None => print(&render(&output.json, format)),
    }
    if !globals.wait {
        return Ok(ExitCode::SUCCESS);
    }
    let Some(task_id) = output.task_id() else {
        if spec.is_some_and(|s| !s.asynchronous) {
            errln(&format!(
                "note: {} is synchronous; there is no task to wait for",
                action.name()
            ));
            return Ok(ExitCode::SUCCESS);
        }
        return Err(Error::Decode {
            reason: format!("{} returned no taskId to wait for", action.name()),
            body: output.raw().into(),
        });
    };
    let show_progress = std::io::stderr().is_terminal() && globals.verbose == 0;
    let service = qcapi_core::session::Session::service_of(action)?;
    let outcome = with_progress(show_progress, task_id, || {
        client.wait_for_task(service, task_id)
    })?;
    let (report, succeeded) = task_report(task_id, &outcome);
    // With --query, stdout holds the one field; the exit status tells how the task ended.
    if globals.query.is_none() {
        if format == OutputFormat::Table {
            // Two tables or lists of lines: keep them apart.
            print("\n");
        }
        print(&render(&report, format));
    }
    if succeeded {
        return Ok(ExitCode::SUCCESS);
    }
    match &outcome {
        TaskOutcome::TimedOut { .. } => errln(&format!(
            "error: task {task_id} was still running after {}s",
            client.config().wait_policy().deadline.as_secs_f64()
        )),
        _ => {
            let output = report.get("output");
            let field = |name: &str| output.and_then(|o| o.get(name)).map(crate::output::plain);
            errln(&format!(
                "error: task {task_id} failed\nerrorCode: {}\nerrorMsg: {}",
                escape(&field("errorCode").unwrap_or_default(), false),
                escape(&field("errorMsg").unwrap_or_default(), false)
            ));
        }
    }
    Ok(ExitCode::FAILURE)
}

/// Prints the signed request without sending it: the URL, and for POST the form
/// body on the next line. The one output that contains the Signature (and a Token).
fn dry_run(action: &RawAction, client: &Client) -> Result<(), Error> {
    // `--timestamp` and `--nonce` are the client's clock and nonce source.
    let request = client.sign(action)?;
    let mut text = format!("{}\n", request.url());
    if request.method() == HttpMethod::Post {
        text.push_str(&String::from_utf8_lossy(request.body()));
        text.push('\n');
    }
    print(&text);
    Ok(())
}

/// The final task report: `{"taskId", "outcome", "status", "output"}`, and whether it succeeded.
fn task_report(task_id: i64, outcome: &TaskOutcome) -> (Value, bool) {
    let name = match outcome {
        TaskOutcome::Succeeded(_) => "succeeded",
        TaskOutcome::Failed(_) => "failed",
        TaskOutcome::TimedOut { .. } => "timed_out",
    };
    let last = outcome.report();
    let report = json!({
        "taskId": task_id,
        "outcome": name,
        "status": last.status(),
        // Where the VPC task query puts the operation's own result.
        "output": last.json().pointer("/data/output").filter(|v| !v.is_null()),
    });
    (report, outcome.is_success())
}

/// Runs `wait`, drawing a spinner on stderr meanwhile when `show` (stderr is a terminal).
fn with_progress<T>(show: bool, task_id: i64, wait: impl FnOnce() -> T) -> T {
    if !show {
        return wait();
    }
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let started = Instant::now();
            let frames = ['|', '/', '-', '\\'];
            let mut i = 0;
            while !done.load(Ordering::Relaxed) {
                crate::stdio::err(&format!(
                    "\r{} waiting for task {task_id} ({}s)",
                    frames[i % frames.len()],
                    started.elapsed().as_secs()
                ));
                i += 1;
                std::thread::sleep(Duration::from_millis(120));
            }
            // Erase the spinner line.
            crate::stdio::err("\r\x1b[2K");
        });
        let result = wait();
        done.store(true, Ordering::Relaxed);
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_reports() {
        let last = |status: i64, output: Option<Value>| {
            let body = json!({"code": 0, "data": {"status": status, "output": output}});
            let answer = qcapi_core::parse_output(
                "DescribeVpcTaskResult",
                qcapi_core::HttpResponse::new(200, body.to_string()),
            )
            .unwrap();
            let query = qcapi_core::vpc::SERVICE.tasks.as_ref().unwrap();
            query.report(7, answer)
        };
        let (report, ok) = task_report(
            7,
            &TaskOutcome::Succeeded(last(0, Some(json!({"uniqVpcPeerId": "pcx-1"})))),
        );
        assert!(ok);
        assert_eq!(
            report,
            json!({"taskId": 7, "outcome": "succeeded", "status": 0, "output": {"uniqVpcPeerId": "pcx-1"}})
        );
        let (report, ok) = task_report(8, &TaskOutcome::Failed(last(1, None)));
        assert!(!ok);
        assert_eq!(report["outcome"], "failed");
        let (report, ok) = task_report(
            9,
            &TaskOutcome::TimedOut {
                task_id: 9,
                last: last(2, None),
            },
        );
        assert!(!ok);
        assert_eq!(report["outcome"], "timed_out");
        assert_eq!(report["status"], 2);
    }
}
