//! The transport-independent half of every client, as state machines without I/O:
//! a [`Session`] (settings, clock, credential cache), a [`Call`] (one `send`: prepare
//! once, sign each attempt, decide what an outcome means), a [`Refresh`] (fetching
//! credentials through a provider) and a [`TaskWait`] (polling a task). The blocking
//! and the async client in `qcapi-platform` only drive them: send the requests they
//! ask for, sleep when told, and hand back what came back.
//!
//! The machines read the monotonic clock only to measure latency and deadlines;
//! wall time and nonces come from the [`Platform`] or the config's injected sources.

use std::time::{Duration, Instant};

use crate::chain::{self, Environment};
use crate::config::{Clock, NonceSource};
use crate::provider::{
    CredentialCache, Fetch, FetchContext, Lookup, RefreshTicket, Snapshot, Step, Waiter,
};
use crate::request::{PreparedRequest, prepare};
use crate::service::{ServiceSpec, TaskQuery};
use crate::{
    Action, Config, Error, HttpRequest, HttpResponse, Output, RawAction, RawOutput, SignContext,
    SignedRequest, TaskOutcome, TaskStatus, TransportError,
};

/// A fetch has at most this many steps (the longest, AssumeRole over the instance
/// role with a replaced role, has four requests).
const MAX_FETCH_STEPS: usize = 16;
/// A caller waits for at most this many refreshes by others before giving up.
const MAX_CREDENTIAL_LOOKUPS: usize = 8;

/// What a client needs from the machine, and core never touches: the wall clock,
/// a CSPRNG, environment variables and files. `qcapi_platform::System` is the real one.
pub trait Platform: Send + Sync + 'static {
    /// The current UNIX time in seconds.
    fn unix_time(&self) -> u64;
    /// A fresh random positive number (nonces, jitter, correlation ids).
    fn random(&self) -> u64;
    /// Environment variables and files, for the credential chain and trust roots.
    fn environment(&self) -> &dyn Environment;
}

/// The clock and nonce source a client stamps requests with, and how far the
/// service's clock is from it (learned from a 4500 answer that states its time).
struct Stamp {
    clock: Clock,
    nonce: NonceSource,
    offset: std::sync::atomic::AtomicI64,
}

impl Stamp {
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

/// A client's settings with everything resolved (endpoints, credential source,
/// region), its clock and nonce source, and its credential cache.
pub struct Session {
    config: Config,
    stamp: Stamp,
    credentials: CredentialCache,
    platform: std::sync::Arc<dyn Platform>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("config", &self.config)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Resolves `config` on `platform`: endpoints from the environment or profile
    /// when the builder set none, then where the credentials come from
    /// ([`chain::plan`]); the clock and nonces are the config's injected ones, else
    /// the platform's. Does no I/O beyond the platform's environment reads.
    pub fn new(config: Config, platform: std::sync::Arc<dyn Platform>) -> Result<Self, Error> {
        let env = platform.environment();
        let settings = chain::endpoint_settings(config.profile.as_deref(), env);
        let mut config = config.with_endpoints_from(
            settings.env_endpoint.as_deref(),
            settings.env_domain.as_deref(),
            settings.profile.as_ref().map(|(label, endpoint, domain)| {
                (label.as_str(), endpoint.as_deref(), domain.as_deref())
            }),
        )?;
        let plan = chain::plan(&config, env)?;
        config.region = plan.region;
        config.credentials = plan.fixed;
        let source = plan.cache.source();
        tracing::debug!(source = %source, "credential source chosen");
        config.credential_source = Some(source);
        warn_if_exposed(&config);
        let stamp = Stamp {
            clock: config.clock.clone().unwrap_or_else(|| {
                let platform = platform.clone();
                std::sync::Arc::new(move || platform.unix_time())
            }),
            nonce: config.nonce.clone().unwrap_or_else(|| {
                let platform = platform.clone();
                std::sync::Arc::new(move || platform.random())
            }),
            offset: Default::default(),
        };
        Ok(Self {
            config,
            stamp,
            credentials: plan.cache,
            platform,
        })
    }

    /// The configuration, with credentials and region as resolved.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The platform the session reads the time, nonces and environment from.
    pub fn platform(&self) -> &dyn Platform {
        &*self.platform
    }

    /// Where the credentials come from: `explicit`, `environment`, a profile, or a
    /// provider (after the first fetch, the one that answered).
    pub fn credential_source(&self) -> String {
        self.credentials.source()
    }

    /// The time and nonce of a request made now.
    pub fn sign_context(&self) -> SignContext {
        self.stamp.next()
    }

    /// Starts fetching the current credentials (refreshing them if due).
    pub fn refresh(&self) -> Refresh<'_> {
        Refresh {
            session: self,
            waited: None,
            lookups: 0,
            active: None,
        }
    }

