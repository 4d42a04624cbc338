//! Building signed requests: a pure function of the action, the configuration, a timestamp and a nonce.

use crate::{Action, Config, Error, HttpMethod, HttpRequest, Params, REQUEST_CLIENT, sign};

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

/// Builds the complete parameter list of a request, common parameters included,
/// after validating the action's own parameters against its spec.
pub fn request_params(
    action: &(impl Action + ?Sized),
    config: &Config,
    ctx: SignContext,
) -> Result<Params, Error> {
    let credentials = config
        .credentials
        .as_ref()
        .ok_or_else(|| Error::invalid_input("credentials", "no credentials configured"))?;
    if ctx.nonce == 0 {
        return Err(Error::invalid_input("Nonce", "must be a positive integer"));
    }
    let mut params = Params::new();
    action.write_params(&mut params);
    if let Some(spec) = action.spec() {
        spec.validate(&params)
            .map_err(|e| Error::invalid_input(e.parameter, e.reason))?;
    }
    // The common parameters are qcapi's to set: drop any an action wrote, in one pass.
    params.retain(|name| !COMMON_PARAMS.contains(&name));
    params.push("Action", action.name());
    if let Some(region) = &config.region {
        params.set("Region", region.as_str());
    }
    params.push("Timestamp", ctx.timestamp.to_string());
    params.push("Nonce", ctx.nonce.to_string());
    params.push("SecretId", credentials.secret_id());
    params.push("SignatureMethod", config.signature_method.as_str());
    if let Some(token) = credentials.token() {
        params.push("Token", token.expose());
    }
    params.push("RequestClient", REQUEST_CLIENT);
    Ok(params)
}

/// Builds a signed request for `action`: GET with every value percent-encoded in
/// the query, or POST with a form body, as the configuration says.
pub fn build_request(
    action: &(impl Action + ?Sized),
    config: &Config,
    ctx: SignContext,
) -> Result<HttpRequest, Error> {
    let params = request_params(action, config, ctx)?;
    Ok(sign_params(params, config, config.http_method))
}

/// Signs complete parameters (see [`request_params`]) into an HTTP request.
pub fn sign_params(mut params: Params, config: &Config, method: HttpMethod) -> HttpRequest {
    let endpoint = &config.endpoint;
    let string_to_sign = sign::string_to_sign(
        method.as_str(),
        endpoint.host(),
        endpoint.path(),
        params.iter(),
    );
    let secret_key = config
        .credentials
        .as_ref()
        .map(|c| c.secret_key().expose())
        .unwrap_or_default();
    let signature = sign::sign(secret_key, config.signature_method, &string_to_sign);
    params.set("Signature", signature);
    let base_url = endpoint.base_url();
    match method {
        HttpMethod::Get => {
            // One buffer for the whole URL: base, `?`, then the encoded query.
            let mut url = String::with_capacity(base_url.len() + 1 + encoded_len(&params));
            url.push_str(base_url);
            url.push('?');
            append_form(&mut url, &params);
            HttpRequest {
                method,
                url,
                headers: Vec::new(),
                body: Vec::new(),
                string_to_sign,
            }
        }
        HttpMethod::Post => {
            let mut body = String::with_capacity(encoded_len(&params));
            append_form(&mut body, &params);
            HttpRequest {
                method,
                url: base_url.to_owned(),
                headers: vec![(
                    "Content-Type",
                    "application/x-www-form-urlencoded".to_owned(),
                )],
                body: body.into_bytes(),
                string_to_sign,
            }
        }
    }
}

/// A capacity estimate for the encoded parameters (exact when nothing needs escaping).
fn encoded_len(params: &Params) -> usize {
    params.iter().map(|(n, v)| n.len() + v.len() + 2).sum()
}

/// Appends `name=value&...`, percent-encoded as `application/x-www-form-urlencoded`.
fn append_form(out: &mut String, params: &Params) {
    for (i, (name, value)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.extend(form_urlencoded::byte_serialize(name.as_bytes()));
        out.push('=');
        out.extend(form_urlencoded::byte_serialize(value.as_bytes()));
    }
}

/// The signed GET URL of a request, as the official SDK's `generateUrl` returns it.
pub fn signed_url(
    action: &(impl Action + ?Sized),
    config: &Config,
    ctx: SignContext,
) -> Result<String, Error> {
    let params = request_params(action, config, ctx)?;
    Ok(sign_params(params, config, HttpMethod::Get).url)
}
