//! The generic clients: build, sign, hand to a transport, parse; retry, wait for
//! tasks and page, following the pure decisions of [`crate::retry`]. Written once
//! for every transport; `qcapi-ureq` and `qcapi-reqwest` only move bytes and sleep.
//!
//! The drivers here read the monotonic clock only to measure latency and deadlines;
//! nothing they send depends on it.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use tracing::Instrument as _;

use crate::chain::{self, Environment, NoEnvironment};
use crate::config::{Clock, FromConfig, NonceSource};
use crate::provider::{CredentialCache, FetchContext, Lookup, Snapshot, Step};
use crate::request::build_request_with;
use crate::vpc::DescribeVpcTaskResult;
use crate::{
    Action, AsyncTransport, BlockingTransport, Config, ConfigBuilder, Error, Output, Pager,
    Paginated, SignContext, TaskOutcome, TaskStatus, parse_response,
};

/// A fetch has at most this many steps (the longest, AssumeRole over the instance
/// role with a replaced role, has four requests).
const MAX_FETCH_STEPS: usize = 16;
/// A caller waits for at most this many refreshes by others before giving up.
const MAX_CREDENTIAL_LOOKUPS: usize = 8;

/// How a transport crate builds its transport and provides the platform services
/// core never touches: the system clock, a CSPRNG, environment variables and files.
pub trait TransportFactory: Sized {
    /// Builds the transport from the shared settings (timeouts, pooling, ...).
    fn from_config(config: &Config) -> Result<Self, Error>;
    /// The current UNIX time in seconds.
    fn unix_time() -> u64;
    /// A fresh random positive number (nonces, jitter, correlation ids).
    fn random_nonce() -> u64;
    /// The process environment, for the credential chain.
    fn environment() -> &'static dyn Environment;
}

/// The clock and nonce source a client stamps requests with, and how far the
/// service's clock is from it (learned from a 4500 answer that states its time).
struct Stamp {
    clock: Clock,
    nonce: NonceSource,
    offset: std::sync::atomic::AtomicI64,
}

impl Stamp {
    fn from_config(config: &Config) -> Result<Self, Error> {
        let missing = |what: &str| {
            Error::invalid_input(
                what,
                "a client with a custom transport needs an injected clock and nonce source",
            )
        };
        Ok(Self {
            clock: config.clock.clone().ok_or_else(|| missing("clock"))?,
            nonce: config
                .nonce
                .clone()
                .ok_or_else(|| missing("nonce_source"))?,
            offset: Default::default(),
        })
    }

    fn with_defaults<T: TransportFactory>(config: &Config) -> Self {
        Self {
            clock: config.clock.clone().unwrap_or_else(|| {
                let now: fn() -> u64 = T::unix_time;
                std::sync::Arc::new(now)
            }),
            nonce: config.nonce.clone().unwrap_or_else(|| {
                let nonce: fn() -> u64 = T::random_nonce;
                std::sync::Arc::new(nonce)
            }),
            offset: Default::default(),
        }
    }

    fn next(&self) -> SignContext {
        SignContext::new(self.now(), (self.nonce)())
    }

    /// The time as the service sees it: our clock plus the offset learned from it.
    fn now(&self) -> u64 {
        let offset = self.offset.load(std::sync::atomic::Ordering::Relaxed);
        (self.clock)().saturating_add_signed(offset)
    }

    /// Keeps the service's clock's offset, for this and every later request.
    fn correct(&self, service_now: u64) {
        let local = (self.clock)();
        let offset = i64::try_from(i128::from(service_now) - i128::from(local)).unwrap_or(0);
        self.offset
            .store(offset, std::sync::atomic::Ordering::Relaxed);
        tracing::warn!(
            offset_seconds = offset,
            "the service's clock differs from ours; correcting the Timestamp"
        );
    }

    fn random(&self) -> u64 {
        (self.nonce)()
    }
}

/// Plain `http://` to another machine is allowed (a private cloud's internal
/// endpoint may be), but every signed request crosses the network readable: say
/// so once per client.
fn warn_if_exposed(config: &Config) {
    let exposed = config
        .all_endpoints()
        .find(|e| e.scheme() == "http" && !e.is_loopback());
    if let Some(endpoint) = exposed {
        tracing::warn!(
            endpoint = endpoint.base_url(),
            "plain http:// to a host that is not loopback: requests, SecretId and signatures travel unencrypted"
        );
    }
}

