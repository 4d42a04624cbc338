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
    params.set("Action", action.name());
    if let Some(region) = &config.region {
        params.set("Region", region.as_str());
    }
    params.set("Timestamp", ctx.timestamp.to_string());
    params.set("Nonce", ctx.nonce.to_string());
    params.set("SecretId", credentials.secret_id());
    params.set("SignatureMethod", config.signature_method.as_str());
    if let Some(token) = credentials.token() {
        params.set("Token", token.expose());
    }
    params.set("RequestClient", REQUEST_CLIENT);
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
    let encoded = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter())
        .finish();
    match method {
        HttpMethod::Get => HttpRequest {
            method,
            url: format!("{}?{encoded}", endpoint.base_url()),
            headers: Vec::new(),
            body: Vec::new(),
            string_to_sign,
        },
        HttpMethod::Post => HttpRequest {
            method,
            url: endpoint.base_url(),
            headers: vec![(
                "Content-Type",
                "application/x-www-form-urlencoded".to_owned(),
            )],
            body: encoded.into_bytes(),
            string_to_sign,
        },
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
