//! STS: `AssumeRole`, signed with base credentials, and TKE's
//! `AssumeRoleWithWebIdentity`, unsigned, with an OIDC token from a file. Both
//! answer API 3.0's envelope, read here once.

use std::path::PathBuf;
use std::time::Duration;

use super::{
    Fetch, FetchContext, ProvideCredentials, ProviderError, ProviderFailure, SharedProvider, Step,
    answer_of,
};
use crate::chain::Environment;
use crate::http::Route;
use crate::{
    Credentials, Endpoint, Error, HttpMethod, HttpRequest, HttpResponse, SignatureMethod,
    TransportError,
};

/// STS's API version for both actions.
pub const STS_VERSION: &str = "2018-08-13";

/// API 3.0 region names for the legacy API's short ones, so a client configured
/// with `gz` can send STS a `Region` it knows. Others are sent as they are.
const REGIONS: &[(&str, &str)] = &[
    ("bj", "ap-beijing"),
    ("sh", "ap-shanghai"),
    ("gz", "ap-guangzhou"),
    ("cd", "ap-chengdu"),
    ("cq", "ap-chongqing"),
    ("hk", "ap-hongkong"),
    ("sg", "ap-singapore"),
    ("ca", "na-toronto"),
    ("shjr", "ap-shanghai-fsi"),
    ("szjr", "ap-shenzhen-fsi"),
];

/// The region STS is told when the configuration names none.
pub const DEFAULT_STS_REGION: &str = "ap-guangzhou";

/// `region` in API 3.0's form (`gz` → `ap-guangzhou`).
pub fn sts_region(region: &str) -> &str {
    REGIONS
        .iter()
        .find(|(short, _)| *short == region)
        .map_or(region, |(_, long)| long)
}

fn sts_endpoint(url: &str) -> Result<Endpoint, Error> {
    Endpoint::parse_with(url, "/", "sts_endpoint")
}

fn check_duration(duration: Duration) -> Result<u64, Error> {
    let seconds = duration.as_secs();
    if seconds == 0 || duration > super::MAX_ROLE_DURATION {
        return Err(Error::invalid_input(
            "DurationSeconds",
            "must be from 1 to 43200 seconds (12 hours)",
        ));
    }
    Ok(seconds)
}

pub(crate) fn check_session_name(name: &str) -> Result<(), Error> {
    if super::is_cam_name(name, 2) {
        Ok(())
    } else {
        Err(Error::invalid_input(
            "RoleSessionName",
            "must be 2 to 128 of letters, digits and +=,.@_-",
        ))
    }
}

pub(crate) fn check_arn(arn: &str) -> Result<(), Error> {
    if arn.trim().is_empty() || arn.chars().any(char::is_control) {
        return Err(Error::invalid_input(
            "RoleArn",
            "must be a role ARN such as qcs::cam::uin/100000000001:roleName/app",
        ));
    }
    Ok(())
}

/// The session name sent when none is set: `qcapi-<UNIX time>`.
fn default_session_name(timestamp: u64) -> String {
    format!("qcapi-{timestamp}")
}

/// What both STS providers ask for: where, which role, which session, how long.
#[derive(Debug, Clone)]
struct RoleRequest {
    endpoint: Endpoint,
    role_arn: String,
    session_name: Option<String>,
    duration: u64,
}

impl RoleRequest {
    /// `role_arn` at the default STS endpoint, for two hours, session `qcapi-<time>`.
    fn new(role_arn: String) -> Result<Self, Error> {
        check_arn(&role_arn)?;
        Ok(Self {
            endpoint: sts_endpoint(super::DEFAULT_STS_ENDPOINT)?,
            role_arn,
            session_name: None,
            duration: super::DEFAULT_ROLE_DURATION.as_secs(),
        })
    }

    /// The session name of a request made at `timestamp`.
    fn session(&self, timestamp: u64) -> String {
        self.session_name
            .clone()
            .unwrap_or_else(|| default_session_name(timestamp))
    }

    /// `<action> <role> (at <endpoint>)`, a provider's name.
    fn describe(&self, action: &str) -> String {
        format!(
            "{action} {} (at {})",
            self.role_arn,
            self.endpoint.base_url()
        )
    }
}

