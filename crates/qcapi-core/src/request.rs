//! Building signed requests: a pure function of the action, the configuration, a timestamp and a nonce.

use crate::sign::{self, SigningKey};
use crate::{Action, Config, Credentials, Error, HttpMethod, HttpRequest, Params, SignedRequest};

/// The time and nonce of one request. Inputs, not lookups, so signatures are reproducible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignContext {
    /// UNIX time in seconds.
    pub timestamp: u64,
    /// A random positive integer, never reused within the service's replay window.
    pub nonce: u64,
}

impl SignContext {
    /// A context from a timestamp and a nonce.
    pub fn new(timestamp: u64, nonce: u64) -> Self {
        Self { timestamp, nonce }
    }
}

/// The parameters qcapi sets on every request (and `Signature`). `Region` is not
/// among them: an action may carry its own when the configuration has none.
const COMMON_PARAMS: &[&str] = &[
    "Action",
    "Timestamp",
    "Nonce",
    "SecretId",
    "SignatureMethod",
    "Token",
    "RequestClient",
    "Signature",
];

/// An action made ready to send: its own parameters written and validated once,
/// and the settings signing needs (endpoint, region, methods, `RequestClient`). Each
/// attempt then only adds the common parameters and signs ([`PreparedRequest::sign`]).
#[derive(Debug, Clone)]
pub struct PreparedRequest<'a> {
    action: &'a str,
    /// The action's parameters, without any common one qcapi sets itself.
    own: Params,
    endpoint: std::borrow::Cow<'a, crate::Endpoint>,
    region: Option<&'a str>,
    request_client: &'a str,
    signature_method: sign::SignatureMethod,
    http_method: HttpMethod,
}

/// Writes and validates `action`'s parameters against its spec, once per call.
pub fn prepare<'a>(
    action: &'a (impl Action + ?Sized),
    config: &'a Config,
) -> Result<PreparedRequest<'a>, Error> {
    let mut own = Params::new();
    action.write_params(&mut own);
    if let Some(spec) = action.spec() {
        spec.validate(&own)
            .map_err(|e| Error::invalid_input(e.parameter, e.reason))?;
    }
    let region = config.region.as_deref();
    // The common parameters are qcapi's to set: any the action wrote are dropped,
    // and its own `Region` only when the configuration sets one.
    // Every common name starts with a capital; action parameters rarely do.
    own.retain(|name| {
        !name.starts_with(|c: char| c.is_ascii_uppercase())
            || !(COMMON_PARAMS.contains(&name) || (name == "Region" && region.is_some()))
    });
    Ok(PreparedRequest {
        action: action.name(),
        own,
        endpoint: config.endpoints.for_service(action.service()),
        region,
        request_client: config.request_client(),
        signature_method: config.signature_method,
        http_method: config.http_method,
    })
}

impl PreparedRequest<'_> {
    /// The request of one attempt, signed with `credentials` at `ctx`'s time and nonce.
    pub fn sign(
        &self,
        credentials: &Credentials,
        ctx: SignContext,
    ) -> Result<SignedRequest, Error> {
        self.with_pairs(credentials, ctx, |pairs| {
            refuse_collision(assemble(
                pairs,
                &self.endpoint,
                credentials.signing_key(),
                self.signature_method,
                self.http_method,
            ))
        })?
    }

    /// Every parameter of one attempt, common ones included (no `Signature`).
    pub fn params(&self, credentials: &Credentials, ctx: SignContext) -> Result<Params, Error> {
        self.with_pairs(credentials, ctx, |pairs| pairs.iter().copied().collect())
    }

    /// The signed GET URL of one attempt, as the official SDK's `generateUrl` returns it.
    pub fn url(&self, credentials: &Credentials, ctx: SignContext) -> Result<String, Error> {
        self.with_pairs(credentials, ctx, |pairs| {
            refuse_collision(assemble(
                pairs,
                &self.endpoint,
                credentials.signing_key(),
                self.signature_method,
                HttpMethod::Get,
            ))
            .map(|r| r.http.url)
        })?
    }

    /// Hands `f` every parameter of the request as borrowed pairs: the action's own
    /// first, then the common ones, in a fixed order (so URLs are reproducible).
    fn with_pairs<R>(
        &self,
        credentials: &Credentials,
        ctx: SignContext,
        f: impl FnOnce(&[(&str, &str)]) -> R,
    ) -> Result<R, Error> {
        if ctx.nonce == 0 {
            return Err(Error::invalid_input("Nonce", "must be a positive integer"));
        }
        let (mut timestamp, mut nonce) = (itoa::Buffer::new(), itoa::Buffer::new());
        let mut pairs = Vec::with_capacity(self.own.len() + COMMON_PARAMS.len());
        pairs.extend(self.own.iter());
        pairs.push(("Action", self.action));
        if let Some(region) = self.region {
            pairs.push(("Region", region));
        }
        pairs.push(("Timestamp", timestamp.format(ctx.timestamp)));
        pairs.push(("Nonce", nonce.format(ctx.nonce)));
        pairs.push(("SecretId", credentials.secret_id()));
        pairs.push(("SignatureMethod", self.signature_method.as_str()));
        // An empty token is not a token: sending `Token=` would fail verification.
        if let Some(token) = credentials.token().filter(|t| !t.expose().is_empty()) {
            pairs.push(("Token", token.expose()));
        }
        pairs.push(("RequestClient", self.request_client));
        Ok(f(&pairs))
    }
}