/// Fills in credentials and region from the chain when the config lacks them, and
/// the endpoints from the environment or profile when the builder set none.
fn resolve_chain(config: Config, env: &dyn Environment) -> Result<Config, Error> {
    let settings = chain::endpoint_settings(config.profile.as_deref(), env);
    config.with_endpoints_from(
        settings.env_endpoint.as_deref(),
        settings.env_domain.as_deref(),
        settings.profile.as_ref().map(|(label, endpoint, domain)| {
            (label.as_str(), endpoint.as_deref(), domain.as_deref())
        }),
    )
}

/// Decides where the credentials come from (see [`chain::plan`]) and records the
/// region and the source in the config.
fn credential_cache(config: &mut Config, env: &dyn Environment) -> Result<CredentialCache, Error> {
    let plan = chain::plan(config, env)?;
    config.region = plan.region;
    config.credentials = plan.fixed;
    let source = plan.cache.source();
    tracing::debug!(source = %source, "credential source chosen");
    config.credential_source = Some(source);
    Ok(plan.cache)
}

/// The span of one call: action, a locally generated correlation id (the legacy
/// API returns no request id), and the SecretId masked (recorded once the
/// credentials are known: a provider may fetch them first).
fn call_span(action: &str, stamp: &Stamp) -> tracing::Span {
    tracing::info_span!(
        "qcapi.call",
        action,
        correlation_id = %format!("{:016x}", stamp.random()),
        secret_id = tracing::field::Empty,
    )
}

/// Records the SecretId of the first attempt's credentials in the call's span.
fn record_secret_id(span: &tracing::Span, attempts: u32, snapshot: &Snapshot) {
    if attempts == 1 {
        span.record(
            "secret_id",
            tracing::field::display(snapshot.credentials().masked_secret_id()),
        );
    }
}

/// When the service refused the Token (4105: expired or revoked) of credentials a
/// provider refreshes, forgets them so the next attempt signs with fresh ones, and
/// says the request should be sent again at once (safe: the service rejected it
/// before running it). Once per call.
fn refresh_refused_token(cache: &CredentialCache, used: Option<&Snapshot>, error: &Error) -> bool {
    let refused = error.code() == Some(crate::CommonCode::InvalidToken.code());
    match used {
        Some(snapshot) if refused && cache.is_refreshable() => {
            tracing::warn!(
                generation = snapshot.generation(),
                "the service refused the session token; refreshing the credentials"
            );
            cache.invalidate(snapshot.generation());
            true
        }
        _ => false,
    }
}

/// The error when the lookups run out (refreshes by others kept ending without credentials).
fn lookups_exhausted() -> Error {
    Error::invalid_input(
        "credentials",
        "other callers' refreshes ended without credentials too many times",
    )
}

fn record_attempt<O>(attempt: u32, started: Instant, result: &Result<O, Error>) {
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(_) => tracing::info!(attempt, latency_ms, outcome = "ok", "call finished"),
        Err(e) => tracing::info!(attempt, latency_ms, outcome = "error", error = %e, "call failed"),
    }
}

fn retry_delay(
    config: &Config,
    stamp: &Stamp,
    attempts: u32,
    error: &Error,
    idempotent: bool,
    started: Instant,
) -> Option<Duration> {
    let delay = config.retry.decide(
        attempts,
        error,
        idempotent,
        started.elapsed(),
        stamp.random(),
    )?;
    tracing::warn!(
        attempt = attempts,
        delay_ms = delay.as_millis() as u64,
        error = %error,
        "retrying"
    );
    Some(delay)
}

/// When the service refused the Timestamp and said its own time, adopts its clock
/// and says the request should be sent again at once (safe: the service rejected it
/// before running it). A replayed nonce, also 4500, states no time.
fn correct_skew(stamp: &Stamp, error: &Error) -> bool {
    match crate::retry::service_time_of_skew(error) {
        Some(service_now) => {
            stamp.correct(service_now);
            true
        }
        None => false,
    }
}

fn task_id_of<O: Output>(action: &str, output: &O) -> Result<i64, Error> {
    output.task_id().ok_or_else(|| Error::Decode {
        reason: format!("{action} returned no taskId"),
        body: output.raw().into(),
    })
}

/// A blocking client over any [`BlockingTransport`]. `qcapi_ureq::Client` is this with ureq.
pub struct BlockingClient<T> {
    config: Config,
    transport: T,
    stamp: Stamp,
    credentials: CredentialCache,
    env: &'static dyn Environment,
}

/// An async client over any [`AsyncTransport`]. `qcapi_reqwest::Client` is this with reqwest.
pub struct AsyncClient<T> {
    config: Config,
    transport: T,
    stamp: Stamp,
    credentials: CredentialCache,
    env: &'static dyn Environment,
}

