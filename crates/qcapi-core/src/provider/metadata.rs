//! The CVM instance role, through the instance's metadata service: the role's
//! name from `…/cam/security-credentials/`, then its credentials from
//! `…/security-credentials/<role>`.

use std::sync::{Arc, Mutex};

use super::{
    Fetch, FetchContext, ProvideCredentials, ProviderError, ProviderFailure, Step, answer_of,
};
use crate::http::Route;
use crate::{Endpoint, Error, HttpMethod, HttpRequest, HttpResponse, TransportError};

/// Where the metadata service lists the bound role and serves its credentials.
pub const SECURITY_CREDENTIALS_PATH: &str = "/latest/meta-data/cam/security-credentials/";

/// Credentials of the role bound to this CVM instance, from its metadata service.
///
/// The role's name is asked once and remembered, so a refresh is one request; if
/// the role is unbound or replaced (its credentials answer 404), it is asked again.
#[derive(Debug)]
pub struct CvmRole {
    endpoint: Endpoint,
    role: Arc<Mutex<Option<String>>>,
}

impl CvmRole {
    /// The role of the instance whose metadata service is at `metadata_endpoint`
    /// (`http://metadata.tencentyun.com` on Tencent Cloud; see
    /// [`DEFAULT_METADATA_ENDPOINT`](super::DEFAULT_METADATA_ENDPOINT)).
    pub fn new(metadata_endpoint: &str) -> Result<Self, Error> {
        let endpoint = Endpoint::parse_with(metadata_endpoint, "", "metadata_endpoint")?;
        Ok(Self {
            endpoint,
            role: Arc::default(),
        })
    }

    /// Uses role `name` without asking the metadata service which one is bound.
    pub fn with_role(self, name: impl Into<String>) -> Self {
        *self.role.lock().unwrap_or_else(|p| p.into_inner()) = Some(name.into());
        self
    }

    fn base(&self) -> String {
        self.endpoint.base_url().trim_end_matches('/').to_owned()
    }
}

impl ProvideCredentials for CvmRole {
    fn name(&self) -> String {
        match &*self.role.lock().unwrap_or_else(|p| p.into_inner()) {
            Some(role) => format!("CVM role `{role}` (metadata {})", self.base()),
            None => format!("CVM role (metadata {})", self.base()),
        }
    }

    fn fetch(&self) -> Box<dyn Fetch> {
        Box::new(CvmRoleFetch {
            name: self.name(),
            base: self.base(),
            role: self.role.clone(),
            state: State::Start,
        })
    }
}

enum State {
    Start,
    /// Asked which role is bound.
    AwaitingRole,
    /// Asked for `role`'s credentials; `remembered` when the name was not asked this time.
    AwaitingCredentials {
        role: String,
        remembered: bool,
    },
    Over,
}

struct CvmRoleFetch {
    name: String,
    base: String,
    role: Arc<Mutex<Option<String>>>,
    state: State,
}

impl CvmRoleFetch {
    fn get(&self, path: &str) -> Step {
        Step::Send(HttpRequest::unsigned(
            HttpMethod::Get,
            Route::Metadata,
            format!("{}{SECURITY_CREDENTIALS_PATH}{path}", self.base),
            Vec::new(),
            Vec::new(),
        ))
    }

    fn fail(&mut self, failure: ProviderFailure) -> Step {
        self.state = State::Over;
        Step::Done(Err(ProviderError::new(self.name.clone(), failure).into()))
    }

