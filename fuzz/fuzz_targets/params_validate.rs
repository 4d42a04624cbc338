//! The parameter writer and spec validation, then signing, checked the way a server
//! reads the result: `[action index, mode, bytes...]`.
//!
//! Mode bit 0 set: the bytes are a JSON object whose members are flattened with
//! `Params::put_json` (one flat parameter per non-null leaf); clear: form-encoded pairs.
//! Bit 1 picks POST over GET, bit 2 HmacSHA1 over HmacSHA256.
//! Oracles: `ActionSpec::validate` and `build_request` agree; the request a client
//! builds decodes, server-side, to the same string-to-sign and signature.

#![no_main]

use libfuzzer_sys::fuzz_target;
use qcapi_core::vpc::catalog::ACTIONS;
use qcapi_core::{
    Config, Credentials, Error, HttpMethod, Params, RawAction, SignContext, SignatureMethod,
    build_request, sign,
};
use serde_json::Value;

const KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3Cozk1qA";

fn leaves(value: &Value) -> usize {
    match value {
        Value::Null => 0,
        Value::Array(items) => items.iter().map(leaves).sum(),
        Value::Object(map) => map.values().map(leaves).sum(),
        _ => 1,
    }
}

fuzz_target!(|data: &[u8]| {
    let [index, mode, rest @ ..] = data else {
        return;
    };
    let spec = ACTIONS[usize::from(*index) % ACTIONS.len()];
    let mut params = Params::new();
    if mode & 1 == 1 {
        let Ok(value) = serde_json::from_slice::<Value>(rest) else {
            return;
        };
        match &value {
            Value::Object(map) => {
                for (name, item) in map {
                    params.put_json(name, item);
                }
            }
            other => params.put_json("p", other),
        }
        assert_eq!(params.len(), leaves(&value), "one parameter per leaf");
    } else {
        for (name, value) in form_urlencoded::parse(rest) {
            params.push(name.into_owned(), value);
        }
    }
    let verdict = spec.validate(&params);

    let method = if mode & 2 == 0 {
        HttpMethod::Get
    } else {
        HttpMethod::Post
    };
    let signature_method = if mode & 4 == 0 {
        SignatureMethod::HmacSha256
    } else {
        SignatureMethod::HmacSha1
    };
    let config = Config::builder()
        .credentials(Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA", KEY))
        .region("gz")
        .http_method(method)
        .signature_method(signature_method)
        .build()
        .expect("a valid configuration");
    let action = RawAction::new(spec.name)
        .params(params.iter().map(|(n, v)| (n.to_owned(), v.to_owned())));
    let request = match build_request(&action, &config, SignContext::new(1_465_185_768, 11_886)) {
        Ok(request) => request,
        Err(Error::InvalidInput { .. }) => {
            assert!(
                verdict.is_err() || has_colliding_names(&params),
                "build_request refused what validate accepts"
            );
            return;
        }
        Err(other) => panic!("unexpected error: {other}"),
    };
    assert!(verdict.is_ok(), "build_request accepted {verdict:?}");

    // The server's view: decode the query or body, re-derive the string-to-sign and signature.
    let encoded = match method {
        HttpMethod::Get => request
            .url()
            .split_once('?')
            .map(|(_, q)| q.as_bytes().to_vec())
            .expect("a GET carries a query"),
        HttpMethod::Post => request.body().to_vec(),
    };
    let decoded: Vec<(String, String)> = form_urlencoded::parse(&encoded).into_owned().collect();
    let signature = decoded
        .iter()
        .find(|(n, _)| n == "Signature")
        .map(|(_, v)| v.as_str())
        .expect("a Signature parameter");
    let endpoint = config.endpoint();
    let sts = sign::string_to_sign(
        method.as_str(),
        endpoint.host(),
        endpoint.path(),
        decoded.iter().map(|(n, v)| (n.as_str(), v.as_str())),
    );
    assert_eq!(sts, request.string_to_sign(), "string-to-sign survives encoding");
    assert_eq!(sign::sign(KEY, signature_method, &sts), signature);
});

/// Whether two of the action's own parameters are one name to the service (`a_b`
/// and `a.b`, or a name twice), which `build_request` refuses. The common
/// parameters (and `Region`, which the configuration sets) are replaced, not sent.
fn has_colliding_names(params: &Params) -> bool {
    const REPLACED: &[&str] = &[
        "Action", "Region", "Timestamp", "Nonce", "SecretId", "SignatureMethod", "Token",
        "RequestClient", "Signature",
    ];
    let mut names: Vec<String> = params
        .iter()
        .filter(|(n, _)| !REPLACED.contains(n))
        .map(|(n, _)| n.replace('_', "."))
        .collect();
    names.sort();
    names.windows(2).any(|w| w[0] == w[1])
}
