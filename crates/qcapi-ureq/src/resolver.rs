//! Name resolution for the ureq agent: IP literals answered directly, names cached briefly.
//!
//! ureq 3 resolves the host on every request, before it looks in its connection
//! pool, and with a timeout set (qcapi-ureq always sets one) its default resolver
//! spawns an OS thread per lookup, even for `127.0.0.1`. That thread cost one context
//! switch and ~30 us per call on loopback (BENCHMARKS.md). This resolver skips the
//! lookup for IP literals and reuses a name's addresses for [`NAME_TTL`], about as long
//! as a pooled connection to them would live anyway.

use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long the addresses of a host name are reused.
pub const NAME_TTL: Duration = Duration::from_secs(30);

/// A [`Resolver`] that answers IP-literal hosts itself and caches the last host
/// name it resolved through `R` (ureq's default resolver) for [`NAME_TTL`].
#[derive(Debug, Default)]
pub struct CachingResolver<R = DefaultResolver> {
    inner: R,
    // One entry: a client talks to one endpoint (and perhaps one proxy).
    last: Mutex<Option<Cached>>,
}

#[derive(Debug)]
struct Cached {
    host: String,
    port: u16,
    at: Instant,
    addrs: ResolvedSocketAddrs,
}

impl<R: Resolver> CachingResolver<R> {
    /// A resolver that looks names up through `inner`.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            last: Mutex::new(None),
        }
    }
}

impl<R: Resolver> Resolver for CachingResolver<R> {
    fn resolve(
        &self,
        uri: &Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let Some(authority) = uri.authority() else {
            return self.inner.resolve(uri, config, timeout);
        };
        let default_port = if uri.scheme_str() == Some("https") {
            443
        } else {
            80
        };
        let port = authority.port_u16().unwrap_or(default_port);
        let host = authority.host();
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if let Ok(ip) = bare.parse::<IpAddr>() {
            let mut addrs = self.empty();
            addrs.push(SocketAddr::new(ip, port));
            return Ok(addrs);
        }
        let now = Instant::now();
        // A poisoned lock only means another lookup panicked; the cache is still usable.
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = last
            .as_ref()
            .filter(|c| c.host == host && c.port == port && now.duration_since(c.at) < NAME_TTL)
        {
            return Ok(hit.addrs.clone());
        }
        let addrs = self.inner.resolve(uri, config, timeout)?;
        *last = Some(Cached {
            host: host.to_owned(),
            port,
            at: now,
            addrs: addrs.clone(),
        });
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Answers every name with 192.0.2.1 (a documentation address), counting lookups.
    #[derive(Debug, Default)]
    struct Counting(AtomicUsize);

    impl Resolver for Counting {
        fn resolve(
            &self,
            uri: &Uri,
            _: &ureq::config::Config,
            _: NextTimeout,
        ) -> Result<ResolvedSocketAddrs, ureq::Error> {
            self.0.fetch_add(1, Ordering::SeqCst);
            let port = uri.port_u16().unwrap_or(443);
            let mut addrs = self.empty();
            addrs.push(SocketAddr::new([192, 0, 2, 1].into(), port));
            Ok(addrs)
        }
    }

    fn resolve(resolver: &CachingResolver<Counting>, url: &str) -> Vec<SocketAddr> {
        let uri: Uri = url.parse().expect("a valid URI");
        let config = ureq::config::Config::default();
        let timeout = NextTimeout {
            after: ureq::unversioned::transport::time::Duration::NotHappening,
            reason: ureq::Timeout::Global,
            per_read: None,
            per_write: None,
        };
        resolver
            .resolve(&uri, &config, timeout)
            .expect("resolves")
            .iter()
            .copied()
            .collect()
    }

    #[test]
    fn literals_are_answered_without_a_lookup() {
        fn check(url: &str, expected: &str) {
            let resolver = CachingResolver::new(Counting::default());
            let expected: SocketAddr = expected.parse().expect("an address");
            assert_eq!(resolve(&resolver, url), vec![expected], "{url}");
            assert_eq!(resolver.inner.0.load(Ordering::SeqCst), 0, "{url}");
        }
        check("http://127.0.0.1:8080/v2/index.php", "127.0.0.1:8080");
        check("http://127.0.0.1/v2/index.php", "127.0.0.1:80");
        check("https://10.1.2.3/", "10.1.2.3:443");
        check("http://[::1]:9000/", "[::1]:9000");
    }

    #[test]
    fn a_name_is_looked_up_once_then_reused() {
        let resolver = CachingResolver::new(Counting::default());
        let lookups = || resolver.inner.0.load(Ordering::SeqCst);
        let first = resolve(&resolver, "https://vpc.api.qcloud.com/v2/index.php");
        assert_eq!(first, vec!["192.0.2.1:443".parse().expect("an address")]);
        assert_eq!(
            resolve(&resolver, "https://vpc.api.qcloud.com/v2/index.php"),
            first
        );
        assert_eq!(lookups(), 1);
        // Another port or another name is another lookup.
        resolve(&resolver, "https://vpc.api.qcloud.com:8443/");
        resolve(&resolver, "https://cvm.api.qcloud.com/");
        assert_eq!(lookups(), 3);
    }

    #[test]
    fn an_expired_name_is_looked_up_again() {
        let resolver = CachingResolver::new(Counting::default());
        resolve(&resolver, "https://vpc.api.qcloud.com/");
        let mut last = resolver.last.lock().expect("not poisoned");
        if let Some(c) = last.as_mut() {
            c.at = Instant::now()
                .checked_sub(NAME_TTL)
                .expect("the clock is past NAME_TTL");
        }
        drop(last);
        resolve(&resolver, "https://vpc.api.qcloud.com/");
        assert_eq!(resolver.inner.0.load(Ordering::SeqCst), 2);
    }
}
