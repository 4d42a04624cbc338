//! The credential cache: one consistent snapshot per request, a refresh before
//! expiry, one refresh at a time however many callers want one, and never an
//! expired credential.
//!
//! It is a decision table under a lock, given the time: [`CredentialCache::lookup`]
//! says use these credentials, refresh them yourself, wait for the refresh in
//! flight, or fail. The client drives the refresh with its transport and hands the
//! outcome back through [`RefreshTicket::finish`]; waiters wake on an
//! [`event_listener::Event`], which works for threads and tasks alike.

use std::sync::{Arc, Mutex, MutexGuard};

use event_listener::{Event, EventListener};

use super::{Fetch, ProviderError, ProviderFailure, SharedProvider};
use crate::{Credentials, Error};

/// After a refresh failed while the credentials still had time left, the next
/// attempt waits this many seconds (so every call does not ask again at once).
const PAUSE_AFTER_FAILED_REFRESH: u64 = 10;

/// Credentials from one generation, shared by every request that uses them.
#[derive(Debug, Clone)]
pub struct Snapshot {
    credentials: Arc<Credentials>,
    generation: u64,
}

impl Snapshot {
    /// The SecretId, key and token, all from the same fetch.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Which fetch they came from (1 for the first); see [`CredentialCache::invalidate`].
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

/// What a caller does next; see [`CredentialCache::lookup`].
#[derive(Debug)]
pub enum Lookup<'a> {
    /// Use these.
    Ready(Snapshot),
    /// Nobody is refreshing and a refresh is due: run the ticket's fetch.
    Refresh(RefreshTicket<'a>),
    /// Another caller is refreshing: wait, then look up again with the waiter's attempt.
    Wait(Waiter),
    /// The refresh this caller waited for failed, and no valid credentials remain.
    Failed(Error),
}

/// A wait for the refresh in flight.
#[derive(Debug)]
pub struct Waiter {
    listener: EventListener,
    attempt: u64,
}

impl Waiter {
    /// The refresh attempt waited for; pass it to the next [`CredentialCache::lookup`].
    pub fn attempt(&self) -> u64 {
        self.attempt
    }

    /// Blocks the thread until the refresh ends.
    pub fn wait(self) {
        use event_listener::Listener as _;
        self.listener.wait();
    }

    /// Waits in a task until the refresh ends.
    pub async fn wait_async(self) {
        self.listener.await;
    }
}

/// The right, and the duty, to refresh: whoever holds it runs its fetch and calls
/// [`RefreshTicket::finish`]. Dropped unfinished (a cancelled task), it lets
/// the next caller refresh instead.
#[derive(Debug)]
pub struct RefreshTicket<'a> {
    cache: &'a CredentialCache,
    attempt: u64,
    finished: bool,
}

/// The current credentials, refreshed through a provider.
///
/// Credentials that expire at `T` are refreshed from `T - margin` on (`margin` is
/// 300 s unless set, and at most half their lifetime, so short-lived credentials are
/// not refreshed on every call). While a refresh runs, callers use the current
/// credentials if they are still valid, and wait for it otherwise. Expired credentials
/// are never handed out: the provider's error is.
#[derive(Debug)]
pub struct CredentialCache {
    provider: Option<SharedProvider>,
    fixed_name: String,
    margin: u64,
    state: Mutex<State>,
    refreshed: Event,
}

#[derive(Debug, Default)]
struct State {
    current: Option<Entry>,
    refreshing: bool,
    /// Refreshes started so far.
    attempts: u64,
    /// The last refresh that failed, by attempt, and why.
    failed: Option<(u64, Error)>,
    /// No refresh before this time while the current credentials are valid.
    paused_until: u64,
    generations: u64,
}

#[derive(Debug)]
struct Entry {
    snapshot: Snapshot,
    refresh_at: u64,
}

impl Entry {
    fn is_valid(&self, now: u64) -> bool {
        self.snapshot
            .credentials
            .expires_at()
            .is_none_or(|expiry| now < expiry)
    }
}

impl CredentialCache {
    /// A cache over `provider`, refreshing `margin` before expiry.
    pub fn new(provider: SharedProvider, margin: std::time::Duration) -> Self {
        Self {
            fixed_name: String::new(),
            provider: Some(provider),
            margin: margin.as_secs(),
            state: Mutex::default(),
            refreshed: Event::new(),
        }
    }