    fn remembered_role(&self) -> Option<String> {
        self.role.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn remember(&self, role: Option<String>) {
        *self.role.lock().unwrap_or_else(|p| p.into_inner()) = role;
    }

    fn ask_role(&mut self) -> Step {
        self.state = State::AwaitingRole;
        self.get("")
    }

    fn ask_credentials(&mut self, role: String, remembered: bool) -> Step {
        let step = self.get(&role);
        self.state = State::AwaitingCredentials { role, remembered };
        step
    }
}

/// What the answer to a role or credentials request is, past its transport.
fn read(
    name: &str,
    answer: Option<Result<HttpResponse, TransportError>>,
) -> Result<HttpResponse, ProviderFailure> {
    match answer_of(name, answer) {
        Ok(response) if response.status == 200 || response.status == 404 => Ok(response),
        Ok(response) => Err(ProviderFailure::HttpStatus {
            status: response.status,
            body: String::from_utf8_lossy(&response.body).into_owned().into(),
        }),
        Err(e) => Err(e.failure().clone()),
    }
}

impl Fetch for CvmRoleFetch {
    fn step(
        &mut self,
        _: &FetchContext<'_>,
        answer: Option<Result<HttpResponse, TransportError>>,
    ) -> Step {
        match std::mem::replace(&mut self.state, State::Over) {
            State::Start => match self.remembered_role() {
                Some(role) => self.ask_credentials(role, true),
                None => self.ask_role(),
            },
            State::AwaitingRole => {
                let response = match read(&self.name, answer) {
                    Ok(r) => r,
                    Err(failure) => return self.fail(failure),
                };
                if response.status == 404 {
                    return self.fail(ProviderFailure::NoRoleBound);
                }
                let text = String::from_utf8_lossy(&response.body);
                let role = text.lines().map(str::trim).find(|l| !l.is_empty());
                match role {
                    Some(role) if is_role_name(role) => {
                        let role = role.to_owned();
                        self.remember(Some(role.clone()));
                        self.name = format!("CVM role `{role}` (metadata {})", self.base);
                        self.ask_credentials(role, false)
                    }
                    _ => self.fail(ProviderFailure::Decode {
                        reason: "the role list names no valid role".into(),
                        body: text.into_owned().into(),
                    }),
                }
            }
            State::AwaitingCredentials { role, remembered } => {
                let response = match read(&self.name, answer) {
                    Ok(r) => r,
                    Err(failure) => return self.fail(failure),
                };
                if response.status == 404 {
                    if remembered {
                        // Unbound or replaced since it was remembered: ask again, once.
                        self.remember(None);
                        return self.ask_role();
                    }
                    return self.fail(ProviderFailure::NoRoleBound);
                }
                let body = String::from_utf8_lossy(&response.body).into_owned();
                let decode = |reason: String| ProviderFailure::Decode {
                    reason,
                    body: body.clone().into(),
                };
                let object = match serde_json::from_str::<serde_json::Value>(&body) {
                    Ok(serde_json::Value::Object(o)) => o,
                    Ok(_) => return self.fail(decode("not a JSON object".into())),
                    Err(e) => return self.fail(decode(e.to_string())),
                };
                match object.get("Code").and_then(serde_json::Value::as_str) {
                    Some("Success") => {}
                    code => {
                        let code = code.unwrap_or("(none)").to_owned();
                        return self.fail(ProviderFailure::Metadata { code });
                    }
                }
                let _ = role;
                match super::temporary_credentials(&object, &object) {
                    Ok(credentials) => Step::Done(Ok(credentials)),
                    Err(reason) => self.fail(decode(reason)),
                }
            }
            State::Over => self.fail(ProviderFailure::Unavailable("the fetch is over".into())),
        }
    }
}

/// CAM role names (anything else in the answer would change the path asked next).
fn is_role_name(name: &str) -> bool {
    super::is_cam_name(name, 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::NoEnvironment;

    const CTX: FetchContext<'static> = FetchContext {
        timestamp: 0,
        nonce: 1,
        env: &NoEnvironment,
    };
    const GOOD: &str = r#"{"TmpSecretId":"AKIDtmp","TmpSecretKey":"tmp-key","Token":"tmp-token","ExpiredTime":7200,"Expiration":"1970-01-01T02:00:00Z","Code":"Success"}"#;

    /// Runs a fetch over scripted answers; the URLs asked, and the outcome's text.
    fn run(role: &CvmRole, answers: &[(u16, &str)]) -> (Vec<String>, Result<String, String>) {
        let mut fetch = role.fetch();
        let mut asked = Vec::new();
        let mut answers = answers.iter();
        let mut answer = None;
        for _ in 0..8 {
            match fetch.step(&CTX, answer.take()) {
                Step::Send(request) => {
                    assert_eq!(request.route(), Route::Metadata);
                    asked.push(request.url().to_owned());
                    answer = Some(match answers.next() {
                        Some(&(0, _)) => Err(TransportError::new(
                            crate::TransportErrorKind::Connect,
                            "connection refused",
                        )),
                        Some(&(status, body)) => Ok(HttpResponse::new(status, body)),
                        None => panic!("asked more than scripted: {asked:?}"),
                    });
                }
                Step::Done(outcome) => {
                    let outcome = outcome
                        .map(|c| format!("{} {:?}", c.secret_id(), c.expires_at()))
                        .map_err(|e| e.to_string());
                    return (asked, outcome);
                }
            }
        }
        panic!("no end after 8 steps");
    }

    #[test]
    fn fetches() {
        let base = "http://m/latest/meta-data/cam/security-credentials/";
        let role = || CvmRole::new("http://m").unwrap();
        let check = |role: &CvmRole,
                     answers: &[(u16, &str)],
                     urls: &[&str],
                     expected: Result<&str, &str>| {
            let (asked, outcome) = run(role, answers);
            let urls: Vec<String> = urls.iter().map(|u| format!("{base}{u}")).collect();
            assert_eq!(asked, urls);
            match (outcome, expected) {
                (Ok(got), Ok(want)) => assert_eq!(got, want),
                (Err(got), Err(want)) => assert!(got.contains(want), "{got} lacks {want}"),
                (got, want) => panic!("got {got:?}, want {want:?}"),
            }
        };
        let r = role();
        check(
            &r,
            &[(200, "app\n"), (200, GOOD)],
            &["", "app"],
            Ok("AKIDtmp Some(7200)"),
        );
        // Remembered: a refresh is one request.
        check(&r, &[(200, GOOD)], &["app"], Ok("AKIDtmp Some(7200)"));
        // Replaced: asked again once.
        check(
            &r,
            &[(404, ""), (200, "other"), (200, GOOD)],
            &["app", "", "other"],
            Ok("AKIDtmp Some(7200)"),
        );
        check(
            &role(),
            &[(404, "")],
            &[""],
            Err("no role is bound to this instance"),
        );
        check(
            &role(),
            &[(0, "")],
            &[""],
            Err("CVM role (metadata http://m): connect error: connection refused"),
        );
        check(&role(), &[(500, "oops")], &[""], Err("HTTP status 500"));
        check(
            &role(),
            &[(200, "../../x")],
            &[""],
            Err("names no valid role"),
        );
        check(
            &role(),
            &[(200, "app"), (200, r#"{"Code":"Failed"}"#)],
            &["", "app"],
            Err("Code `Failed`"),
        );
        check(
            &role(),
            &[(200, "app"), (200, r#"{"TmpSecretId":"a"}"#)],
            &["", "app"],
            Err("Code `(none)`"),
        );
        check(
            &role(),
            &[(200, "app"), (200, "<html>")],
            &["", "app"],
            Err("unreadable answer"),
        );
        check(
            &role(),
            &[
                (200, "app"),
                (
                    200,
                    r#"{"Code":"Success","TmpSecretId":"a","TmpSecretKey":"b","Token":"c","Expiration":"1970-01-01T00:10:00Z"}"#,
                ),
            ],
            &["", "app"],
            Ok("a Some(600)"),
        );
        check(
            &CvmRole::new("http://m/").unwrap().with_role("fixed"),
            &[(200, GOOD)],
            &["fixed"],
            Ok("AKIDtmp Some(7200)"),
        );
    }

    #[test]
    fn errors_never_show_the_answered_secrets() {
        let body = r#"{"Code":"Success","TmpSecretId":"AKIDtmp","TmpSecretKey":"tmp-key","Token":"tmp-token"}"#;
        let (_, outcome) = run(
            &CvmRole::new("http://m").unwrap(),
            &[(200, "app"), (200, body)],
        );
        let err = outcome.unwrap_err();
        assert!(err.contains("no `ExpiredTime`"), "{err}");
        assert!(
            !err.contains("tmp-key") && !err.contains("tmp-token"),
            "{err}"
        );
    }
}
