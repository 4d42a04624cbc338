//! Retry, task-wait and paging *decisions*: pure functions the client drivers follow.

use std::time::Duration;

use crate::Error;

/// When and how often a failed call is sent again.
///
/// Idempotent actions (spec flag) are retried on connection failures, timeouts,
/// HTTP 5xx, a connection closed before a response, and the codes 4400, 6000 and
/// 6200. A non-idempotent action is retried only when the request provably never
/// reached the server (a connect failure). Delays grow exponentially with full jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 disables retries).
    pub max_attempts: u32,
    /// Upper bound of the first backoff.
    pub base_delay: Duration,
    /// Upper bound of any backoff.
    pub max_delay: Duration,
    /// No retry starts once this much time has passed since the first attempt.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            deadline: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Whether to send again after `attempts` attempts ended in `error`, and after
    /// how long. `random` is any uniformly random number (the jitter).
    ///
    /// ```
    /// use std::time::Duration;
    /// use qcapi_core::{Error, RetryPolicy, TransportError, TransportErrorKind};
    /// let policy = RetryPolicy::default();
    /// let timeout = Error::Transport(TransportError::new(TransportErrorKind::Timeout, "slow"));
    /// assert!(policy.decide(1, &timeout, true, Duration::ZERO, 7).is_some());
    /// assert!(policy.decide(1, &timeout, false, Duration::ZERO, 7).is_none(), "it may have run");
    /// assert!(policy.decide(3, &timeout, true, Duration::ZERO, 7).is_none(), "attempts used up");
    /// ```
    pub fn decide(
        &self,
        attempts: u32,
        error: &Error,
        idempotent: bool,
        elapsed: Duration,
        random: u64,
    ) -> Option<Duration> {
        if attempts >= self.max_attempts || !error.is_retryable() {
            return None;
        }
        if !idempotent && !error.is_not_sent() {
            return None;
        }
        let delay = full_jitter(self.base_delay, self.max_delay, attempts, random);
        (elapsed + delay < self.deadline).then_some(delay)
    }
}

/// The service's time from a 4500 answer about the Timestamp, whose message ends
/// `… Timestamp = 1557125531` (as the service words it); `None` for any other error,
/// including a 4500 for a replayed nonce.
///
/// ```
/// use qcapi_core::{ApiError, Error, retry::service_time_of_skew};
/// let skew = |message: &str| Error::Api(Box::new(ApiError { action: "A".into(), code: 4500,
///     code_desc: None, message: message.into(), raw: Default::default() }));
/// assert_eq!(service_time_of_skew(&skew("timestamp expired, server Timestamp = 1557125531")), Some(1557125531));
/// assert_eq!(service_time_of_skew(&skew("the nonce was already used")), None);
/// ```
pub fn service_time_of_skew(error: &Error) -> Option<u64> {
    let api = error.api().filter(|e| e.code == 4500)?;
    let (_, tail) = api.message.trim_end().rsplit_once("Timestamp")?;
    let digits = tail.trim_start().strip_prefix('=')?.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A delay drawn uniformly from `[0, min(max, base * 2^(attempt-1))]`.
fn full_jitter(base: Duration, max: Duration, attempt: u32, random: u64) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
    let cap = exp.min(max).as_millis() as u64;
    Duration::from_millis(random % (cap + 1))
}

/// How a task is polled by `wait_for_task`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitPolicy {
    /// Delay before the second poll (the first is immediate).
    pub initial_interval: Duration,
    /// Upper bound of the delay between polls (it doubles up to this).
    pub max_interval: Duration,
    /// Give up (`TaskOutcome::TimedOut`) once this much time has passed.
    pub deadline: Duration,
}

impl Default for WaitPolicy {
    fn default() -> Self {
        Self {
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(10),
            deadline: Duration::from_secs(600),
        }
    }
}

impl WaitPolicy {
    /// The delay after the `polls`-th poll found the task still running, or `None`
    /// when waiting longer would pass the deadline.
    pub fn next_delay(&self, polls: u32, elapsed: Duration) -> Option<Duration> {
        let delay = self
            .initial_interval
            .saturating_mul(1u32 << polls.saturating_sub(1).min(20))
            .min(self.max_interval);
        (elapsed + delay < self.deadline).then_some(delay)
    }
}

/// Where a task stands, as its module's task query reports it (see
/// [`TaskQuery`](crate::service::TaskQuery): VPC's `data.status` 0, 1, 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStatus {
    /// It succeeded.
    Succeeded,
    /// It failed.
    Failed,
    /// Still running, or a status the documentation does not define (keep polling).
    Running,
}

/// How waiting for a task ended, with the task query's last report (its typed
/// form through [`TaskReport::parse`](crate::service::TaskReport::parse)).
#[derive(Debug, Clone, PartialEq)]
pub enum TaskOutcome {
    /// The task succeeded; its last report.
    Succeeded(crate::service::TaskReport),
    /// The task failed; its last report, with the operation's output.
    Failed(crate::service::TaskReport),
    /// The wait policy's deadline passed while the task was still running.
    TimedOut {
        /// The task.
        task_id: i64,
        /// Its last report.
        last: crate::service::TaskReport,
    },
}

impl TaskOutcome {
    /// Whether the task succeeded.
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Succeeded(_))
    }

    /// The last report, however the wait ended.
    pub fn report(&self) -> &crate::service::TaskReport {
        match self {
            Self::Succeeded(report)
            | Self::Failed(report)
            | Self::TimedOut { last: report, .. } => report,
        }
    }
}