    /// Credentials that are never refreshed (named `name` when they have expired).
    pub fn fixed(credentials: Credentials, name: impl Into<String>) -> Self {
        let cache = Self {
            provider: None,
            fixed_name: name.into(),
            margin: 0,
            state: Mutex::default(),
            refreshed: Event::new(),
        };
        cache.lock().current = Some(Entry {
            snapshot: Snapshot {
                credentials: Arc::new(credentials),
                generation: 1,
            },
            refresh_at: u64::MAX,
        });
        cache
    }

    /// Whether credentials come from a provider (and can be refreshed).
    pub fn is_refreshable(&self) -> bool {
        self.provider.is_some()
    }

    /// The source's name: the provider's, or the fixed credentials'.
    pub fn source(&self) -> String {
        match &self.provider {
            Some(provider) => provider.name(),
            None => self.fixed_name.clone(),
        }
    }

    /// The credentials of the latest fetch, valid or not, without fetching.
    pub fn peek(&self) -> Option<Snapshot> {
        self.lock().current.as_ref().map(|e| e.snapshot.clone())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is consistent after every statement: a panic elsewhere leaves it usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What to do at `now` (UNIX seconds, as the service sees it). `waited` is the
    /// attempt of the [`Waiter`] the caller just woke from, if any.
    pub fn lookup(&self, now: u64, waited: Option<u64>) -> Lookup<'_> {
        let mut state = self.lock();
        let valid = state.current.as_ref().filter(|e| e.is_valid(now));
        if let (Some(attempt), Some((failed, error))) = (waited, &state.failed)
            && attempt == *failed
            && valid.is_none()
        {
            return Lookup::Failed(error.clone());
        }
        if let Some(entry) = valid
            && (now < entry.refresh_at || state.refreshing || now < state.paused_until)
        {
            return Lookup::Ready(entry.snapshot.clone());
        }
        if self.provider.is_none() {
            let expired_at = state
                .current
                .as_ref()
                .and_then(|e| e.snapshot.credentials.expires_at())
                .unwrap_or_default();
            return Lookup::Failed(
                ProviderError::new(
                    self.fixed_name.clone(),
                    ProviderFailure::Unavailable(format!(
                        "the credentials expired at {} and nothing can refresh them",
                        crate::time::format_iso8601(expired_at as i64)
                    )),
                )
                .into(),
            );
        }
        if state.refreshing {
            return Lookup::Wait(Waiter {
                listener: self.refreshed.listen(),
                attempt: state.attempts,
            });
        }
        state.refreshing = true;
        state.attempts += 1;
        Lookup::Refresh(RefreshTicket {
            cache: self,
            attempt: state.attempts,
            finished: false,
        })
    }

    /// Forgets the credentials of `generation` (the service refused their token), so
    /// the next lookup refreshes. Credentials of a later generation are kept: of
    /// many calls refused at once, only the first causes a refresh.
    pub fn invalidate(&self, generation: u64) {
        let mut state = self.lock();
        if self.provider.is_some()
            && state
                .current
                .as_ref()
                .is_some_and(|e| e.snapshot.generation == generation)
        {
            state.current = None;
            state.paused_until = 0;
        }
    }
}

impl RefreshTicket<'_> {
    /// Starts the provider's fetch.
    pub fn fetch(&self) -> Box<dyn Fetch> {
        match &self.cache.provider {
            Some(provider) => provider.fetch(),
            // A ticket is only handed out for a provider.
            None => Box::new(super::Ready(None)),
        }
    }

    /// Stores the fetch's outcome at `now` and wakes the waiters. A failure while the
    /// old credentials are still valid keeps them (and says so in a warning).
    pub fn finish(
        mut self,
        outcome: Result<Credentials, Error>,
        now: u64,
    ) -> Result<Snapshot, Error> {
        self.finished = true;
        let cache = self.cache;
        let outcome = outcome.and_then(|credentials| match credentials.expires_at() {
            Some(expiry) if expiry <= now => Err(ProviderError::new(
                cache.source(),
                ProviderFailure::Unavailable(format!(
                    "the credentials it answered expired at {}, before they were used",
                    crate::time::format_iso8601(expiry as i64)
                )),
            )
            .into()),
            _ => Ok(credentials),
        });
        let result = {
            let mut state = cache.lock();
            state.refreshing = false;
            match outcome {
                Ok(credentials) => {
                    state.generations += 1;
                    let refresh_at = match credentials.expires_at() {
                        None => u64::MAX,
                        Some(expiry) => expiry - cache.margin.min((expiry - now) / 2),
                    };
                    let snapshot = Snapshot {
                        credentials: Arc::new(credentials),
                        generation: state.generations,
                    };
                    state.current = Some(Entry {
                        snapshot: snapshot.clone(),
                        refresh_at,
                    });
                    state.failed = None;
                    tracing::debug!(
                        source = %cache.source(),
                        generation = snapshot.generation,
                        expires_at = snapshot.credentials.expires_at(),
                        "credentials refreshed"
                    );
                    Ok(snapshot)
                }
                Err(error) => {
                    state.failed = Some((self.attempt, error.clone()));
                    match state.current.as_ref().filter(|e| e.is_valid(now)) {
                        Some(entry) => {
                            let snapshot = entry.snapshot.clone();
                            state.paused_until = now + PAUSE_AFTER_FAILED_REFRESH;
                            tracing::warn!(
                                error = %error,
                                "refreshing credentials failed; using the current ones until they expire"
                            );
                            Ok(snapshot)
                        }
                        None => Err(error),
                    }
                }
            }
        };
        cache.refreshed.notify(usize::MAX);
        result
    }
}

