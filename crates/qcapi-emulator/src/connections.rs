//! Connections: the accept loop with its cap, each connection's header-read and
//! idle timeouts, the body cap applied before a body is read, and graceful shutdown.
//!
//! axum::serve offers none of the timeouts, so hyper's HTTP/1 connection is driven
//! here. hyper's own `header_read_timeout` is not used: it starts when the previous
//! answer is written, so it would also cut idle keep-alive connections at 10 s
//! instead of the service's 60 s. A small per-connection watchdog keeps both clocks.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::{LengthLimitError, Limited};
use hyper::body::{Body as _, Incoming};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::{
    DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS, MAX_BODY_BYTES,
    invalid_input,
};

/// After a shutdown signal, how long requests being handled may still finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);
/// How long to pause accepting after an error such as "too many open files",
/// so the loop does not spin while sockets close.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(50);

/// What bounds the resources a client can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// From accepting a connection, or from the first byte of a later request,
    /// until its head is complete; reading its body gets as long again.
    pub(crate) header_read_timeout: Duration,
    /// Between the end of an answer and the first byte of the next request.
    pub(crate) idle_timeout: Duration,
    /// Connections served at once.
    pub(crate) max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl Limits {
    /// Refuses limits that would close or refuse every connection at once.
    pub(crate) fn check(&self) -> io::Result<()> {
        let zero = [
            (self.header_read_timeout.is_zero(), "header-read timeout"),
            (self.idle_timeout.is_zero(), "idle timeout"),
            (self.max_connections == 0, "connection cap"),
        ];
        match zero.into_iter().find(|(is_zero, _)| *is_zero) {
            Some((_, what)) => Err(invalid_input(format!(
                "the {what} must be greater than zero"
            ))),
            None => Ok(()),
        }
    }
}

/// Serves `router` until `shutdown` completes, then lets requests being handled
/// finish for a short grace period; connections with no request in progress are
/// closed at once.
///
/// At `limits.max_connections` open connections the loop stops accepting until
/// one closes: further clients wait in the kernel's listen backlog instead of
/// costing a file descriptor, and are served as soon as a slot frees, which the
/// timeouts guarantee happens. (Accepting and closing them at once would turn a
/// short wait into a failure for every well-behaved client behind an attacker.)
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let (stopping_tx, stopping) = watch::channel(());
    let mut connections = JoinSet::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let has_room = connections.len() < limits.max_connections;
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            // Reaps finished connections; `len` counts them until joined.
            Some(_) = connections.join_next() => {}
            accepted = listener.accept(), if has_room => match accepted {
                Ok((stream, _)) => {
                    let router = router.clone();
                    connections.spawn(serve_connection(stream, router, limits, stopping.clone()));
                }
                Err(e) if is_connection_error(&e) => {}
                Err(_) => tokio::time::sleep(ACCEPT_ERROR_PAUSE).await,
            },
        }
    }
    drop(listener);
    let _ = stopping_tx.send(());
    let drained = async { while connections.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, drained).await;
    // Dropping the set aborts whatever is still running.
    Ok(())
}

/// Errors that concern one connection, not the listener.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Runs one HTTP/1 connection until the client closes it, a timeout expires, or
/// shutdown (after the request in progress, if any).
async fn serve_connection(
    stream: TcpStream,
    router: Router,
    limits: Limits,
    mut stopping: watch::Receiver<()>,
) {
    let activity = Arc::new(Activity::new(Instant::now()));
    let aborted = Arc::new(AtomicBool::new(false));
    let io = TokioIo::new(TrackedStream {
        stream,
        aborted: Arc::clone(&aborted),
        activity: Arc::clone(&activity),
    });
    let handle = ConnectionHandle {
        aborted,
        body_read_timeout: limits.header_read_timeout,
    };
    let router = TowerToHyperService::new(router);
    let service_activity = Arc::clone(&activity);
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let in_request = service_activity.begin_request();
        let router = router.clone();
        let handle = handle.clone();
        async move {
            let _in_request = in_request;
            // Before the body is polled, so hyper never sends `100 Continue` for it.
            if request.body().size_hint().lower() > MAX_BODY_BYTES as u64 {
                return Ok::<_, Infallible>(payload_too_large());
            }
            let mut request = request.map(|body| Body::new(Limited::new(body, MAX_BODY_BYTES)));
            request.extensions_mut().insert(handle);
            hyper::service::Service::call(&router, request).await
        }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        // The watchdog keeps that clock (see the module docs).
        .header_read_timeout(None)
        .serve_connection(io, service);
    let mut connection = pin!(connection);
    let mut expired = pin!(activity.expired(limits));
    // Returning drops the connection, which closes the socket.
    tokio::select! {
        _ = connection.as_mut() => return,
        () = &mut expired => return,
        _ = stopping.changed() => {}
    }
    if !activity.in_request() {
        return;
    }
    connection.as_mut().graceful_shutdown();
    tokio::select! {
        _ = connection => {}
        () = expired => {}
    }
}

