//! The legacy signature: HmacSHA1 or HmacSHA256 over a canonical string, base64-encoded.
//!
//! String-to-sign = METHOD + host + path + `?` + the parameters sorted by name
//! (byte order, after `_` in names is replaced by `.`), joined as `name=value`
//! with raw, unencoded values. `Signature` itself is never part of it.

use std::borrow::Cow;

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
/// exactly as the Host header carries it; `Signature` is skipped if present. On POST,
/// a parameter whose value begins with `@` is left out, as every official SDK does
/// (their file-upload convention), so the service verifies such a request the same way.
///
/// ```
/// let s = qcapi_core::sign::string_to_sign(
///     "GET",
///     "vpc.api.qcloud.com",
///     "/v2/index.php",
///     [("b", "2"), ("a_x", "1"), ("Signature", "ignored")],
/// );
/// assert_eq!(s, "GETvpc.api.qcloud.com/v2/index.php?a.x=1&b=2");
/// let post = qcapi_core::sign::string_to_sign("POST", "h", "/p", [("a", "@file"), ("b", "2")]);
/// assert_eq!(post, "POSTh/p?b=2");
/// ```
pub fn string_to_sign<'a>(
    method: &str,
    host: &str,
    path: &str,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    canonical(method, host, path, params).text
}

/// A string to sign, with what the request builder needs to know about it.
pub(crate) struct Canonical {
    /// The string to sign.
    pub(crate) text: String,
    /// Byte ranges of values that `Debug` must mask, and how (computed only when shown).
    pub(crate) masked: Vec<(std::ops::Range<usize>, crate::redact::Mask)>,
    /// Two parameters whose signed names are equal (`a_b` and `a.b`, or a name
    /// given twice): the service keeps only one, so such a request never verifies.
    pub(crate) duplicate: Option<(String, String)>,
}