impl Drop for RefreshTicket<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.cache.lock().refreshing = false;
            self.cache.refreshed.notify(usize::MAX);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;
    use crate::provider::{FetchContext, ProvideCredentials, Step};
    use crate::{HttpResponse, TransportError};

    /// Hands out `AKID<n>` expiring `lifetime` after `issued_at`, or fails when told to.
    #[derive(Debug)]
    struct Counting {
        fetches: AtomicUsize,
        lifetime: u64,
        issued_at: u64,
        fail: std::sync::atomic::AtomicBool,
    }

    impl ProvideCredentials for Counting {
        fn name(&self) -> String {
            "counting".into()
        }
        fn fetch(&self) -> Box<dyn Fetch> {
            let n = self.fetches.fetch_add(1, Ordering::SeqCst) + 1;
            let result = if self.fail.load(Ordering::SeqCst) {
                Err(
                    ProviderError::new("counting", ProviderFailure::Unavailable("down".into()))
                        .into(),
                )
            } else {
                Ok(Credentials::new(format!("AKID{n}"), "k")
                    .with_token("t")
                    .with_expiry(self.issued_at + self.lifetime))
            };
            Box::new(Once(Some(result)))
        }
    }

    struct Once(Option<Result<Credentials, Error>>);
    impl Fetch for Once {
        fn step(
            &mut self,
            _: &FetchContext<'_>,
            _: Option<Result<HttpResponse, TransportError>>,
        ) -> Step {
            Step::Done(self.0.take().unwrap())
        }
    }

    fn counting(lifetime: u64, issued_at: u64) -> Arc<Counting> {
        Arc::new(Counting {
            fetches: AtomicUsize::new(0),
            lifetime,
            issued_at,
            fail: false.into(),
        })
    }

    /// Looks up at `now`, running any refresh at once; the SecretId, or the error text.
    fn get(cache: &CredentialCache, now: u64) -> Result<String, String> {
        let ctx_env = crate::chain::NoEnvironment;
        let ctx = FetchContext {
            timestamp: now,
            nonce: 1,
            env: &ctx_env,
        };
        match cache.lookup(now, None) {
            Lookup::Ready(s) => Ok(s.credentials().secret_id().to_owned()),
            Lookup::Refresh(ticket) => {
                let Step::Done(outcome) = ticket.fetch().step(&ctx, None) else {
                    unreachable!()
                };
                ticket
                    .finish(outcome, now)
                    .map(|s| s.credentials().secret_id().to_owned())
                    .map_err(|e| e.to_string())
            }
            Lookup::Failed(e) => Err(e.to_string()),
            Lookup::Wait(_) => Err("wait".into()),
        }
    }

    #[test]
    fn refreshes_within_the_margin_and_never_serves_expired_credentials() {
        let provider = counting(7200, 1000);
        let cache = CredentialCache::new(provider.clone(), Duration::from_secs(300));
        // (time, expected SecretId or error fragment)
        let steps: &[(u64, &str)] = &[
            (1000, "AKID1"),
            (7000, "AKID1"),
            (7899, "AKID1"),
            // 300 s before expiry (8200): the second fetch, whose credentials
            // (in this fake) expire at 8200 too, so they are refreshed again soon.
            (7900, "AKID2"),
        ];
        for (now, expected) in steps {
            assert_eq!(get(&cache, *now).as_deref(), Ok(*expected), "at {now}");
        }
        // Past expiry with a failing provider: the error, never the old credentials.
        provider.fail.store(true, Ordering::SeqCst);
        let err = get(&cache, 8200).unwrap_err();
        assert!(err.contains("counting: down"), "{err}");
    }

    #[test]
    fn a_failed_refresh_keeps_valid_credentials_for_a_while() {
        let provider = counting(7200, 0);
        let cache = CredentialCache::new(provider.clone(), Duration::from_secs(300));
        assert_eq!(get(&cache, 0).as_deref(), Ok("AKID1"));
        provider.fail.store(true, Ordering::SeqCst);
        assert_eq!(get(&cache, 7000).as_deref(), Ok("AKID1"));
        assert_eq!(provider.fetches.load(Ordering::SeqCst), 2);
        // Paused: no new fetch for 10 s.
        assert_eq!(get(&cache, 7005).as_deref(), Ok("AKID1"));
        assert_eq!(provider.fetches.load(Ordering::SeqCst), 2);
        provider.fail.store(false, Ordering::SeqCst);
        assert_eq!(get(&cache, 7010).as_deref(), Ok("AKID3"));
    }

    #[test]
    fn short_lifetimes_refresh_at_half_life() {
        let provider = counting(100, 0);
        let cache = CredentialCache::new(provider.clone(), Duration::from_secs(300));
        assert_eq!(get(&cache, 0).as_deref(), Ok("AKID1"));
        assert_eq!(get(&cache, 49).as_deref(), Ok("AKID1"));
        assert_eq!(get(&cache, 50).as_deref(), Ok("AKID2"));
    }

    #[test]
    fn invalidating_a_generation_refreshes_once() {
        let provider = counting(7200, 0);
        let cache = CredentialCache::new(provider.clone(), Duration::from_secs(300));
        assert_eq!(get(&cache, 0).as_deref(), Ok("AKID1"));
        cache.invalidate(1);
        assert_eq!(get(&cache, 1).as_deref(), Ok("AKID2"));
        cache.invalidate(1); // stale: generation 2 is kept
        assert_eq!(get(&cache, 2).as_deref(), Ok("AKID2"));
        assert_eq!(provider.fetches.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn fixed_credentials_expire_with_an_error() {
        let cache = CredentialCache::fixed(
            Credentials::new("AKIDfixed", "k").with_expiry(100),
            "explicit",
        );
        assert!(!cache.is_refreshable());
        assert_eq!(get(&cache, 99).as_deref(), Ok("AKIDfixed"));
        let err = get(&cache, 100).unwrap_err();
        assert!(
            err.contains("explicit: the credentials expired at 1970-01-01T00:01:40Z"),
            "{err}"
        );
    }

    #[test]
    fn concurrent_callers_share_one_refresh() {
        let provider = counting(7200, 0);
        let cache = CredentialCache::new(provider.clone(), Duration::from_secs(300));
        let ids: Vec<String> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..32)
                .map(|_| {
                    scope.spawn(|| {
                        let mut waited = None;
                        for _ in 0..100 {
                            match cache.lookup(0, waited) {
                                Lookup::Ready(s) => return s.credentials().secret_id().to_owned(),
                                Lookup::Wait(w) => {
                                    waited = Some(w.attempt());
                                    w.wait();
                                }
                                Lookup::Refresh(ticket) => {
                                    // Slow, so the others arrive while it runs.
                                    std::thread::sleep(Duration::from_millis(50));
                                    let creds =
                                        Credentials::new("AKIDshared", "k").with_expiry(7200);
                                    return ticket
                                        .finish(Ok(creds), 0)
                                        .unwrap()
                                        .credentials()
                                        .secret_id()
                                        .to_owned();
                                }
                                Lookup::Failed(e) => panic!("{e}"),
                            }
                        }
                        panic!("no credentials after 100 lookups");
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(ids.iter().all(|id| id == "AKIDshared"), "{ids:?}");
        assert_eq!(cache.lock().attempts, 1);
    }

    #[test]
    fn waiters_of_a_failed_refresh_get_its_error_and_a_dropped_ticket_frees_the_slot() {
        let cache = CredentialCache::new(counting(7200, 0), Duration::from_secs(300));
        let Lookup::Refresh(ticket) = cache.lookup(0, None) else {
            panic!()
        };
        let Lookup::Wait(waiter) = cache.lookup(0, None) else {
            panic!()
        };
        let attempt = waiter.attempt();
        let failure: Error = ProviderError::new("p", ProviderFailure::NoRoleBound).into();
        assert!(ticket.finish(Err(failure), 0).is_err());
        waiter.wait();
        let Lookup::Failed(e) = cache.lookup(0, Some(attempt)) else {
            panic!()
        };
        assert!(e.to_string().contains("no role is bound"));
        // A ticket dropped unfinished lets the next caller refresh.
        let Lookup::Refresh(ticket) = cache.lookup(0, None) else {
            panic!()
        };
        drop(ticket);
        assert!(matches!(cache.lookup(0, None), Lookup::Refresh(_)));
    }
}
