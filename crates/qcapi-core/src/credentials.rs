//! API credentials, with the secret parts behind a redacting type.

use std::fmt;

use crate::sign::SigningKey;

/// A secret string (a SecretKey or a session token) that never shows itself in
/// `Debug` or `Display`; read it with [`SecretString::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself. Call sites of this method are the only places a secret is read.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"<redacted>\"")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for SecretString {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for SecretString {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

/// A SecretId, its SecretKey and, for temporary credentials, a session token.
///
/// `Debug` shows the SecretId masked and never the key or the token:
///
/// ```
/// let creds = qcapi_core::Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA", "Gu5t9xGARNpq86cd98joQYCN3Cozk1qA")
///     .with_token("session-token");
/// let shown = format!("{creds:?}");
/// assert!(!shown.contains("Gu5t9x") && !shown.contains("session-token"));
/// assert!(shown.contains("AKID****hESA"));
/// ```
#[derive(Clone)]
pub struct Credentials {
    secret_id: String,
    secret_key: SecretString,
    token: Option<SecretString>,
    /// When temporary credentials stop working (UNIX seconds); `None` for long-term ones.
    expires_at: Option<u64>,
    /// The HMACs keyed with `secret_key`, so a request does not key them again.
    signing_key: SigningKey,
}

impl PartialEq for Credentials {
    fn eq(&self, other: &Self) -> bool {
        // `signing_key` is derived from `secret_key`.
        (
            &self.secret_id,
            &self.secret_key,
            &self.token,
            self.expires_at,
        ) == (
            &other.secret_id,
            &other.secret_key,
            &other.token,
            other.expires_at,
        )
    }
}

impl Eq for Credentials {}

impl Credentials {
    /// Long-term credentials: a SecretId and its SecretKey.
    pub fn new(secret_id: impl Into<String>, secret_key: impl Into<SecretString>) -> Self {
        let secret_key = secret_key.into();
        Self {
            secret_id: secret_id.into(),
            signing_key: SigningKey::new(secret_key.expose()),
            secret_key,
            token: None,
            expires_at: None,
        }
    }

    /// Adds a session token (temporary credentials); it is sent as the `Token` parameter.
    pub fn with_token(mut self, token: impl Into<SecretString>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Marks these credentials as expiring at `unix_seconds` (temporary credentials
    /// from a provider); a cache refreshes them before then.
    pub fn with_expiry(mut self, unix_seconds: u64) -> Self {
        self.expires_at = Some(unix_seconds);
        self
    }

    /// When these credentials expire (UNIX seconds), if they do.
    pub fn expires_at(&self) -> Option<u64> {
        self.expires_at
    }

    /// The SecretId, sent in clear on every request.
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// The SecretKey, which signs requests and is never sent.
    pub fn secret_key(&self) -> &SecretString {
        &self.secret_key
    }

    /// The secret key made ready to sign (keyed once, when these credentials were created).
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing_key
    }

    /// The session token, if any.
    pub fn token(&self) -> Option<&SecretString> {
        self.token.as_ref()
    }

    /// The SecretId with all but its first and last four characters masked,
    /// the only form in which qcapi logs it.
    pub fn masked_secret_id(&self) -> String {
        mask(&self.secret_id)
    }
}

/// Masks all but the first and last four characters (everything if it is short).
pub(crate) fn mask(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len().max(4));
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("secret_id", &self.masked_secret_id())
            .field("secret_key", &self.secret_key)
            .field("token", &self.token)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking() {
        fn check(input: &str, expected: &str) {
            assert_eq!(mask(input), expected, "mask({input:?})");
        }
        check("AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA", "AKID****hESA");
        check("short", "*****");
        check("", "****");
        check("123456789", "1234****6789");
    }
}
