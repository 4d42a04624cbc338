//! The legacy signature: HmacSHA1 or HmacSHA256 over a canonical string, base64-encoded.
//!
//! String-to-sign = METHOD + host + path + `?` + the parameters sorted by name
//! (byte order, after `_` in names is replaced by `.`), joined as `name=value`
//! with raw, unencoded values. `Signature` itself is never part of it.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};

/// Which HMAC signs a request. The service uses HmacSHA256 only when the
/// `SignatureMethod` parameter is exactly `HmacSHA256`, and HmacSHA1 otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SignatureMethod {
    /// HMAC with SHA-1 (the service's fallback).
    HmacSha1,
    /// HMAC with SHA-256, qcapi's default.
    #[default]
    HmacSha256,
}

impl SignatureMethod {
    /// The value of the `SignatureMethod` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HmacSha1 => "HmacSHA1",
            Self::HmacSha256 => "HmacSHA256",
        }
    }

    /// How the service reads a `SignatureMethod` parameter: exactly
    /// `HmacSHA256` means SHA-256, anything else (or nothing) SHA-1.
    pub fn from_param(value: Option<&str>) -> Self {
        match value {
            Some("HmacSHA256") => Self::HmacSha256,
            _ => Self::HmacSha1,
        }
    }
}

impl std::str::FromStr for SignatureMethod {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "HmacSHA1" => Ok(Self::HmacSha1),
            "HmacSHA256" => Ok(Self::HmacSha256),
            other => Err(format!(
                "unknown signature method `{other}` (expected HmacSHA1 or HmacSHA256)"
            )),
        }
    }
}

impl std::fmt::Display for SignatureMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Builds the string to sign. `method` is upper-cased; `host` is the authority
/// exactly as the Host header carries it; `Signature` is skipped if present.
///
/// ```
/// let s = qcapi_core::sign::string_to_sign(
///     "GET",
///     "vpc.api.qcloud.com",
///     "/v2/index.php",
///     [("b", "2"), ("a_x", "1"), ("Signature", "ignored")],
/// );
/// assert_eq!(s, "GETvpc.api.qcloud.com/v2/index.php?a.x=1&b=2");
/// ```
pub fn string_to_sign<'a>(
    method: &str,
    host: &str,
    path: &str,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    let mut pairs: Vec<(&str, &str)> = params
        .into_iter()
        .filter(|(name, _)| *name != "Signature")
        .collect();
    // Stable sort by the signed form of the name only (`_` read as `.`): values are not
    // part of the order, and no renamed copy of each name is allocated.
    pairs.sort_by(|a, b| signed_name_bytes(a.0).cmp(signed_name_bytes(b.0)));
    let capacity = method.len()
        + host.len()
        + path.len()
        + 1
        + pairs
            .iter()
            .map(|(n, v)| n.len() + v.len() + 2)
            .sum::<usize>();
    let mut out = String::with_capacity(capacity);
    out.push_str(&method.to_ascii_uppercase());
    out.push_str(host);
    out.push_str(path);
    out.push('?');
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        if name.contains('_') {
            out.extend(name.chars().map(|c| if c == '_' { '.' } else { c }));
        } else {
            out.push_str(name);
        }
        out.push('=');
        out.push_str(value);
    }
    out
}

/// The bytes of a parameter name as signed: `_` becomes `.`.
fn signed_name_bytes(name: &str) -> impl Iterator<Item = u8> + '_ {
    name.bytes().map(|b| if b == b'_' { b'.' } else { b })
}

/// Signs `string_to_sign` with `secret_key`: HMAC, then standard base64.
///
/// ```
/// use qcapi_core::sign::{sign, SignatureMethod};
/// let sig = sign("secretKeyBar", SignatureMethod::HmacSha1,
///     "GETcvm.api.qcloud.com/v2/index.php?Action=DescribeInstances&Nonce=1290303896666895346&Region=ap-guangzhou&SecretId=secretIdFoo&SignatureMethod=HmacSHA1&Timestamp=1512393162&Version=2017-03-12");
/// assert_eq!(sig, "5HAq1BOKNLEE2/uauWnp6Zv9Z3c=");
/// ```
pub fn sign(secret_key: &str, method: SignatureMethod, string_to_sign: &str) -> String {
    let engine = base64::engine::general_purpose::STANDARD;
    match method {
        SignatureMethod::HmacSha1 => {
            engine.encode(hmac_digest::<sha1::Sha1>(secret_key, string_to_sign))
        }
        SignatureMethod::HmacSha256 => {
            engine.encode(hmac_digest::<sha2::Sha256>(secret_key, string_to_sign))
        }
    }
}

fn hmac_digest<D>(key: &str, message: &str) -> Vec<u8>
where
    D: hmac::EagerHash,
    Hmac<D>: KeyInit + Mac,
{
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<D> as KeyInit>::new_from_slice(key.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(message.as_bytes());
    mac.finalize().into_bytes().to_vec()
}