/// `413`, closing the connection: the body stays unread.
fn payload_too_large() -> Response {
    let text = format!("the request body exceeds {MAX_BODY_BYTES} bytes\n");
    closing(StatusCode::PAYLOAD_TOO_LARGE, text)
}

/// An answer that closes the connection: the rest of the body is never read, so
/// the connection cannot be reused.
fn closing(status: StatusCode, text: impl Into<String>) -> Response {
    let close = [(header::CONNECTION, "close")];
    (status, close, text.into()).into_response()
}

/// Where a connection is in its request cycle, for its timeouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for the first byte of the next request since `since`.
    Idle { since: Instant },
    /// Reading a request head begun at `since` (its first byte, or the accept).
    ReadingHead { since: Instant },
    /// A request is being handled; reading its body has a deadline of its own.
    InRequest,
}

impl Phase {
    /// When the connection is to be closed if nothing changes; `None` for never.
    fn deadline(self, limits: &Limits) -> Option<Instant> {
        match self {
            Self::Idle { since } => since.checked_add(limits.idle_timeout),
            Self::ReadingHead { since } => since.checked_add(limits.header_read_timeout),
            Self::InRequest => None,
        }
    }
}

/// A connection's phase, shared by its stream, its service and its watchdog
/// (which a change of phase wakes).
#[derive(Debug)]
struct Activity {
    phase: watch::Sender<Phase>,
}

impl Activity {
    /// A new connection must send its first request head within the header-read
    /// timeout; it does not get the (longer) idle allowance first.
    fn new(accepted: Instant) -> Self {
        let phase = watch::Sender::new(Phase::ReadingHead { since: accepted });
        Self { phase }
    }

    fn phase(&self) -> watch::Ref<'_, Phase> {
        self.phase.borrow()
    }

    fn set(&self, phase: Phase) {
        self.phase.send_replace(phase);
    }

    /// Bytes arrived: after an idle period they start a request head's clock.
    fn bytes_arrived(&self) {
        self.phase.send_if_modified(|phase| {
            let idle = matches!(phase, Phase::Idle { .. });
            if idle {
                *phase = Phase::ReadingHead {
                    since: Instant::now(),
                };
            }
            idle
        });
    }

    /// A request head is complete; the connection is busy until the guard drops.
    fn begin_request(self: &Arc<Self>) -> RequestGuard {
        self.set(Phase::InRequest);
        RequestGuard(Arc::clone(self))
    }

    fn in_request(&self) -> bool {
        *self.phase() == Phase::InRequest
    }

    /// Completes when the current phase outlives its deadline.
    async fn expired(&self, limits: Limits) {
        let mut changes = self.phase.subscribe();
        loop {
            // Marks this phase seen, so only a later change wakes the wait below.
            let deadline = changes.borrow_and_update().deadline(&limits);
            match deadline {
                Some(deadline) if Instant::now() >= deadline => return,
                Some(deadline) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(deadline) => {}
                        _ = changes.changed() => {}
                    }
                }
                // The sender lives in `self`, so this never fails.
                None => {
                    let _ = changes.changed().await;
                }
            }
        }
    }
}

/// Marks the end of a request's handling (its answer is then written) when dropped,
/// also when hyper drops the handler early.
struct RequestGuard(Arc<Activity>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.0.set(Phase::Idle {
            since: Instant::now(),
        });
    }
}

/// A handler's handle on its connection, in the request's extensions.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionHandle {
    aborted: Arc<AtomicBool>,
    body_read_timeout: Duration,
}

impl ConnectionHandle {
    /// Marks the connection aborted (the close-connection fault): nothing more is
    /// written to it and hyper closes it as soon as it tries to answer.
    pub(crate) fn abort(&self) {
        self.aborted.store(true, Ordering::Release);
    }

    /// Reads a whole body, at most [`MAX_BODY_BYTES`] and within the body-read
    /// timeout; otherwise the answer to send instead (413, 408 or 400).
    pub(crate) async fn read_body(&self, body: Body) -> Result<Bytes, Response> {
        let bytes = axum::body::to_bytes(body, usize::MAX);
        match tokio::time::timeout(self.body_read_timeout, bytes).await {
            Ok(Ok(bytes)) => Ok(bytes),
            Ok(Err(e)) if is_length_limit(&e) => Err(payload_too_large()),
            Ok(Err(_)) => Err(closing(
                StatusCode::BAD_REQUEST,
                "the request body could not be read\n",
            )),
            Err(_) => Err(closing(
                StatusCode::REQUEST_TIMEOUT,
                "the request body did not arrive in time\n",
            )),
        }
    }
}

