//! The network half of the default chain: the CVM instance role, then TKE's OIDC
//! identity, tried when a call first needs credentials (not when the client is
//! built, which does no I/O). The first that answers is kept for every refresh.

use std::sync::{Arc, Mutex};

use super::{Fetch, FetchContext, ProvideCredentials, SharedProvider, Step};
use crate::{Error, HttpResponse, TransportError};

/// CVM role, then TKE OIDC, after the static sources (explicit, environment,
/// profile) gave nothing; a failure lists every source and why it gave nothing.
#[derive(Debug)]
pub struct DefaultChain {
    /// Why each static source gave nothing.
    tried_before: Vec<String>,
    /// The providers to try, or why one is not configured.
    links: Vec<Result<SharedProvider, String>>,
    winner: Arc<Mutex<Option<SharedProvider>>>,
}

impl DefaultChain {
    /// `links` in order, each a provider or why it is not configured (e.g.
    /// `TKE OIDC: TKE_PROVIDER_ID not set`), after the static sources' `tried_before`.
    pub fn new(tried_before: Vec<String>, links: Vec<Result<SharedProvider, String>>) -> Self {
        Self {
            tried_before,
            links,
            winner: Arc::default(),
        }
    }

    fn winner(&self) -> Option<SharedProvider> {
        self.winner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl ProvideCredentials for DefaultChain {
    fn name(&self) -> String {
        match self.winner() {
            Some(provider) => provider.name(),
            None => "the default chain (CVM role, then TKE OIDC)".to_owned(),
        }
    }

    fn fetch(&self) -> Box<dyn Fetch> {
        if let Some(provider) = self.winner() {
            return provider.fetch();
        }
        Box::new(ChainFetch {
            tried: self.tried_before.clone(),
            links: self.links.clone(),
            next: 0,
            current: None,
            winner: self.winner.clone(),
        })
    }
}

struct ChainFetch {
    tried: Vec<String>,
    links: Vec<Result<SharedProvider, String>>,
    next: usize,
    current: Option<(SharedProvider, Box<dyn Fetch>)>,
    winner: Arc<Mutex<Option<SharedProvider>>>,
}

impl Fetch for ChainFetch {
    fn step(
        &mut self,
        ctx: &FetchContext<'_>,
        mut answer: Option<Result<HttpResponse, TransportError>>,
    ) -> Step {
        // Bounded: each pass either returns or moves to the next link.
        loop {
            if let Some((provider, fetch)) = &mut self.current {
                match fetch.step(ctx, answer.take()) {
                    Step::Send(request) => return Step::Send(request),
                    Step::Done(Ok(credentials)) => {
                        *self.winner.lock().unwrap_or_else(|p| p.into_inner()) =
                            Some(provider.clone());
                        return Step::Done(Ok(credentials));
                    }
                    Step::Done(Err(e)) => {
                        self.tried.push(e.to_string());
                        self.current = None;
                    }
                }
            }
            let Some(link) = self.links.get(self.next) else {
                return Step::Done(Err(Error::Credentials {
                    tried: std::mem::take(&mut self.tried),
                }));
            };
            self.next += 1;
            match link {
                Ok(provider) => self.current = Some((provider.clone(), provider.fetch())),
                Err(reason) => self.tried.push(reason.clone()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::NoEnvironment;
    use crate::provider::CvmRole;

    #[test]
    fn tries_each_link_names_every_source_and_keeps_the_winner() {
        let cvm: SharedProvider = Arc::new(CvmRole::new("http://m").unwrap());
        let chain = DefaultChain::new(
            vec!["environment: not set".into()],
            vec![Ok(cvm), Err("TKE OIDC: TKE_PROVIDER_ID not set".into())],
        );
        let ctx = FetchContext {
            timestamp: 0,
            nonce: 1,
            env: &NoEnvironment,
        };
        let mut fetch = chain.fetch();
        let Step::Send(_) = fetch.step(&ctx, None) else {
            panic!()
        };
        let Step::Done(Err(e)) = fetch.step(&ctx, Some(Ok(HttpResponse::new(404, "")))) else {
            panic!()
        };
        let text = e.to_string();
        for fragment in [
            "no credentials found",
            "environment: not set",
            "CVM role (metadata http://m): no role is bound to this instance",
            "TKE OIDC: TKE_PROVIDER_ID not set",
        ] {
            assert!(text.contains(fragment), "{text} lacks {fragment}");
        }
        // Bound now: the role wins and is kept.
        let mut fetch = chain.fetch();
        let Step::Send(_) = fetch.step(&ctx, None) else {
            panic!()
        };
        let Step::Send(_) = fetch.step(&ctx, Some(Ok(HttpResponse::new(200, "app")))) else {
            panic!()
        };
        let good = r#"{"Code":"Success","TmpSecretId":"AKIDtmp","TmpSecretKey":"k","Token":"t","ExpiredTime":99}"#;
        let Step::Done(Ok(_)) = fetch.step(&ctx, Some(Ok(HttpResponse::new(200, good)))) else {
            panic!()
        };
        assert_eq!(chain.name(), "CVM role `app` (metadata http://m)");
    }
}
