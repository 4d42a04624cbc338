//! Shared helpers for qcapi's end-to-end tests: one [`Driver`] type runs the same
//! flow through the blocking (ureq) and the async (reqwest) client.

pub mod hostile;
pub mod process;
pub mod wire;

use std::time::Duration;

/// The README's Rust examples, compiled (not run) as doctests, so they cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;

use qcapi_core::{
    Action, Config, ConfigBuilder, Credentials, Error, HttpMethod, SignatureMethod, vpc,
};
use qcapi_emulator::{Account, Emulator};

/// A client of either kind, with the same `send`.
pub enum Driver {
    /// The blocking client.
    Blocking(qcapi_ureq::Client),
    /// The async client, driven by its own runtime.
    Async(Box<tokio::runtime::Runtime>, qcapi_reqwest::Client),
}

impl Driver {
    /// Sends an action through whichever client this is.
    pub fn send<A: Action + Sync>(&self, action: &A) -> Result<A::Output, Error> {
        match self {
            Self::Blocking(client) => client.send(action),
            Self::Async(rt, client) => rt.block_on(client.send(action)),
        }
    }

    /// Waits for a task with the client's own `wait_for_task`.
    pub fn wait_for_task(&self, task_id: i64) -> Result<qcapi_core::TaskOutcome, Error> {
        match self {
            Self::Blocking(client) => client.wait_for_task(&vpc::SERVICE, task_id),
            Self::Async(rt, client) => rt.block_on(client.wait_for_task(&vpc::SERVICE, task_id)),
        }
    }

    /// Every entry of a paged action: the blocking client's iterator or the async client's stream.
    pub fn paginate_all<A>(&self, action: A) -> Result<Vec<A::Item>, Error>
    where
        A: qcapi_core::Paginated + Sync + Send + 'static,
        A::Item: Send,
        A::Output: Send,
    {
        match self {
            Self::Blocking(client) => client.paginate(action).collect(),
            Self::Async(rt, client) => rt.block_on(async {
                use futures_util::StreamExt as _;
                let mut stream = std::pin::pin!(client.paginate(action));
                let mut items = Vec::new();
                while let Some(item) = stream.next().await {
                    items.push(item?);
                }
                Ok(items)
            }),
        }
    }

    /// Waits for a task with the client's `wait_for_task` and returns its final status
    /// (0 succeeded, 1 failed); panics if the wait times out.
    pub fn wait_task(&self, task_id: i64) -> i64 {
        match self.wait_for_task(task_id).expect("task query") {
            qcapi_core::TaskOutcome::Succeeded(report)
            | qcapi_core::TaskOutcome::Failed(report) => report.status().expect("a status"),
            other => panic!("task {task_id} still running: {other:?}"),
        }
    }
}

/// One combination of client kind, HTTP method and signature method.
#[derive(Debug, Clone, Copy)]
pub struct Variant {
    /// Async (reqwest) or blocking (ureq).
    pub asynchronous: bool,
    /// GET or POST.
    pub http_method: HttpMethod,
    /// HmacSHA1 or HmacSHA256.
    pub signature_method: SignatureMethod,
}

impl Variant {
    /// The blocking or the async client, with `http_method` and HmacSHA256 (the default).
    pub fn new(asynchronous: bool, http_method: HttpMethod) -> Self {
        Self {
            asynchronous,
            http_method,
            signature_method: SignatureMethod::HmacSha256,
        }
    }
}

/// Every client × HTTP method × signature method.
pub fn variants() -> Vec<Variant> {
    let mut out = Vec::new();
    for asynchronous in [false, true] {
        for http_method in [HttpMethod::Get, HttpMethod::Post] {
            for signature_method in [SignatureMethod::HmacSha1, SignatureMethod::HmacSha256] {
                out.push(Variant {
                    asynchronous,
                    http_method,
                    signature_method,
                });
            }
        }
    }
    out
}