/// Whether `Limited` cut the body off, anywhere in the error's source chain.
fn is_length_limit(error: &(dyn std::error::Error + 'static)) -> bool {
    std::iter::successors(Some(error), |e| e.source()).any(|e| e.is::<LengthLimitError>())
}

/// A socket that tells its [`Activity`] when bytes arrive, and fails every read
/// and write once aborted, so hyper drops it without writing another byte.
struct TrackedStream {
    stream: TcpStream,
    aborted: Arc<AtomicBool>,
    activity: Arc<Activity>,
}

impl TrackedStream {
    /// The socket, unless the connection was aborted.
    fn live(&mut self) -> io::Result<Pin<&mut TcpStream>> {
        if self.aborted.load(Ordering::Acquire) {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "aborted by an injected fault",
            ));
        }
        Ok(Pin::new(&mut self.stream))
    }
}

impl AsyncRead for TrackedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = this.live()?.poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.bytes_arrived();
        }
        result
    }
}

impl AsyncWrite for TrackedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().live()?.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().live()?.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().live()?.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().live()?.poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_follow_the_phase() {
        let limits = Limits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1,
        };
        let at = Instant::now();
        let check = |phase: Phase, expected: Option<Instant>| {
            assert_eq!(phase.deadline(&limits), expected, "{phase:?}");
        };
        check(
            Phase::Idle { since: at },
            Some(at + Duration::from_secs(60)),
        );
        check(
            Phase::ReadingHead { since: at },
            Some(at + Duration::from_secs(10)),
        );
        check(Phase::InRequest, None);
        // A timeout too long to represent means no deadline, not a panic.
        let forever = Limits {
            header_read_timeout: Duration::MAX,
            idle_timeout: Duration::MAX,
            max_connections: 1,
        };
        assert_eq!(Phase::Idle { since: at }.deadline(&forever), None);
        assert_eq!(Phase::ReadingHead { since: at }.deadline(&forever), None);
    }

    #[test]
    fn phases_change_with_activity() {
        let activity = Arc::new(Activity::new(Instant::now()));
        let phase = || *activity.phase();
        assert!(matches!(phase(), Phase::ReadingHead { .. }));
        let first_head = phase();
        // More bytes of the same head do not restart its clock.
        activity.bytes_arrived();
        assert_eq!(phase(), first_head);
        let guard = activity.begin_request();
        assert!(activity.in_request());
        activity.bytes_arrived(); // body bytes
        assert!(activity.in_request());
        drop(guard);
        assert!(matches!(phase(), Phase::Idle { .. }));
        activity.bytes_arrived();
        assert!(matches!(phase(), Phase::ReadingHead { .. }));
    }

    #[test]
    fn limits_must_be_positive() {
        let check = |edit: fn(&mut Limits), ok: bool| {
            let mut limits = Limits::default();
            edit(&mut limits);
            assert_eq!(limits.check().is_ok(), ok, "{limits:?}");
        };
        check(|_| {}, true);
        check(|l| l.header_read_timeout = Duration::ZERO, false);
        check(|l| l.idle_timeout = Duration::ZERO, false);
        check(|l| l.max_connections = 0, false);
        check(|l| l.idle_timeout = Duration::MAX, true);
    }

    /// A body whose next frame never comes.
    struct NeverEnds;

    impl hyper::body::Body for NeverEnds {
        type Data = Bytes;
        type Error = Infallible;

        fn poll_frame(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, Infallible>>> {
            Poll::Pending
        }
    }

    #[tokio::test]
    async fn read_body_tells_too_large_from_too_slow() {
        let handle = |timeout_ms| ConnectionHandle {
            aborted: Arc::default(),
            body_read_timeout: Duration::from_millis(timeout_ms),
        };
        let limited = |text: &'static str, limit| Body::new(Limited::new(Body::from(text), limit));
        let status = |result: Result<Bytes, Response>| result.map_err(|r| r.status());

        let read = handle(1000).read_body(limited("abc", 3)).await;
        assert_eq!(status(read), Ok(Bytes::from("abc")));
        let read = handle(1000).read_body(limited("abcd", 3)).await;
        assert_eq!(status(read), Err(StatusCode::PAYLOAD_TOO_LARGE));
        let read = handle(10).read_body(Body::new(NeverEnds)).await;
        assert_eq!(status(read), Err(StatusCode::REQUEST_TIMEOUT));
        assert!(!is_length_limit(&io::Error::other("reset")));
    }
}
