//! The generic clients: they drive core's state machines ([`Session`], its
//! [`Call`](qcapi_core::session::Call)s, credential refreshes and task waits) over
//! any transport, sending what they ask for and sleeping when told. Every decision
//! is core's; a transport crate only supplies the transport.

use std::collections::VecDeque;
use std::sync::Arc;

use qcapi_core::provider::Snapshot;
use qcapi_core::service::ServiceSpec;
use qcapi_core::session::{Flow, Platform, RefreshStep, Session, WaitStep, task_id_of};
use qcapi_core::{
    Action, AsyncTransport, BlockingTransport, Config, ConfigBuilder, Error, FromConfig, Pager,
    Paginated, TaskOutcome, parse_response,
};
use tracing::Instrument as _;

use crate::System;

/// How a transport crate builds its transport from the shared settings.
pub trait TransportFactory: Sized {
    /// Builds the transport (timeouts, pooling, trusted roots, ...).
    fn from_config(config: &Config) -> Result<Self, Error>;
}

/// A blocking client over any [`BlockingTransport`]. `qcapi_ureq::Client` is this with ureq.
pub struct BlockingClient<T> {
    session: Session,
    transport: T,
}

/// An async client over any [`AsyncTransport`]. `qcapi_reqwest::Client` is this with reqwest.
pub struct AsyncClient<T> {
    session: Session,
    transport: T,
}