macro_rules! common_client_impl {
    ($client:ident, $bound:ident) => {
        impl<T: $bound> $client<T> {
            /// A client over a custom transport (a closure works). The config must
            /// inject a clock and a nonce source, since core reads neither, and
            /// carry its credentials or a provider: no environment variable or file
            /// is read (the transport sends a provider's requests too).
            pub fn with_transport(mut config: Config, transport: T) -> Result<Self, Error> {
                let stamp = Stamp::from_config(&config)?;
                warn_if_exposed(&config);
                let credentials = credential_cache(&mut config, &NoEnvironment)?;
                Ok(Self {
                    config,
                    transport,
                    stamp,
                    credentials,
                    env: &NoEnvironment,
                })
            }

            /// Where the credentials come from: `explicit`, `environment`, a profile,
            /// or a provider (after the first fetch, the one that answered).
            pub fn credential_source(&self) -> String {
                self.credentials.source()
            }

            fn fetch_context(&self) -> FetchContext<'static> {
                let ctx = self.stamp.next();
                FetchContext {
                    timestamp: ctx.timestamp,
                    nonce: ctx.nonce,
                    env: self.env,
                }
            }

            /// The configuration, with credentials and region as resolved.
            pub fn config(&self) -> &Config {
                &self.config
            }

            /// The transport.
            pub fn transport(&self) -> &T {
                &self.transport
            }
        }

        impl<T: $bound + TransportFactory> $client<T> {
            /// A builder for the client's settings.
            pub fn builder() -> ConfigBuilder<Self> {
                ConfigBuilder::default()
            }

            /// A client from settings, with the transport's system clock and CSPRNG
            /// unless the config injects others. Missing credentials (and region)
            /// come from the chain: environment, then profile file.
            pub fn new(config: Config) -> Result<Self, Error> {
                let mut config = resolve_chain(config, T::environment())?;
                let credentials = credential_cache(&mut config, T::environment())?;
                warn_if_exposed(&config);
                let transport = T::from_config(&config)?;
                let stamp = Stamp::with_defaults::<T>(&config);
                Ok(Self {
                    config,
                    transport,
                    stamp,
                    credentials,
                    env: T::environment(),
                })
            }
        }

        impl<T: $bound + TransportFactory> FromConfig for $client<T> {
            fn from_config(config: Config) -> Result<Self, Error> {
                Self::new(config)
            }
        }

        impl<T> std::fmt::Debug for $client<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($client))
                    .field("config", &self.config)
                    .field("credentials", &self.credentials)
                    .finish_non_exhaustive()
            }
        }
    };
}

common_client_impl!(BlockingClient, BlockingTransport);
common_client_impl!(AsyncClient, AsyncTransport);

impl<T: BlockingTransport> BlockingClient<T> {
    /// Sends `action` and parses its response, retrying as the retry policy allows.
    pub fn send<A: Action + ?Sized>(&self, action: &A) -> Result<A::Output, Error> {
        let span = call_span(action.name(), &self.stamp);
        let _entered = span.enter();
        let started = Instant::now();
        let mut attempts = 0;
        let mut skew_corrected = false;
        let mut token_refreshed = false;
        loop {
            attempts += 1;
            let attempt_started = Instant::now();
            // Each attempt signs with the current credentials, fetched if due.
            let snapshot = self.credentials();
            let result = snapshot
                .as_ref()
                .map_err(Clone::clone)
                .and_then(|snapshot| {
                    record_secret_id(&span, attempts, snapshot);
                    let request = build_request_with(
                        action,
                        &self.config,
                        snapshot.credentials(),
                        self.stamp.next(),
                    )?;
                    let response = self.transport.execute(request)?;
                    parse_response(action, response)
                });
            record_attempt(attempts, attempt_started, &result);
            match result {
                Ok(output) => return Ok(output),
                Err(e) if !skew_corrected && correct_skew(&self.stamp, &e) => {
                    skew_corrected = true;
                }
                Err(e)
                    if !token_refreshed
                        && refresh_refused_token(&self.credentials, snapshot.as_ref().ok(), &e) =>
                {
                    token_refreshed = true;
                }
                Err(e) => match retry_delay(
                    &self.config,
                    &self.stamp,
                    attempts,
                    &e,
                    action.is_idempotent(),
                    started,
                ) {
                    Some(delay) => self.transport.sleep(delay),
                    None => return Err(e),
                },
            }
        }
    }