/// The setters both STS providers share, over their `role: RoleRequest`.
macro_rules! role_setters {
    () => {
        /// Another STS endpoint, as a full URL (path `/` unless it names one).
        pub fn endpoint(mut self, url: &str) -> Result<Self, Error> {
            self.role.endpoint = sts_endpoint(url)?;
            Ok(self)
        }

        /// The `RoleSessionName`: 2 to 128 of letters, digits and `+=,.@_-`.
        pub fn session_name(mut self, name: impl Into<String>) -> Result<Self, Error> {
            let name = name.into();
            check_session_name(&name)?;
            self.role.session_name = Some(name);
            Ok(self)
        }

        /// How long the credentials last (`DurationSeconds`): up to 12 hours.
        pub fn duration(mut self, duration: Duration) -> Result<Self, Error> {
            self.role.duration = check_duration(duration)?;
            Ok(self)
        }
    };
}

/// Credentials of a role, assumed through STS `AssumeRole` with the credentials of
/// `base` (long-term keys from a profile, or another provider's).
///
/// The request is a form POST to the STS endpoint's path `/`, signed with
/// HmacSHA256 by qcapi's legacy signer (API 3.0 accepts this signature for form
/// requests). `Policy` is sent as given (STS expects it URL-encoded).
#[derive(Debug, Clone)]
pub struct AssumeRole {
    base: SharedProvider,
    role: RoleRequest,
    region: String,
    policy: Option<String>,
    external_id: Option<String>,
}

impl AssumeRole {
    /// Assumes `role_arn` with `base`'s credentials, at the default STS endpoint, for
    /// two hours, with session name `qcapi-<time>`.
    pub fn new(base: SharedProvider, role_arn: impl Into<String>) -> Result<Self, Error> {
        Ok(Self {
            base,
            role: RoleRequest::new(role_arn.into())?,
            region: DEFAULT_STS_REGION.to_owned(),
            policy: None,
            external_id: None,
        })
    }

    role_setters!();

    /// The `Region` sent to STS; legacy short names are translated (`gz` → `ap-guangzhou`).
    pub fn region(mut self, region: &str) -> Self {
        self.region = sts_region(region).to_owned();
        self
    }

    /// A policy narrowing the role's permissions for this session.
    pub fn policy(mut self, policy: impl Into<String>) -> Self {
        self.policy = Some(policy.into());
        self
    }

    /// The `ExternalId` the role's trust policy requires.
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into());
        self
    }

    /// The request for the role, signed with `base`'s credentials at `ctx`'s time.
    fn request(&self, base: &Credentials, ctx: &FetchContext<'_>) -> HttpRequest {
        let session = self.role.session(ctx.timestamp);
        let (duration, timestamp, nonce) = (
            self.role.duration.to_string(),
            ctx.timestamp.to_string(),
            ctx.nonce.to_string(),
        );
        let mut pairs: Vec<(&str, &str)> = vec![
            ("Action", "AssumeRole"),
            ("Version", STS_VERSION),
            ("Region", &self.region),
            ("RoleArn", &self.role.role_arn),
            ("RoleSessionName", &session),
            ("DurationSeconds", &duration),
            ("Timestamp", &timestamp),
            ("Nonce", &nonce),
            ("SecretId", base.secret_id()),
            ("SignatureMethod", SignatureMethod::HmacSha256.as_str()),
        ];
        if let Some(policy) = &self.policy {
            pairs.push(("Policy", policy));
        }
        if let Some(id) = &self.external_id {
            pairs.push(("ExternalId", id));
        }
        if let Some(token) = base.token().filter(|t| !t.expose().is_empty()) {
            pairs.push(("Token", token.expose()));
        }
        crate::request::assemble(
            &pairs,
            &self.role.endpoint,
            base.signing_key(),
            SignatureMethod::HmacSha256,
            HttpMethod::Post,
        )
        .0
        .into_http()
    }
}

impl ProvideCredentials for AssumeRole {
    fn name(&self) -> String {
        self.role.describe("STS AssumeRole")
    }

    fn fetch(&self) -> Box<dyn Fetch> {
        Box::new(AssumeRoleFetch {
            role: self.clone(),
            base: Some(self.base.fetch()),
            asked: false,
        })
    }
}

struct AssumeRoleFetch {
    role: AssumeRole,
    /// The base credentials' fetch, until it is over.
    base: Option<Box<dyn Fetch>>,
    asked: bool,
}