    /// Starts one `send` of `action`.
    pub fn call<'a, A: Action + ?Sized>(&'a self, action: &'a A) -> Call<'a, A> {
        let span = tracing::info_span!(
            "qcapi.call",
            action = action.name(),
            correlation_id = %format!("{:016x}", self.stamp.random()),
            secret_id = tracing::field::Empty,
        );
        Call {
            session: self,
            action,
            prepared: None,
            span,
            attempts: 0,
            skew_corrected: false,
            token_refreshed: false,
            started: Instant::now(),
            attempt_started: Instant::now(),
            snapshot: None,
        }
    }

    /// Starts waiting for task `task_id` of `service`, through its task query; an
    /// error when the module has none.
    pub fn wait_for(
        &self,
        service: &'static ServiceSpec,
        task_id: i64,
    ) -> Result<TaskWait<'_>, Error> {
        let query = service.tasks.as_ref().ok_or_else(|| {
            Error::invalid_input(
                "taskId",
                format!("the {} module has no task query to wait with", service.name),
            )
        })?;
        Ok(TaskWait {
            session: self,
            service,
            query,
            task_id,
            polls: 0,
            started: Instant::now(),
        })
    }

    /// The module an action belongs to, for waiting on its task.
    pub fn service_of<A: Action + ?Sized>(action: &A) -> Result<&'static ServiceSpec, Error> {
        crate::service::find(action.service()).ok_or_else(|| {
            Error::invalid_input(
                "service",
                format!(
                    "qcapi knows no task query for module `{}`",
                    action.service()
                ),
            )
        })
    }
}

/// What fetching credentials needs next; see [`Session::refresh`].
#[derive(Debug)]
pub enum RefreshStep {
    /// The credentials, or why there are none.
    Ready(Result<Snapshot, Error>),
    /// Another caller is refreshing: wait for it, then ask again.
    Wait(Waiter),
    /// Send this request and pass its outcome to [`Refresh::answer`].
    Send(HttpRequest),
}

/// One lookup of the current credentials, fetching them through the provider when due.
pub struct Refresh<'a> {
    session: &'a Session,
    waited: Option<u64>,
    lookups: usize,
    active: Option<Active<'a>>,
}

struct Active<'a> {
    ticket: RefreshTicket<'a>,
    fetch: Box<dyn Fetch>,
    steps: usize,
    answer: Option<Result<HttpResponse, TransportError>>,
}

impl Refresh<'_> {
    /// What to do next.
    pub fn step(&mut self) -> RefreshStep {
        let session = self.session;
        if let Some(active) = &mut self.active {
            let ctx = session.stamp.next();
            let ctx = FetchContext {
                timestamp: ctx.timestamp,
                nonce: ctx.nonce,
                env: session.platform.environment(),
            };
            let outcome = if active.steps >= MAX_FETCH_STEPS {
                Err(Error::invalid_input(
                    "credentials",
                    "the provider asked for too many requests",
                ))
            } else {
                active.steps += 1;
                match active.fetch.step(&ctx, active.answer.take()) {
                    Step::Send(request) => return RefreshStep::Send(request),
                    Step::Done(outcome) => outcome,
                }
            };
            let Some(active) = self.active.take() else {
                unreachable!("checked above")
            };
            return RefreshStep::Ready(active.ticket.finish(outcome, session.stamp.now()));
        }
        if self.lookups >= MAX_CREDENTIAL_LOOKUPS {
            return RefreshStep::Ready(Err(Error::invalid_input(
                "credentials",
                "other callers' refreshes ended without credentials too many times",
            )));
        }
        self.lookups += 1;
        match session.credentials.lookup(session.stamp.now(), self.waited) {
            Lookup::Ready(snapshot) => RefreshStep::Ready(Ok(snapshot)),
            Lookup::Failed(e) => RefreshStep::Ready(Err(e)),
            Lookup::Wait(waiter) => {
                self.waited = Some(waiter.attempt());
                RefreshStep::Wait(waiter)
            }
            Lookup::Refresh(ticket) => {
                self.active = Some(Active {
                    fetch: ticket.fetch(),
                    ticket,
                    steps: 0,
                    answer: None,
                });
                self.step()
            }
        }
    }

    /// The outcome of the request the last [`RefreshStep::Send`] asked for.
    pub fn answer(&mut self, outcome: Result<HttpResponse, TransportError>) {
        if let Some(active) = &mut self.active {
            active.answer = Some(outcome);
        }
    }
}

/// What an attempt's outcome means; see [`Call::outcome`].
#[derive(Debug)]
pub enum Flow<O> {
    /// The call is over.
    Done(Result<O, Error>),
    /// Send again after this long (zero: at once).
    Retry(Duration),
}

/// One `send`: the action's parameters prepared once, each attempt signed with the
/// credentials of the moment, and every outcome judged by the retry policy, the
/// clock-skew rule (4500 stating the service's time: resend once, corrected) and
/// the refused-token rule (4105 for provider credentials: refresh, resend once).
pub struct Call<'a, A: ?Sized> {
    session: &'a Session,
    action: &'a A,
    prepared: Option<Result<PreparedRequest<'a>, Error>>,
    span: tracing::Span,
    attempts: u32,
    skew_corrected: bool,
    token_refreshed: bool,
    started: Instant,
    attempt_started: Instant,
    snapshot: Option<Snapshot>,
}