    /// The credentials the next request would be signed with: fetched (or refreshed)
    /// through the provider when due, waiting for a refresh another caller runs.
    pub fn credentials(&self) -> Result<Snapshot, Error> {
        let mut waited = None;
        for _ in 0..MAX_CREDENTIAL_LOOKUPS {
            match self.credentials.lookup(self.stamp.now(), waited) {
                Lookup::Ready(snapshot) => return Ok(snapshot),
                Lookup::Failed(e) => return Err(e),
                Lookup::Wait(waiter) => {
                    waited = Some(waiter.attempt());
                    waiter.wait();
                }
                Lookup::Refresh(ticket) => {
                    let mut fetch = ticket.fetch();
                    let mut answer = None;
                    let mut outcome = Err(lookups_exhausted());
                    for _ in 0..MAX_FETCH_STEPS {
                        match fetch.step(&self.fetch_context(), answer.take()) {
                            Step::Send(request) => answer = Some(self.transport.execute(request)),
                            Step::Done(done) => {
                                outcome = done;
                                break;
                            }
                        }
                    }
                    return ticket.finish(outcome, self.stamp.now());
                }
            }
        }
        Err(lookups_exhausted())
    }

    /// Polls DescribeVpcTaskResult until the task succeeds or fails, or the wait
    /// policy's deadline passes.
    pub fn wait_for_task(&self, task_id: i64) -> Result<TaskOutcome, Error> {
        let started = Instant::now();
        let mut polls = 0;
        loop {
            polls += 1;
            let report = self.send(&DescribeVpcTaskResult::new(task_id))?;
            match TaskStatus::from_status(report.data.as_ref().and_then(|d| d.status)) {
                TaskStatus::Succeeded => return Ok(TaskOutcome::Succeeded(report)),
                TaskStatus::Failed => return Ok(TaskOutcome::Failed(report)),
                TaskStatus::Running => {
                    match self.config.wait.next_delay(polls, started.elapsed()) {
                        Some(delay) => {
                            tracing::debug!(task_id, polls, "task still running");
                            self.transport.sleep(delay);
                        }
                        None => {
                            return Ok(TaskOutcome::TimedOut {
                                task_id,
                                last: report,
                            });
                        }
                    }
                }
            }
        }
    }

    /// Sends an asynchronous action and waits for its task.
    pub fn send_and_wait<A: Action + ?Sized>(
        &self,
        action: &A,
    ) -> Result<(A::Output, TaskOutcome), Error> {
        let output = self.send(action)?;
        let outcome = self.wait_for_task(task_id_of(action.name(), &output)?)?;
        Ok((output, outcome))
    }

    /// Every entry of a paged Describe action, page after page, as an iterator.
    /// An error ends the iteration after it is yielded.
    pub fn paginate<A: Paginated>(&self, action: A) -> Pages<'_, T, A> {
        Pages {
            client: self,
            pager: Pager::new(&action),
            action,
            buffer: VecDeque::new(),
            failed: false,
        }
    }
}

/// The iterator of [`BlockingClient::paginate`].
pub struct Pages<'a, T, A: Paginated> {
    client: &'a BlockingClient<T>,
    action: A,
    pager: Pager,
    buffer: VecDeque<A::Item>,
    failed: bool,
}