impl Fetch for AssumeRoleFetch {
    fn step(
        &mut self,
        ctx: &FetchContext<'_>,
        answer: Option<Result<HttpResponse, TransportError>>,
    ) -> Step {
        if let Some(base) = &mut self.base {
            return match base.step(ctx, answer) {
                Step::Send(request) => Step::Send(request),
                Step::Done(Err(e)) => {
                    self.base = None;
                    Step::Done(Err(e))
                }
                Step::Done(Ok(credentials)) => {
                    self.base = None;
                    self.asked = true;
                    Step::Send(self.role.request(&credentials, ctx))
                }
            };
        }
        if !self.asked {
            return Step::Done(Err(ProviderError::new(
                self.role.name(),
                ProviderFailure::Unavailable("the fetch is over".into()),
            )
            .into()));
        }
        self.asked = false;
        Step::Done(read_sts_answer(&self.role.name(), answer))
    }
}

/// Credentials of a role assumed with an OIDC token (TKE's pod identity): STS
/// `AssumeRoleWithWebIdentity`, unsigned (`Authorization: SKIP`), its parameters in
/// `X-TC-*` headers and a JSON body. The token file is read on every refresh, since
/// TKE rotates it.
#[derive(Debug, Clone)]
pub struct WebIdentity {
    role: RoleRequest,
    region: String,
    provider_id: String,
    token_file: PathBuf,
}

impl WebIdentity {
    /// Assumes `role_arn` as identity provider `provider_id`'s user, whose token is in
    /// `token_file`, telling STS `region`.
    pub fn new(
        provider_id: impl Into<String>,
        token_file: impl Into<PathBuf>,
        role_arn: impl Into<String>,
        region: &str,
    ) -> Result<Self, Error> {
        Ok(Self {
            role: RoleRequest::new(role_arn.into())?,
            region: sts_region(region).to_owned(),
            provider_id: provider_id.into(),
            token_file: token_file.into(),
        })
    }

    /// From `TKE_PROVIDER_ID`, `TKE_WEB_IDENTITY_TOKEN_FILE`, `TKE_ROLE_ARN` and
    /// `TKE_REGION`; `Err` says which are not set.
    pub fn from_env(env: &dyn Environment) -> Result<Self, String> {
        let names = [
            super::ENV_TKE_PROVIDER_ID,
            super::ENV_TKE_WEB_IDENTITY_TOKEN_FILE,
            super::ENV_TKE_ROLE_ARN,
            super::ENV_TKE_REGION,
        ];
        let values: Vec<Option<String>> = names
            .iter()
            .map(|n| {
                env.var(n)
                    .map(|v| v.trim().to_owned())
                    .filter(|v| !v.is_empty())
            })
            .collect();
        let missing: Vec<&str> = names
            .iter()
            .zip(&values)
            .filter(|(_, v)| v.is_none())
            .map(|(n, _)| *n)
            .collect();
        if !missing.is_empty() {
            return Err(format!("{} not set", missing.join(", ")));
        }
        let [Some(id), Some(file), Some(arn), Some(region)] =
            <[_; 4]>::try_from(values).unwrap_or([None, None, None, None])
        else {
            return Err("not configured".into());
        };
        Self::new(id, file, arn, &region).map_err(|e| e.to_string())
    }

    role_setters!();

    fn request(&self, ctx: &FetchContext<'_>) -> Result<HttpRequest, ProviderFailure> {
        let token = ctx.env.read_file(&self.token_file).map_err(|e| {
            ProviderFailure::Unavailable(format!(
                "cannot read the web identity token file {}: {}",
                self.token_file.display(),
                e.kind()
            ))
        })?;
        let token = token.trim();
        if token.is_empty() {
            return Err(ProviderFailure::Unavailable(format!(
                "the web identity token file {} is empty",
                self.token_file.display()
            )));
        }
        let session = self.role.session(ctx.timestamp);
        let body = serde_json::json!({
            "ProviderId": self.provider_id,
            "WebIdentityToken": token,
            "RoleArn": self.role.role_arn,
            "RoleSessionName": session,
            "DurationSeconds": self.role.duration,
        });
        Ok(HttpRequest::unsigned(
            HttpMethod::Post,
            Route::Api,
            self.role.endpoint.base_url().to_owned(),
            vec![
                ("Authorization", "SKIP".to_owned()),
                ("Content-Type", "application/json".to_owned()),
                ("X-TC-Action", "AssumeRoleWithWebIdentity".to_owned()),
                ("X-TC-Version", STS_VERSION.to_owned()),
                ("X-TC-Region", self.region.clone()),
                ("X-TC-Timestamp", ctx.timestamp.to_string()),
            ],
            body.to_string().into_bytes(),
        ))
    }
}