pub(crate) fn canonical<'a>(
    method: &str,
    host: &str,
    path: &str,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Canonical {
    // Each name in its signed form (`_` read as `.`): borrowed unless it holds a `_`,
    // which is rare, so the sort compares plain bytes (memcmp) and the writer copies.
    let params = params.into_iter();
    let skips_files = method.eq_ignore_ascii_case("POST");
    // Sized up front: `filter` hides the length from `collect`, which would regrow.
    let (low, high) = params.size_hint();
    let mut pairs: Vec<(Cow<'a, str>, &'a str, &'a str)> = Vec::with_capacity(high.unwrap_or(low));
    pairs.extend(
        params
            .filter(|(name, value)| {
                *name != "Signature" && !(skips_files && value.starts_with('@'))
            })
            .map(|(name, value)| (signed_name(name), name, value)),
    );
    // Stable: repeated names keep their order, and values are not part of it.
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let duplicate = pairs
        .windows(2)
        .find(|w| w[0].0 == w[1].0)
        .map(|w| (w[0].1.to_owned(), w[1].1.to_owned()));
    let capacity = method.len()
        + host.len()
        + path.len()
        + 1
        + pairs
            .iter()
            .map(|(n, _, v)| n.len() + v.len() + 2)
            .sum::<usize>();
    let mut out = String::with_capacity(capacity);
    let mut masked = Vec::new();
    out.extend(method.chars().map(|c| c.to_ascii_uppercase()));
    out.push_str(host);
    out.push_str(path);
    out.push('?');
    for (i, (name, original, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        if let Some(mask) = crate::redact::Mask::of(original) {
            masked.push((out.len()..out.len() + value.len(), mask));
        }
        out.push_str(value);
    }
    Canonical {
        text: out,
        masked,
        duplicate,
    }
}

/// A parameter name as signed: `_` becomes `.`.
fn signed_name(name: &str) -> Cow<'_, str> {
    if name.contains('_') {
        Cow::Owned(name.replace('_', "."))
    } else {
        Cow::Borrowed(name)
    }
}

/// Signs `string_to_sign` with `secret_key`: HMAC, then standard base64.
/// A client signs through its credentials' [`SigningKey`] instead, keyed once.
///
/// ```
/// use qcapi_core::sign::{sign, SignatureMethod};
/// let sig = sign("secretKeyBar", SignatureMethod::HmacSha1,
///     "GETcvm.api.qcloud.com/v2/index.php?Action=DescribeInstances&Nonce=1290303896666895346&Region=ap-guangzhou&SecretId=secretIdFoo&SignatureMethod=HmacSHA1&Timestamp=1512393162&Version=2017-03-12");
/// assert_eq!(sig, "5HAq1BOKNLEE2/uauWnp6Zv9Z3c=");
/// ```
pub fn sign(secret_key: &str, method: SignatureMethod, string_to_sign: &str) -> String {
    let signature = match method {
        SignatureMethod::HmacSha1 => finish(keyed::<sha1::Sha1>(secret_key), string_to_sign),
        SignatureMethod::HmacSha256 => finish(keyed::<sha2::Sha256>(secret_key), string_to_sign),
    };
    signature.as_str().to_owned()
}

/// A secret key made ready to sign. HMAC with a fixed key always starts from the
/// same two hashed blocks (key xor ipad, key xor opad), so they are computed once,
/// for both methods, when credentials are created, not on every request.
///
/// Its `Debug` shows nothing of the key.
///
/// ```
/// use qcapi_core::sign::{sign, SignatureMethod, SigningKey};
/// let key = SigningKey::new("secretKeyBar");
/// for method in [SignatureMethod::HmacSha1, SignatureMethod::HmacSha256] {
///     assert_eq!(key.sign(method, "GETx?a=1").as_str(), sign("secretKeyBar", method, "GETx?a=1"));
/// }
/// assert_eq!(format!("{key:?}"), "SigningKey(<redacted>)");
/// ```
#[derive(Clone)]
pub struct SigningKey {
    sha1: Hmac<sha1::Sha1>,
    sha256: Hmac<sha2::Sha256>,
}

impl SigningKey {
    /// Keys both HMACs with `secret_key`.
    pub fn new(secret_key: &str) -> Self {
        Self {
            sha1: keyed(secret_key),
            sha256: keyed(secret_key),
        }
    }

    /// The signature of `string_to_sign`.
    pub fn sign(&self, method: SignatureMethod, string_to_sign: &str) -> Signature {
        match method {
            SignatureMethod::HmacSha1 => finish(self.sha1.clone(), string_to_sign),
            SignatureMethod::HmacSha256 => finish(self.sha256.clone(), string_to_sign),
        }
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

/// A base64 signature, held inline: 28 characters for HmacSHA1, 44 for HmacSHA256.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature {
    text: [u8; 44],
    len: usize,
}

impl Signature {
    /// The base64 text, as sent in the `Signature` parameter.
    pub fn as_str(&self) -> &str {
        // Base64 output is ASCII.
        std::str::from_utf8(&self.text[..self.len]).unwrap_or_default()
    }
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn keyed<D>(key: &str) -> Hmac<D>
where
    D: hmac::EagerHash,
    Hmac<D>: KeyInit,
{
    <Hmac<D> as KeyInit>::new_from_slice(key.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"))
}

/// Feeds `message` to a keyed HMAC and base64-encodes the digest, all on the stack.
fn finish<D>(mut mac: Hmac<D>, message: &str) -> Signature
where
    D: hmac::EagerHash,
    Hmac<D>: Mac,
{
    mac.update(message.as_bytes());
    let digest = mac.finalize().into_bytes();
    let mut text = [0u8; 44];
    // A SHA-256 digest (32 bytes) encodes to exactly 44 characters; SHA-1 to 28.
    let len = base64::engine::general_purpose::STANDARD
        .encode_slice(&digest[..], &mut text)
        .unwrap_or_else(|_| unreachable!("44 bytes hold the base64 of a 32-byte digest"));
    Signature { text, len }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The query part of the string to sign for `names` (each with value `v`).
    fn signed_query(names: &[&str]) -> String {
        let text = string_to_sign("get", "h", "/p", names.iter().map(|n| (*n, "v")));
        text.strip_prefix("GETh/p?").unwrap_or(&text).to_owned()
    }

    #[test]
    fn names_sort_in_their_signed_form() {
        fn check(names: &[&str], expected: &str) {
            assert_eq!(signed_query(names), expected, "{names:?}");
        }
        check(&["b", "a_x", "Signature"], "a.x=v&b=v");
        // `_` sorts as `.` (0x2E): after `-` (0x2D), before `/` (0x2F) and `0`.
        check(&["a/", "a_", "a-"], "a-=v&a.=v&a/=v");
        check(
            &["subnetSet.9", "subnetSet.10"],
            "subnetSet.10=v&subnetSet.9=v",
        );
        check(&["ab", "a"], "a=v&ab=v");
        check(&[], "");
    }

    #[test]
    fn post_leaves_out_values_starting_with_at() {
        fn check(method: &str, params: &[(&str, &str)], expected: &str) {
            let text = string_to_sign(method, "h", "/p", params.iter().copied());
            assert_eq!(text, expected, "{method} {params:?}");
        }
        check("POST", &[("a", "@x"), ("b", "1")], "POSTh/p?b=1");
        check("post", &[("a", "@"), ("b", "x@")], "POSTh/p?b=x@");
        check("GET", &[("a", "@x"), ("b", "1")], "GETh/p?a=@x&b=1");
    }

    #[test]
    fn finds_names_equal_once_signed() {
        fn check(names: &[&str], expected: Option<(&str, &str)>) {
            let found = canonical("GET", "h", "/p", names.iter().map(|n| (*n, "v"))).duplicate;
            let found = found.as_ref().map(|(a, b)| (a.as_str(), b.as_str()));
            assert_eq!(found, expected, "{names:?}");
        }
        check(&["a", "b"], None);
        check(&["a", "b", "a"], Some(("a", "a")));
        check(&["x.y", "z", "x_y"], Some(("x.y", "x_y")));
        check(&["x_y", "x.y"], Some(("x_y", "x.y")));
        check(&["xy", "x.y"], None);
    }

    #[test]
    fn repeated_names_keep_their_order() {
        let text = string_to_sign("GET", "h", "/p", [("x", "2"), ("a", "0"), ("x", "1")]);
        assert_eq!(text, "GETh/p?a=0&x=2&x=1");
    }

    proptest! {
        /// Sorting in place equals renaming every name first, then sorting.
        #[test]
        fn order_is_the_renamed_order(names in proptest::collection::vec("[a-c_./-]{0,4}", 0..8)) {
            let mut renamed: Vec<String> = names.iter().map(|n| n.replace('_', ".")).collect();
            renamed.sort();
            let expected: Vec<String> = renamed.iter().map(|n| format!("{n}=v")).collect();
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            prop_assert_eq!(signed_query(&refs), expected.join("&"));
        }
    }
}