macro_rules! common_client_impl {
    ($client:ident, $bound:ident) => {
        impl<T: $bound> $client<T> {
            /// A client over a custom transport (a closure works for the blocking one),
            /// on the real machine: the system clock and CSPRNG (unless the config
            /// injects others) and the credential chain over the process environment.
            /// The transport also sends the credential providers' requests.
            pub fn with_transport(config: Config, transport: T) -> Result<Self, Error> {
                Self::on_platform(config, transport, Arc::new(System))
            }

            /// A client over `transport` on another platform (a test's clock, nonces
            /// and environment).
            pub fn on_platform(
                config: Config,
                transport: T,
                platform: Arc<dyn Platform>,
            ) -> Result<Self, Error> {
                Ok(Self {
                    session: Session::new(config, platform)?,
                    transport,
                })
            }

            /// The configuration, with credentials and region as resolved.
            pub fn config(&self) -> &Config {
                self.session.config()
            }

            /// Where the credentials come from: `explicit`, `environment`, a profile,
            /// or a provider (after the first fetch, the one that answered).
            pub fn credential_source(&self) -> String {
                self.session.credential_source()
            }

            /// The session: settings, clock and credential cache, for inspection.
            pub fn session(&self) -> &Session {
                &self.session
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

            /// A client from settings, with the system clock and CSPRNG unless the
            /// config injects others. Missing credentials (and region) come from the
            /// chain: environment, profile file, then, at the first call, the instance
            /// role and TKE OIDC.
            pub fn new(config: Config) -> Result<Self, Error> {
                let session = Session::new(config, Arc::new(System))?;
                let transport = T::from_config(session.config())?;
                Ok(Self { session, transport })
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
                    .field("session", &self.session)
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
        let mut call = self.session.call(action);
        let _entered = call.span().clone().entered();
        loop {
            let request = call.request(self.credentials());
            let result = request
                .and_then(|request| Ok(self.transport.execute(request)?))
                .and_then(|response| parse_response(action, response));
            match call.outcome(result) {
                Flow::Done(result) => return result,
                Flow::Retry(delay) if delay.is_zero() => {}
                Flow::Retry(delay) => self.transport.sleep(delay),
            }
        }
    }

    /// The request `send` would make now, signed and not sent, with the string that
    /// was signed (what `qcapi --dry-run` prints).
    pub fn sign<A: Action + ?Sized>(&self, action: &A) -> Result<qcapi_core::SignedRequest, Error> {
        self.session.call(action).sign(self.credentials())
    }

    /// The credentials the next request would be signed with: fetched (or refreshed)
    /// through the provider when due, waiting for a refresh another caller runs.
    pub fn credentials(&self) -> Result<Snapshot, Error> {
        let mut refresh = self.session.refresh();
        loop {
            match refresh.step() {
                RefreshStep::Ready(result) => return result,
                RefreshStep::Wait(waiter) => waiter.wait(),
                RefreshStep::Send(request) => refresh.answer(self.transport.execute(request)),
            }
        }
    }

    /// Polls task `task_id` of `service` (e.g. `&vpc::SERVICE`) with its task query
    /// until it succeeds or fails, or the wait policy's deadline passes.
    pub fn wait_for_task(
        &self,
        service: &'static ServiceSpec,
        task_id: i64,
    ) -> Result<TaskOutcome, Error> {
        let mut wait = self.session.wait_for(service, task_id)?;
        loop {
            let report = self.send(&wait.poll())?;
            match wait.report(report) {
                WaitStep::Done(outcome) => return Ok(outcome),
                WaitStep::Sleep(delay) => self.transport.sleep(delay),
            }
        }
    }

    /// Sends an asynchronous action and waits for its task.
    pub fn send_and_wait<A: Action + ?Sized>(
        &self,
        action: &A,
    ) -> Result<(A::Output, TaskOutcome), Error> {
        let service = Session::service_of(action)?;
        let output = self.send(action)?;
        let outcome = self.wait_for_task(service, task_id_of(action.name(), &output)?)?;
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
        let mut call = self.session.call(action);
        let span = call.span().clone();
        async {
            loop {
                let credentials = self.credentials().await;
                let result = match call.request(credentials) {
                    Ok(request) => match self.transport.execute(request).await {
                        Ok(response) => parse_response(action, response),
                        Err(e) => Err(e.into()),
                    },
                    Err(e) => Err(e),
                };
                match call.outcome(result) {
                    Flow::Done(result) => return result,
                    Flow::Retry(delay) if delay.is_zero() => {}
                    Flow::Retry(delay) => self.transport.sleep(delay).await,
                }
            }
        }
        .instrument(span)
        .await
    }

    /// The request `send` would make now, signed and not sent, with the string that
    /// was signed.
    pub async fn sign<A: Action + Sync + ?Sized>(
        &self,
        action: &A,
    ) -> Result<qcapi_core::SignedRequest, Error> {
        let credentials = self.credentials().await;
        self.session.call(action).sign(credentials)
    }

    /// The credentials the next request would be signed with: fetched (or refreshed)
    /// through the provider when due, waiting for a refresh another task runs.
    pub async fn credentials(&self) -> Result<Snapshot, Error> {
        let mut refresh = self.session.refresh();
        loop {
            match refresh.step() {
                RefreshStep::Ready(result) => return result,
                RefreshStep::Wait(waiter) => waiter.wait_async().await,
                RefreshStep::Send(request) => {
                    refresh.answer(self.transport.execute(request).await);
                }
            }
        }
    }

    /// Polls task `task_id` of `service` (e.g. `&vpc::SERVICE`) with its task query
    /// until it succeeds or fails, or the wait policy's deadline passes.
    pub async fn wait_for_task(
        &self,
        service: &'static ServiceSpec,
        task_id: i64,
    ) -> Result<TaskOutcome, Error> {
        let mut wait = self.session.wait_for(service, task_id)?;
        loop {
            let report = self.send(&wait.poll()).await?;
            match wait.report(report) {
                WaitStep::Done(outcome) => return Ok(outcome),
                WaitStep::Sleep(delay) => self.transport.sleep(delay).await,
            }
        }
    }

    /// Sends an asynchronous action and waits for its task.
    pub async fn send_and_wait<A: Action + Sync + ?Sized>(
        &self,
        action: &A,
    ) -> Result<(A::Output, TaskOutcome), Error> {
        let service = Session::service_of(action)?;
        let output = self.send(action).await?;
        let outcome = self
            .wait_for_task(service, task_id_of(action.name(), &output)?)
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