/// Settings for `account` against `emulator`, before any customisation.
pub fn settings<C: qcapi_core::FromConfig>(
    emulator: &Emulator,
    account: &Account,
    v: Variant,
) -> ConfigBuilder<C> {
    ConfigBuilder::<C>::default()
        .endpoint(emulator.base_url())
        .credentials(Credentials::new(
            account.secret_id.clone(),
            account.secret_key.clone(),
        ))
        .region("gz")
        .http_method(v.http_method)
        .signature_method(v.signature_method)
        .timeout(Duration::from_secs(10))
        // The emulator finishes a task by its second poll: no need to wait long between polls.
        .wait_policy(qcapi_core::WaitPolicy {
            initial_interval: Duration::from_millis(5),
            max_interval: Duration::from_millis(20),
            deadline: Duration::from_secs(5),
        })
}

/// A client of the variant's kind, configured by `customise`.
pub fn driver(v: Variant, config: ConfigBuilder<Config>) -> Driver {
    let config = config.build().expect("valid config");
    if v.asynchronous {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let client = {
            let _guard = rt.enter();
            qcapi_reqwest::Client::new(config).expect("client")
        };
        Driver::Async(Box::new(rt), client)
    } else {
        Driver::Blocking(qcapi_ureq::Client::new(config).expect("client"))
    }
}

/// A client for `account` against `emulator`.
pub fn client(emulator: &Emulator, account: &Account, v: Variant) -> Driver {
    driver(v, settings(emulator, account, v))
}

/// Creates a VPC and returns its unified ID.
pub fn create_vpc(d: &Driver, name: &str, cidr: &str) -> String {
    let out = d.send(&vpc::CreateVpc::new(name, cidr)).expect("CreateVpc");
    out.un_vpc_id.or(out.uniq_vpc_id).expect("a VPC id")
}

/// Writes a valid sample value for every required parameter of `fields` (recursively),
/// respecting allowed values, lengths and ranges.
pub fn sample_params(
    fields: &[qcapi_core::spec::FieldSpec],
    prefix: &str,
    params: &mut qcapi_core::Params,
) {
    use qcapi_core::spec::FieldType;
    for f in fields.iter().filter(|f| f.required) {
        let name = if f.list {
            format!("{prefix}{}.0", f.name)
        } else {
            format!("{prefix}{}", f.name)
        };
        let value = match f.ty {
            FieldType::Object => {
                sample_params(f.fields, &format!("{name}."), params);
                if f.fields.iter().any(|sub| sub.required) {
                    continue;
                }
                // An object without required fields still needs to be present.
                match f.fields.first() {
                    Some(first) => (format!("{name}.{}", first.name), "1".to_owned()),
                    None => (name, "1".to_owned()),
                }
            }
            _ if !f.allowed.is_empty() => (name, f.allowed[0].to_owned()),
            FieldType::Integer => {
                let n = f
                    .minimum
                    .unwrap_or(1)
                    .max(1)
                    .min(f.maximum.unwrap_or(i64::MAX));
                (name, n.to_string())
            }
            FieldType::Float => (name, "1.5".to_owned()),
            FieldType::Boolean => (name, "true".to_owned()),
            FieldType::String | FieldType::Json => {
                let len = f.min_length.unwrap_or(1).max(1) as usize;
                (name, "s".repeat(len))
            }
        };
        params.push(value.0, value.1);
    }
}

/// Everything `tracing` logs on this thread while a closure runs, as plain text:
/// what tests read to count attempts and to prove no secret reaches a log line.
pub fn capture_logs<R>(f: impl FnOnce() -> R) -> (R, String) {
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    // tracing caches each callsite's interest across threads: a callsite first hit on
    // a thread with no subscriber could be cached as "never" and then missed here, in a
    // test running beside others. A global subscriber interested in everything (and
    // keeping nothing) makes every callsite's interest "always", so this thread's
    // subscriber sees every event.
    static GLOBAL: std::sync::Once = std::sync::Once::new();
    GLOBAL.call_once(|| {
        let _ = tracing::subscriber::set_global_default(Discard);
    });
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let result = tracing::subscriber::with_default(subscriber, f);
    let bytes = sink.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
    (result, String::from_utf8_lossy(&bytes).into_owned())
}

/// A subscriber that is interested in every callsite and keeps nothing (see [`capture_logs`]).
struct Discard;

impl tracing::Subscriber for Discard {
    fn register_callsite(
        &self,
        _: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::always()
    }
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// How many attempts a captured log shows (one "call finished" or "call failed" each).
pub fn attempts_in(log: &str) -> usize {
    log.lines()
        .filter(|l| l.contains("call finished") || l.contains("call failed"))
        .count()
}