/// The configuration's credentials, or the error that there are none.
fn configured(config: &Config) -> Result<&Credentials, Error> {
    config
        .credentials
        .as_ref()
        .ok_or_else(|| Error::invalid_input("credentials", "no credentials configured"))
}

/// Builds the complete parameter list of a request, common parameters included,
/// after validating the action's own parameters against its spec.
pub fn request_params(
    action: &(impl Action + ?Sized),
    config: &Config,
    ctx: SignContext,
) -> Result<Params, Error> {
    prepare(action, config)?.params(configured(config)?, ctx)
}

/// Builds a signed request for `action` with the configuration's credentials: GET
/// with every value percent-encoded in the query, or POST with a form body, as the
/// configuration says.
pub fn build_request(
    action: &(impl Action + ?Sized),
    config: &Config,
    ctx: SignContext,
) -> Result<SignedRequest, Error> {
    build_request_with(action, config, configured(config)?, ctx)
}

/// [`build_request`] with `credentials` in place of the configuration's.
pub fn build_request_with(
    action: &(impl Action + ?Sized),
    config: &Config,
    credentials: &Credentials,
    ctx: SignContext,
) -> Result<SignedRequest, Error> {
    prepare(action, config)?.sign(credentials, ctx)
}

/// Signs complete parameters (see [`request_params`]) into an HTTP request.
/// A `Signature` among them is replaced. Unlike [`build_request`], it signs what it
/// is given, even names the service would collapse (`a_b` and `a.b`), so tests can
/// send requests qcapi itself never would.
pub fn sign_params(params: Params, config: &Config, method: HttpMethod) -> SignedRequest {
    let pairs: Vec<(&str, &str)> = params.iter().filter(|(n, _)| *n != "Signature").collect();
    let unkeyed;
    let key = match &config.credentials {
        Some(credentials) => credentials.signing_key(),
        None => {
            unkeyed = SigningKey::new("");
            &unkeyed
        }
    };
    assemble(
        &pairs,
        config.endpoint(),
        key,
        config.signature_method,
        method,
    )
    .0
}

/// Two parameter names the service reads as one.
type Collision = Option<(String, String)>;

/// The request, unless two of its names collide: the service keeps only one of
/// them, so the request could never verify.
fn refuse_collision(
    (request, collision): (SignedRequest, Collision),
) -> Result<SignedRequest, Error> {
    match collision {
        None => Ok(request),
        Some((a, b)) => Err(Error::invalid_input(
            format!("{a}, {b}"),
            if a == b {
                "the same parameter is given twice; the service would keep only one".to_owned()
            } else {
                format!(
                    "`{a}` and `{b}` are the same name to the service (`_` reads as `.`); it would keep only one"
                )
            },
        )),
    }
}