impl<T: BlockingTransport, A: Paginated> Iterator for Pages<'_, T, A> {
    type Item = Result<A::Item, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Some(Ok(item));
            }
            if self.failed {
                return None;
            }
            let request = self.pager.next_request(&self.action)?;
            match self.client.send(&request) {
                Ok(output) => {
                    let total = A::total_count(&output);
                    let items = A::into_items(output);
                    self.pager.advance(items.len(), total);
                    self.buffer.extend(items);
                }
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

impl<T: AsyncTransport> AsyncClient<T> {
    /// Sends `action` and parses its response, retrying as the retry policy allows.
    pub async fn send<A: Action + Sync + ?Sized>(&self, action: &A) -> Result<A::Output, Error> {
        let span = call_span(action.name(), &self.stamp);
        let call = span.clone();
        async {
            let started = Instant::now();
            let mut attempts = 0;
            let mut skew_corrected = false;
            let mut token_refreshed = false;
            loop {
                attempts += 1;
                let attempt_started = Instant::now();
                // Each attempt signs with the current credentials, fetched if due.
                let snapshot = self.credentials().await;
                let request = snapshot
                    .as_ref()
                    .map_err(Clone::clone)
                    .and_then(|snapshot| {
                        record_secret_id(&call, attempts, snapshot);
                        build_request_with(
                            action,
                            &self.config,
                            snapshot.credentials(),
                            self.stamp.next(),
                        )
                    });
                let result = match request {
                    Ok(request) => match self.transport.execute(request).await {
                        Ok(response) => parse_response(action, response),
                        Err(e) => Err(e.into()),
                    },
                    Err(e) => Err(e),
                };
                record_attempt(attempts, attempt_started, &result);
                match result {
                    Ok(output) => return Ok(output),
                    Err(e) if !skew_corrected && correct_skew(&self.stamp, &e) => {
                        skew_corrected = true;
                    }
                    Err(e)
                        if !token_refreshed
                            && refresh_refused_token(
                                &self.credentials,
                                snapshot.as_ref().ok(),
                                &e,
                            ) =>
                    {
                        token_refreshed = true;
                    }
                    Err(e) => match retry_delay(
                        &self.config,
                        &self.stamp,
                        attempts,
                        &e,
                        action.is_idempotent(),
                        started,
                    ) {
                        Some(delay) => self.transport.sleep(delay).await,
                        None => return Err(e),
                    },
                }
            }
        }
        .instrument(span)
        .await
    }

    /// The credentials the next request would be signed with: fetched (or refreshed)
    /// through the provider when due, waiting for a refresh another task runs.
    pub async fn credentials(&self) -> Result<Snapshot, Error> {
        let mut waited = None;
        for _ in 0..MAX_CREDENTIAL_LOOKUPS {
            match self.credentials.lookup(self.stamp.now(), waited) {
                Lookup::Ready(snapshot) => return Ok(snapshot),
                Lookup::Failed(e) => return Err(e),
                Lookup::Wait(waiter) => {
                    waited = Some(waiter.attempt());
                    waiter.wait_async().await;
                }
                Lookup::Refresh(ticket) => {
                    let mut fetch = ticket.fetch();
                    let mut answer = None;
                    let mut outcome = Err(lookups_exhausted());
                    for _ in 0..MAX_FETCH_STEPS {
                        match fetch.step(&self.fetch_context(), answer.take()) {
                            Step::Send(request) => {
                                answer = Some(self.transport.execute(request).await)
                            }
                            Step::Done(done) => {
                                outcome = done;
                                break;
                            }
                        }
                    }
                    return ticket.finish(outcome, self.stamp.now());
                }
            }
        }
        Err(lookups_exhausted())
    }

    /// Polls DescribeVpcTaskResult until the task succeeds or fails, or the wait
    /// policy's deadline passes.
    pub async fn wait_for_task(&self, task_id: i64) -> Result<TaskOutcome, Error> {
        let started = Instant::now();
        let mut polls = 0;
        loop {
            polls += 1;
            let report = self.send(&DescribeVpcTaskResult::new(task_id)).await?;
            match TaskStatus::from_status(report.data.as_ref().and_then(|d| d.status)) {
                TaskStatus::Succeeded => return Ok(TaskOutcome::Succeeded(report)),
                TaskStatus::Failed => return Ok(TaskOutcome::Failed(report)),
                TaskStatus::Running => {
                    match self.config.wait.next_delay(polls, started.elapsed()) {
                        Some(delay) => {
                            tracing::debug!(task_id, polls, "task still running");
                            self.transport.sleep(delay).await;
                        }
                        None => {
                            return Ok(TaskOutcome::TimedOut {
                                task_id,
                                last: report,
                            });
                        }
                    }
                }
            }
        }
    }

    /// Sends an asynchronous action and waits for its task.
    pub async fn send_and_wait<A: Action + Sync + ?Sized>(
        &self,
        action: &A,
    ) -> Result<(A::Output, TaskOutcome), Error> {
        let output = self.send(action).await?;
        let outcome = self
            .wait_for_task(task_id_of(action.name(), &output)?)
            .await?;
        Ok((output, outcome))
    }

    /// Every entry of a paged Describe action, page after page, as a `Stream`.
    /// An error ends the stream after it is yielded.
    pub fn paginate<A: Paginated + Sync + 'static>(
        &self,
        action: A,
    ) -> impl futures_core::Stream<Item = Result<A::Item, Error>> + '_ {
        let state = (Pager::new(&action), action, VecDeque::new(), false);
        futures_util::stream::unfold(
            state,
            move |(mut pager, action, mut buffer, failed)| async move {
                loop {
                    if let Some(item) = buffer.pop_front() {
                        return Some((Ok(item), (pager, action, buffer, failed)));
                    }
                    if failed {
                        return None;
                    }
                    let request = pager.next_request(&action)?;
                    match self.send(&request).await {
                        Ok(output) => {
                            let total = A::total_count(&output);
                            let items = A::into_items(output);
                            pager.advance(items.len(), total);
                            buffer.extend(items);
                        }
                        Err(e) => return Some((Err(e), (pager, action, buffer, true))),
                    }
                }
            },
        )
    }
}