impl<'a, A: Action + ?Sized> Call<'a, A> {
    /// The call's tracing span: action, correlation id, masked SecretId.
    pub fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// The request of the next attempt, signed with `credentials` (the outcome of a
    /// [`Refresh`]), or why it cannot be made.
    pub fn request(&mut self, credentials: Result<Snapshot, Error>) -> Result<HttpRequest, Error> {
        self.sign(credentials).map(SignedRequest::into_http)
    }

    /// As [`Call::request`], keeping what was signed (for `--dry-run`).
    pub fn sign(&mut self, credentials: Result<Snapshot, Error>) -> Result<SignedRequest, Error> {
        self.attempts += 1;
        self.attempt_started = Instant::now();
        let snapshot = credentials?;
        if self.attempts == 1 {
            self.span.record(
                "secret_id",
                tracing::field::display(snapshot.credentials().masked_secret_id()),
            );
        }
        let (session, action) = (self.session, self.action);
        let prepared = self
            .prepared
            .get_or_insert_with(|| prepare(action, &session.config));
        let prepared = prepared.as_ref().map_err(Clone::clone)?;
        let signed = prepared.sign(snapshot.credentials(), session.stamp.next());
        self.snapshot = Some(snapshot);
        signed
    }

    /// What the attempt's `result` means: the call is over, or it is sent again.
    pub fn outcome(&mut self, result: Result<A::Output, Error>) -> Flow<A::Output> {
        let latency_ms = self.attempt_started.elapsed().as_secs_f64() * 1000.0;
        let attempt = self.attempts;
        let error = match result {
            Ok(output) => {
                tracing::info!(attempt, latency_ms, outcome = "ok", "call finished");
                return Flow::Done(Ok(output));
            }
            Err(e) => e,
        };
        tracing::info!(attempt, latency_ms, outcome = "error", error = %error, "call failed");
        if !self.skew_corrected
            && let Some(service_now) = crate::retry::service_time_of_skew(&error)
        {
            // Safe to resend at once: the service rejected it before running it.
            self.skew_corrected = true;
            self.session.stamp.correct(service_now);
            return Flow::Retry(Duration::ZERO);
        }
        let refused = error.code() == Some(crate::CommonCode::InvalidToken.code());
        let cache = &self.session.credentials;
        if !self.token_refreshed
            && refused
            && cache.is_refreshable()
            && let Some(snapshot) = &self.snapshot
        {
            tracing::warn!(
                generation = snapshot.generation(),
                "the service refused the session token; refreshing the credentials"
            );
            self.token_refreshed = true;
            cache.invalidate(snapshot.generation());
            return Flow::Retry(Duration::ZERO);
        }
        let config = &self.session.config;
        match config.retry.decide(
            attempt,
            &error,
            self.action.is_idempotent(),
            self.started.elapsed(),
            self.session.stamp.random(),
        ) {
            Some(delay) => {
                tracing::warn!(
                    attempt,
                    delay_ms = delay.as_millis() as u64,
                    error = %error,
                    "retrying"
                );
                Flow::Retry(delay)
            }
            None => Flow::Done(Err(error)),
        }
    }
}

/// The task id an asynchronous action's output carries, or a decode error.
pub fn task_id_of<O: Output>(action: &str, output: &O) -> Result<i64, Error> {
    output.task_id().ok_or_else(|| Error::Decode {
        reason: format!("{action} returned no taskId"),
        body: output.raw().into(),
    })
}

/// What waiting for a task needs next; see [`TaskWait::report`].
#[derive(Debug)]
pub enum WaitStep {
    /// The wait is over.
    Done(TaskOutcome),
    /// Poll again after this long.
    Sleep(Duration),
}

/// Polling one task through its module's task query until it succeeds, fails or
/// the wait policy's deadline passes.
pub struct TaskWait<'a> {
    session: &'a Session,
    service: &'static ServiceSpec,
    query: &'static TaskQuery,
    task_id: i64,
    polls: u32,
    started: Instant,
}

impl TaskWait<'_> {
    /// The action that polls the task (VPC: `DescribeVpcTaskResult`).
    pub fn poll(&self) -> RawAction {
        self.query.poll(self.service, self.task_id)
    }

    /// What the poll's answer means.
    pub fn report(&mut self, answer: RawOutput) -> WaitStep {
        self.polls += 1;
        let report = self.query.report(self.task_id, answer);
        match report.state() {
            TaskStatus::Succeeded => WaitStep::Done(TaskOutcome::Succeeded(report)),
            TaskStatus::Failed => WaitStep::Done(TaskOutcome::Failed(report)),
            TaskStatus::Running => match self
                .session
                .config
                .wait
                .next_delay(self.polls, self.started.elapsed())
            {
                Some(delay) => {
                    tracing::debug!(
                        task_id = self.task_id,
                        polls = self.polls,
                        "task still running"
                    );
                    WaitStep::Sleep(delay)
                }
                None => WaitStep::Done(TaskOutcome::TimedOut {
                    task_id: self.task_id,
                    last: report,
                }),
            },
        }
    }
}