/// Signs `pairs` (which hold no `Signature`) and writes the request: the URL, and
/// the query or form body with the signature last, in one pre-sized buffer. Also
/// returns two names equal once signed (`a_b` and `a.b`, or one name twice).
pub(crate) fn assemble(
    pairs: &[(&str, &str)],
    endpoint: &crate::Endpoint,
    key: &SigningKey,
    signature_method: sign::SignatureMethod,
    method: HttpMethod,
) -> (SignedRequest, Collision) {
    let canonical = sign::canonical(
        method.as_str(),
        endpoint.host(),
        endpoint.path(),
        pairs.iter().copied(),
    );
    let string_to_sign = canonical.text;
    let string_to_sign_masked = canonical.masked;
    let signature = key.sign(signature_method, &string_to_sign);
    let all = || {
        pairs
            .iter()
            .copied()
            .chain([("Signature", signature.as_str())])
    };
    // Raw length plus room for escapes, so the buffer rarely grows.
    let raw: usize = all().map(|(n, v)| n.len() + v.len() + 2).sum();
    let base_url = endpoint.base_url();
    let request = match method {
        HttpMethod::Get => {
            let mut url = String::with_capacity(base_url.len() + 1 + raw + raw / 2);
            url.push_str(base_url);
            url.push('?');
            append_form(&mut url, all());
            SignedRequest {
                http: HttpRequest {
                    method,
                    route: crate::http::Route::Api,
                    url,
                    headers: Vec::new(),
                    body: Vec::new(),
                },
                string_to_sign,
                string_to_sign_masked,
            }
        }
        HttpMethod::Post => {
            let mut body = String::with_capacity(raw + raw / 2);
            append_form(&mut body, all());
            SignedRequest {
                http: HttpRequest {
                    method,
                    route: crate::http::Route::Api,
                    url: base_url.to_owned(),
                    headers: vec![(
                        "Content-Type",
                        "application/x-www-form-urlencoded".to_owned(),
                    )],
                    body: body.into_bytes(),
                },
                string_to_sign,
                string_to_sign_masked,
            }
        }
    };
    (request, canonical.duplicate)
}

/// Appends `name=value&...`, percent-encoded as `application/x-www-form-urlencoded`.
fn append_form<'a>(out: &mut String, pairs: impl Iterator<Item = (&'a str, &'a str)>) {
    for (i, (name, value)) in pairs.enumerate() {
        if i > 0 {
            out.push('&');
        }
        append_form_encoded(out, name);
        out.push('=');
        append_form_encoded(out, value);
    }
}

/// Bytes the form encoding keeps as they are: ASCII alphanumerics and `*-._`.
const FORM_KEEPS: [bool; 256] = {
    let mut keeps = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        keeps[b] = c.is_ascii_alphanumeric() || matches!(c, b'*' | b'-' | b'.' | b'_');
        b += 1;
    }
    keeps
};

/// Form-encodes `text` exactly as `form_urlencoded::byte_serialize` does (space as
/// `+`, other bytes as upper-case `%XX`), copying whole runs of kept bytes with a
/// table lookup per byte: the library's per-byte `match` was a third of the time
/// of a signed request.
fn append_form_encoded(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if FORM_KEEPS[usize::from(b)] {
            continue;
        }
        // A run of kept bytes is ASCII, so a non-empty run starts and ends on
        // character boundaries; an empty one is skipped (`i` may be mid-character).
        if start < i {
            out.push_str(&text[start..i]);
        }
        if b == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
        start = i + 1;
    }
    if start < bytes.len() {
        out.push_str(&text[start..]);
    }
}

/// The signed GET URL of a request, as the official SDK's `generateUrl` returns it.
pub fn signed_url(
    action: &(impl Action + ?Sized),
    config: &Config,
    ctx: SignContext,
) -> Result<String, Error> {
    prepare(action, config)?.url(configured(config)?, ctx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn encoded(text: &str) -> String {
        let mut out = String::new();
        append_form_encoded(&mut out, text);
        out
    }

    #[test]
    fn common_names_start_with_a_capital_as_prepare_assumes() {
        assert!(
            COMMON_PARAMS
                .iter()
                .all(|n| n.starts_with(|c: char| c.is_ascii_uppercase()))
        );
    }

    #[test]
    fn form_encoding() {
        fn check(input: &str, expected: &str) {
            assert_eq!(encoded(input), expected, "{input:?}");
        }
        check("", "");
        check("pcx-8g675gr8", "pcx-8g675gr8");
        check("a b+c/é&=%", "a+b%2Bc%2F%C3%A9%26%3D%25");
        check("*-._~", "*-._%7E");
        check("名", "%E5%90%8D");
        check("x名y", "x%E5%90%8Dy");
    }

    proptest! {
        /// The hand-written encoder is the library's, byte for byte.
        #[test]
        fn form_encoding_is_form_urlencoded(text in any::<String>()) {
            let library: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
            prop_assert_eq!(encoded(&text), library);
        }
    }
}