/// An action that pages with `offset`/`limit` and reports `totalCount` and a `data` list.
/// Generated for every such action; clients page over it with `paginate`.
pub trait Paginated: crate::Action + Clone {
    /// One entry of `data`.
    type Item;
    /// The same request for another page.
    fn with_page(&self, offset: i64, limit: i64) -> Self;
    /// The request's own `offset`, if set.
    fn offset(&self) -> Option<i64>;
    /// The request's own `limit`, if set.
    fn limit(&self) -> Option<i64>;
    /// `totalCount` of a page.
    fn total_count(output: &Self::Output) -> Option<i64>;
    /// The entries of a page.
    fn into_items(output: Self::Output) -> Vec<Self::Item>;
}

/// Where paging stands: which page to ask for next, and when to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pager {
    offset: i64,
    limit: i64,
    done: bool,
}

impl Pager {
    /// Starts at the action's offset, with its limit or a page size of 20 (capped at the spec's maximum).
    pub fn new<A: Paginated>(action: &A) -> Self {
        let max = action
            .spec()
            .and_then(|s| s.param("limit"))
            .and_then(|p| p.maximum)
            .unwrap_or(100);
        Self {
            offset: action.offset().unwrap_or(0).max(0),
            limit: action.limit().unwrap_or(20.min(max)).max(1),
            done: false,
        }
    }

    /// The next request, or `None` when every page has been read.
    pub fn next_request<A: Paginated>(&self, action: &A) -> Option<A> {
        (!self.done).then(|| action.with_page(self.offset, self.limit))
    }

    /// Records a page of `got` entries out of `total`.
    pub fn advance(&mut self, got: usize, total: Option<i64>) {
        self.offset += got as i64;
        self.done = got == 0 || total.is_none_or(|t| self.offset >= t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ApiError, TransportError, TransportErrorKind};

    fn transport(kind: TransportErrorKind) -> Error {
        Error::Transport(TransportError::new(kind, "x"))
    }

    fn api(code: i64) -> Error {
        Error::Api(Box::new(ApiError {
            action: "A".into(),
            code,
            code_desc: None,
            message: String::new(),
            raw: Default::default(),
        }))
    }

    #[test]
    fn retry_decisions() {
        let p = RetryPolicy::default();
        fn check(p: &RetryPolicy, error: Error, idempotent: bool, attempts: u32, expected: bool) {
            let got = p
                .decide(attempts, &error, idempotent, Duration::ZERO, 123_456)
                .is_some();
            assert_eq!(
                got, expected,
                "{error:?} idempotent={idempotent} attempts={attempts}"
            );
        }
        use TransportErrorKind::*;
        for (error, idempotent, expected) in [
            (transport(Connect), false, true),
            (transport(Connect), true, true),
            (transport(Timeout), true, true),
            (transport(Timeout), false, false),
            (transport(ConnectionClosed), true, true),
            (transport(ConnectionClosed), false, false),
            (transport(Other), true, false),
            (api(4400), true, true),
            (api(4400), false, false),
            (api(6000), true, true),
            (api(6200), true, true),
            (api(4000), true, false),
            (api(5000), true, false),
            (
                Error::HttpStatus {
                    status: 503,
                    location: None,
                    body: Default::default(),
                },
                true,
                true,
            ),
            (
                Error::HttpStatus {
                    status: 404,
                    location: None,
                    body: Default::default(),
                },
                true,
                false,
            ),
            (Error::invalid_input("x", "y"), true, false),
        ] {
            check(&p, error, idempotent, 1, expected);
        }
        check(&p, transport(Connect), true, 3, false);
        check(&RetryPolicy::none(), transport(Connect), true, 1, false);
    }

    #[test]
    fn backoff_is_bounded_and_respects_the_deadline() {
        let p = RetryPolicy::default();
        let e = transport(TransportErrorKind::Timeout);
        for attempt in 1..3 {
            for random in [0, 1, 999, u64::MAX] {
                let d = p.decide(attempt, &e, true, Duration::ZERO, random).unwrap();
                assert!(d <= p.base_delay * (1 << (attempt - 1)), "{d:?}");
            }
        }
        assert_eq!(p.decide(1, &e, true, Duration::from_secs(60), 0), None);
    }

    #[test]
    fn wait_delays_double_up_to_the_cap_and_stop_at_the_deadline() {
        let w = WaitPolicy::default();
        let delays: Vec<_> = (1..7)
            .map(|n| w.next_delay(n, Duration::ZERO).unwrap().as_secs())
            .collect();
        assert_eq!(delays, [1, 2, 4, 8, 10, 10]);
        assert_eq!(w.next_delay(1, Duration::from_secs(600)), None);
    }

    #[test]
    fn pager_walks_offsets_until_total() {
        let action = crate::vpc::DescribeVpcEx::new();
        let mut pager = Pager::new(&action);
        let mut offsets = Vec::new();
        while let Some(req) = pager.next_request(&action) {
            offsets.push((req.offset, req.limit));
            pager.advance(20.min(45 - req.offset.unwrap() as usize), Some(45));
        }
        assert_eq!(
            offsets,
            [
                (Some(0), Some(20)),
                (Some(20), Some(20)),
                (Some(40), Some(20))
            ]
        );
        let mut pager = Pager::new(
            &crate::vpc::DescribeVpcPeeringConnections::new()
                .limit(50)
                .offset(5),
        );
        assert_eq!(
            pager
                .next_request(&crate::vpc::DescribeVpcPeeringConnections::new())
                .map(|r| (r.offset, r.limit)),
            Some((Some(5), Some(50)))
        );
        pager.advance(0, Some(100));
        assert!(
            pager
                .next_request(&crate::vpc::DescribeVpcPeeringConnections::new())
                .is_none(),
            "an empty page ends paging"
        );
    }
}