impl ProvideCredentials for WebIdentity {
    fn name(&self) -> String {
        self.role.describe("TKE OIDC AssumeRoleWithWebIdentity")
    }

    fn fetch(&self) -> Box<dyn Fetch> {
        Box::new(WebIdentityFetch {
            identity: self.clone(),
            asked: false,
        })
    }
}

struct WebIdentityFetch {
    identity: WebIdentity,
    asked: bool,
}

impl Fetch for WebIdentityFetch {
    fn step(
        &mut self,
        ctx: &FetchContext<'_>,
        answer: Option<Result<HttpResponse, TransportError>>,
    ) -> Step {
        let name = self.identity.name();
        if std::mem::replace(&mut self.asked, true) {
            return Step::Done(read_sts_answer(&name, answer));
        }
        match self.identity.request(ctx) {
            Ok(request) => Step::Send(request),
            Err(failure) => Step::Done(Err(ProviderError::new(name, failure).into())),
        }
    }
}

/// Reads STS's answer: `Response.Credentials` with `ExpiredTime`, or `Response.Error`.
fn read_sts_answer(
    name: &str,
    answer: Option<Result<HttpResponse, TransportError>>,
) -> Result<Credentials, Error> {
    let response = answer_of(name, answer)?;
    let fail = |failure| Err(ProviderError::new(name, failure).into());
    let body = String::from_utf8_lossy(&response.body).into_owned();
    let envelope = serde_json::from_str::<serde_json::Value>(&body).ok();
    let Some(serde_json::Value::Object(inner)) =
        envelope.and_then(|mut v| v.get_mut("Response").map(serde_json::Value::take))
    else {
        return fail(if response.status == 200 {
            ProviderFailure::Decode {
                reason: "not an API 3.0 envelope ({\"Response\": {...}})".into(),
                body: body.into(),
            }
        } else {
            ProviderFailure::HttpStatus {
                status: response.status,
                body: body.into(),
            }
        });
    };
    let request_id = inner
        .get("RequestId")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);
    if let Some(error) = inner.get("Error") {
        let field = |n: &str| {
            error
                .get(n)
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        return fail(ProviderFailure::Sts {
            code: field("Code"),
            message: field("Message"),
            request_id,
        });
    }
    if response.status != 200 {
        return fail(ProviderFailure::HttpStatus {
            status: response.status,
            body: body.into(),
        });
    }
    let Some(serde_json::Value::Object(credentials)) = inner.get("Credentials") else {
        return fail(ProviderFailure::Decode {
            reason: "no `Response.Credentials`".into(),
            body: body.into(),
        });
    };
    super::temporary_credentials(credentials, &inner).or_else(|reason| {
        fail(ProviderFailure::Decode {
            reason,
            body: body.into(),
        })
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;
    use std::sync::Arc;

    use super::*;
    use crate::provider::StaticCredentials;

    struct Files(
        HashMap<PathBuf, String>,
        HashMap<&'static str, &'static str>,
    );
    impl Environment for Files {
        fn var(&self, name: &str) -> Option<String> {
            self.1.get(name).map(|v| v.to_string())
        }
        fn read_file(&self, path: &Path) -> std::io::Result<String> {
            self.0
                .get(path)
                .cloned()
                .ok_or_else(|| std::io::ErrorKind::NotFound.into())
        }
        fn home_dir(&self) -> Option<PathBuf> {
            None
        }
    }

    const ARN: &str = "qcs::cam::uin/100000000001:roleName/app";

    fn base() -> SharedProvider {
        Arc::new(StaticCredentials::new(
            Credentials::new("AKIDbase0000001", "base-key").with_token("base-token"),
            "profile default",
        ))
    }

    /// Runs one fetch: the request it sent, and the outcome of answering it `status`, `body`.
    fn run(
        provider: &dyn ProvideCredentials,
        env: &dyn Environment,
        status: u16,
        body: &str,
    ) -> (HttpRequest, Result<Credentials, Error>) {
        let ctx = FetchContext {
            timestamp: 1_700_000_000,
            nonce: 42,
            env,
        };
        let mut fetch = provider.fetch();
        let Step::Send(request) = fetch.step(&ctx, None) else {
            panic!("sent nothing")
        };
        let Step::Done(outcome) = fetch.step(&ctx, Some(Ok(HttpResponse::new(status, body))))
        else {
            panic!("asked twice")
        };
        (request, outcome)
    }

    const ANSWER: &str = r#"{"Response":{"Credentials":{"Token":"sts-token","TmpSecretId":"AKIDsts","TmpSecretKey":"sts-key"},"ExpiredTime":1700007200,"Expiration":"2023-11-15T00:13:20Z","RequestId":"r-1"}}"#;

    #[test]
    fn assume_role_signs_a_form_over_the_sts_root() {
        let role = AssumeRole::new(base(), ARN)
            .unwrap()
            .endpoint("http://127.0.0.1:9/")
            .unwrap()
            .session_name("ci-run")
            .unwrap()
            .region("gz")
            .external_id("ext");
        let (request, outcome) = run(&role, &crate::chain::NoEnvironment, 200, ANSWER);
        assert_eq!(request.url(), "http://127.0.0.1:9/");
        assert_eq!(request.method(), HttpMethod::Post);
        let body = String::from_utf8(request.body().to_vec()).unwrap();
        let pairs: HashMap<String, String> = form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        let expected_sts = format!(
            "POST127.0.0.1:9/?Action=AssumeRole&DurationSeconds=7200&ExternalId=ext&Nonce=42&Region=ap-guangzhou&RoleArn={ARN}&RoleSessionName=ci-run&SecretId=AKIDbase0000001&SignatureMethod=HmacSHA256&Timestamp=1700000000&Token=base-token&Version=2018-08-13"
        );
        assert_eq!(
            pairs["Signature"],
            crate::sign::sign("base-key", SignatureMethod::HmacSha256, &expected_sts)
        );
        let credentials = outcome.unwrap();
        assert_eq!(credentials.secret_id(), "AKIDsts");
        assert_eq!(credentials.token().unwrap().expose(), "sts-token");
        assert_eq!(credentials.expires_at(), Some(1_700_007_200));
        let shown = format!("{request:?}");
        assert!(
            !shown.contains("base-token") && !shown.contains("base-key"),
            "{shown}"
        );
    }

    #[test]
    fn providers_show_no_secret_in_debug() {
        let role = AssumeRole::new(base(), ARN)
            .unwrap()
            .policy("p")
            .external_id("e");
        let identity = WebIdentity::new("oidc", "/var/run/token", ARN, "gz").unwrap();
        let shown = format!(
            "{role:?} {identity:?} {:?}",
            role.fetch().step(
                &FetchContext {
                    timestamp: 1,
                    nonce: 1,
                    env: &crate::chain::NoEnvironment
                },
                None,
            )
        );
        assert!(shown.contains("AKID****0001"), "{shown}");
        for secret in ["base-key", "base-token"] {
            assert!(!shown.contains(secret), "{secret}: {shown}");
        }
    }

    #[test]
    fn sts_answers() {
        let role = AssumeRole::new(base(), ARN).unwrap();
        let check = |status: u16, body: &str, expected: &str| {
            let (_, outcome) = run(&role, &crate::chain::NoEnvironment, status, body);
            let text = match outcome {
                Ok(c) => format!("ok {}", c.secret_id()),
                Err(e) => e.to_string(),
            };
            assert!(text.contains(expected), "{text} lacks {expected}");
            assert!(
                !text.contains("sts-key") && !text.contains("sts-token"),
                "{text}"
            );
        };
        check(200, ANSWER, "ok AKIDsts");
        check(
            200,
            r#"{"Response":{"Error":{"Code":"ResourceNotFound.RoleNotExist","Message":"role does not exist"},"RequestId":"r-2"}}"#,
            "STS answered ResourceNotFound.RoleNotExist: role does not exist (RequestId r-2)",
        );
        check(502, "bad gateway", "HTTP status 502");
        check(200, "[]", "not an API 3.0 envelope");
        check(
            200,
            r#"{"Response":{"RequestId":"x"}}"#,
            "no `Response.Credentials`",
        );
        check(
            200,
            r#"{"Response":{"Credentials":{"TmpSecretId":"a","TmpSecretKey":"sts-key","Token":"sts-token"}}}"#,
            "no `ExpiredTime` or `Expiration`",
        );
        check(
            200,
            r#"{"Response":{"Credentials":{"TmpSecretId":"a","TmpSecretKey":"b","Token":"c"},"Expiration":"2023-11-15T00:13:20Z"}}"#,
            "ok a",
        );
    }

    #[test]
    fn settings_are_checked() {
        fn check(result: Result<AssumeRole, Error>, parameter: &str) {
            match result {
                Err(Error::InvalidInput { parameter: p, .. }) => assert_eq!(p, parameter),
                other => panic!("{other:?}"),
            }
        }
        check(AssumeRole::new(base(), " "), "RoleArn");
        check(
            AssumeRole::new(base(), ARN).unwrap().session_name("x"),
            "RoleSessionName",
        );
        check(
            AssumeRole::new(base(), ARN).unwrap().session_name("a b"),
            "RoleSessionName",
        );
        check(
            AssumeRole::new(base(), ARN)
                .unwrap()
                .duration(Duration::from_secs(43_201)),
            "DurationSeconds",
        );
        check(
            AssumeRole::new(base(), ARN)
                .unwrap()
                .endpoint("sts.example.com"),
            "sts_endpoint",
        );
        assert!(
            AssumeRole::new(base(), ARN)
                .unwrap()
                .duration(Duration::from_secs(43_200))
                .is_ok()
        );
        assert_eq!(sts_region("hk"), "ap-hongkong");
        assert_eq!(sts_region("ap-nanjing"), "ap-nanjing");
    }

    #[test]
    fn web_identity_reads_the_token_file_on_every_fetch() {
        let vars = HashMap::from([
            (super::super::ENV_TKE_PROVIDER_ID, "oidc-1"),
            (
                super::super::ENV_TKE_WEB_IDENTITY_TOKEN_FILE,
                "/var/run/token",
            ),
            (super::super::ENV_TKE_ROLE_ARN, ARN),
            (super::super::ENV_TKE_REGION, "ap-shanghai"),
        ]);
        let env = Files(
            HashMap::from([(PathBuf::from("/var/run/token"), "jwt-1\n".to_owned())]),
            vars.clone(),
        );
        let identity = WebIdentity::from_env(&env)
            .unwrap()
            .endpoint("http://127.0.0.1:9")
            .unwrap();
        let (request, outcome) = run(&identity, &env, 200, ANSWER);
        assert_eq!(outcome.unwrap().secret_id(), "AKIDsts");
        assert_eq!(request.url(), "http://127.0.0.1:9/");
        let headers: HashMap<&str, &str> = request
            .headers()
            .iter()
            .map(|(n, v)| (*n, v.as_str()))
            .collect();
        assert_eq!(headers["Authorization"], "SKIP");
        assert_eq!(headers["X-TC-Action"], "AssumeRoleWithWebIdentity");
        assert_eq!(headers["X-TC-Version"], "2018-08-13");
        assert_eq!(headers["X-TC-Region"], "ap-shanghai");
        assert_eq!(headers["X-TC-Timestamp"], "1700000000");
        let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
        assert_eq!(body["WebIdentityToken"], "jwt-1");
        assert_eq!(body["ProviderId"], "oidc-1");
        assert_eq!(body["RoleArn"], ARN);
        assert_eq!(body["RoleSessionName"], "qcapi-1700000000");
        assert_eq!(body["DurationSeconds"], 7200);
        assert!(!format!("{request:?}").contains("jwt-1"));
        // Rotated: the next fetch sends the new token.
        let rotated = Files(
            HashMap::from([(PathBuf::from("/var/run/token"), "jwt-2".to_owned())]),
            vars,
        );
        let (request, _) = run(&identity, &rotated, 200, ANSWER);
        let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
        assert_eq!(body["WebIdentityToken"], "jwt-2");
        // Unreadable: an error naming the file.
        let ctx = FetchContext {
            timestamp: 0,
            nonce: 1,
            env: &crate::chain::NoEnvironment,
        };
        let Step::Done(Err(e)) = identity.fetch().step(&ctx, None) else {
            panic!()
        };
        assert!(
            e.to_string()
                .contains("cannot read the web identity token file /var/run/token"),
            "{e}"
        );
        let missing = WebIdentity::from_env(&crate::chain::NoEnvironment).unwrap_err();
        assert_eq!(
            missing,
            "TKE_PROVIDER_ID, TKE_WEB_IDENTITY_TOKEN_FILE, TKE_ROLE_ARN, TKE_REGION not set"
        );
    }
}
