//! Temporary credentials: the roles an account declares, the instance role the
//! metadata endpoint hands out, OIDC providers for `AssumeRoleWithWebIdentity`,
//! and the store of issued credentials that the legacy endpoint accepts.
//!
//! Pure data, no HTTP: `server.rs` routes the CVM metadata paths and STS's
//! `POST /` here. Expiry is measured on the emulator clock (given as `now`), so
//! `POST /_emulator/clock/advance` expires credentials deterministically.

use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

use crate::clock::{format_iso8601, real_now};

/// STS's `Version` for AssumeRole and AssumeRoleWithWebIdentity.
pub(crate) const STS_VERSION: &str = "2018-08-13";
/// The default `DurationSeconds` of AssumeRole, and of metadata credentials.
pub(crate) const DEFAULT_DURATION_SECS: u64 = 7200;
/// The longest `DurationSeconds` STS grants (12 hours).
pub(crate) const MAX_DURATION_SECS: u64 = 43_200;
/// At most this many issued credentials are remembered; beyond it the one
/// expiring soonest is forgotten (it then answers 4104, like any unknown id).
const MAX_ISSUED: usize = 10_000;
/// Credentials expired longer ago than this (emulator time) are forgotten, so a
/// long-running emulator does not keep every key it ever issued. Until then an
/// expired key answers 4105 "expired", which tells a client to refresh.
const FORGET_AFTER_SECS: i64 = 24 * 3600;

/// A role: a name within an account (uin). Its temporary credentials act as
/// that account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Role {
    pub(crate) uin: String,
    pub(crate) name: String,
}

impl Role {
    /// Role `name` of `account`'s uin.
    pub(crate) fn new(name: impl Into<String>, account: &crate::Account) -> Self {
        Self {
            uin: account.uin.clone(),
            name: name.into(),
        }
    }

    /// The ARN STS expects: `qcs::cam::uin/<uin>:roleName/<name>`.
    pub(crate) fn arn(&self) -> String {
        format!("qcs::cam::uin/{}:roleName/{}", self.uin, self.name)
    }

    /// Parses `qcs::cam::uin/<uin>:roleName/<name>` (also `:role/<name>`,
    /// which some documentation shows). `None` for anything else.
    pub(crate) fn from_arn(arn: &str) -> Option<Self> {
        let rest = arn.strip_prefix("qcs::cam::uin/")?;
        let (uin, rest) = rest.split_once(':')?;
        let name = rest
            .strip_prefix("roleName/")
            .or_else(|| rest.strip_prefix("role/"))?;
        let valid_uin = !uin.is_empty() && uin.bytes().all(|b| b.is_ascii_digit());
        (valid_uin && valid_role_name(name)).then(|| Self {
            uin: uin.to_owned(),
            name: name.to_owned(),
        })
    }
}

/// CAM role names: 1 to 128 of letters, digits and `+=,.@_-`.
pub(crate) fn valid_role_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

/// [`valid_role_name`], with the message a user sees.
pub(crate) fn check_role_name(name: &str) -> Result<(), String> {
    let refusal = || format!("role name `{name}` must be 1 to 128 of letters, digits and +=,.@_-");
    valid_role_name(name).then_some(()).ok_or_else(refusal)
}

/// A `RoleSessionName`: 2 to 128 of letters, digits and `+=,.@_-`, as STS requires.
pub(crate) fn valid_session_name(name: &str) -> bool {
    name.len() >= 2 && valid_role_name(name)
}

/// An OIDC identity provider (TKE's): its id and the one web identity token it accepts.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Provider {
    pub(crate) id: String,
    pub(crate) token: String,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("id", &self.id)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// One issued set of temporary credentials.
#[derive(Clone)]
pub(crate) struct Issued {
    pub(crate) secret_id: String,
    pub(crate) secret_key: String,
    pub(crate) token: String,
    /// The account they act as.
    pub(crate) uin: String,
    /// Emulator UNIX time at which they stop working.
    pub(crate) expires_at: i64,
    /// Revoked before they expired (their Token then answers 4105).
    pub(crate) revoked: bool,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The id alone lets a key be found again; key and token never appear.
        f.debug_struct("Issued")
            .field("uin", &self.uin)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl Issued {
    /// The CVM metadata answer for these credentials.
    pub(crate) fn metadata_json(&self) -> Value {
        json!({
            "TmpSecretId": self.secret_id,
            "TmpSecretKey": self.secret_key,
            "Token": self.token,
            "ExpiredTime": self.expires_at,
            "Expiration": format_iso8601(self.expires_at),
            "Code": "Success",
        })
    }

    /// STS's API 3.0 success answer for these credentials.
    pub(crate) fn sts_json(&self, request_id: &str) -> Value {
        json!({"Response": {
            "Credentials": {
                "Token": self.token,
                "TmpSecretId": self.secret_id,
                "TmpSecretKey": self.secret_key,
            },
            "ExpiredTime": self.expires_at,
            "Expiration": format_iso8601(self.expires_at),
            "RequestId": request_id,
        }})
    }
}

/// Issued credentials by SecretId, bounded by [`MAX_ISSUED`] and [`FORGET_AFTER_SECS`].
#[derive(Default)]
pub(crate) struct IssuedStore {
    by_id: HashMap<String, Issued>,
    /// `(expires_at, secret_id)`, so the soonest-expiring is first.
    by_expiry: BTreeSet<(i64, String)>,
}

impl std::fmt::Debug for IssuedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Only a count: temporary ids, keys and tokens stay out of `Debug`.
        f.debug_struct("IssuedStore")
            .field("len", &self.by_id.len())
            .finish()
    }
}

impl IssuedStore {
    /// Issues new credentials for `uin`, valid `duration_secs` from emulator time `now`.
    pub(crate) fn issue(&mut self, uin: &str, duration_secs: u64, now: i64) -> Issued {
        self.forget_expired(now);
        while self.by_id.len() >= MAX_ISSUED {
            let Some(first) = self.by_expiry.pop_first() else {
                break;
            };
            self.by_id.remove(&first.1);
        }
        let issued = Issued {
            secret_id: format!("AKIDtmp{}", random_token(30)),
            secret_key: random_token(32),
            token: random_token(96),
            uin: uin.to_owned(),
            // At most 12 h, so the cast is exact and the sum cannot overflow in practice.
            expires_at: now.saturating_add(i64::try_from(duration_secs).unwrap_or(i64::MAX)),
            revoked: false,
        };
        self.by_expiry
            .insert((issued.expires_at, issued.secret_id.clone()));
        self.by_id.insert(issued.secret_id.clone(), issued.clone());
        issued
    }

    pub(crate) fn get(&self, secret_id: &str) -> Option<&Issued> {
        self.by_id.get(secret_id)
    }

    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Revokes every credential issued so far; returns how many were valid.
    pub(crate) fn revoke_all(&mut self, now: i64) -> usize {
        let mut revoked = 0;
        for issued in self.by_id.values_mut() {
            if !issued.revoked && issued.expires_at > now {
                revoked += 1;
            }
            issued.revoked = true;
        }
        revoked
    }

    fn forget_expired(&mut self, now: i64) {
        // Kept: those expired less than FORGET_AFTER_SECS ago (or not yet), the
        // entries from `(oldest kept expiry, "")` on.
        let oldest_kept = now.saturating_sub(FORGET_AFTER_SECS).saturating_add(1);
        let kept = self.by_expiry.split_off(&(oldest_kept, String::new()));
        for (_, id) in std::mem::replace(&mut self.by_expiry, kept) {
            self.by_id.remove(&id);
        }
    }
}

/// 64 unpredictable bits. std's `RandomState` is keyed from the OS's random
/// source once per thread and its keys change for every instance, so SipHash
/// over a counter and the time is unguessable enough for local test credentials
/// without a dependency. Not a cryptographic generator: never for real secrets.
pub(crate) fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_i64(real_now());
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

/// `len` random letters and digits.
pub(crate) fn random_token(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(len);
    let mut bits = 0u64;
    let mut left = 0;
    while out.len() < len {
        if left == 0 {
            bits = random_u64();
            left = 10; // 10 draws of 6 bits from 64
        }
        let index = usize::try_from(bits & 63).unwrap_or(0) % ALPHABET.len();
        out.push(char::from(ALPHABET[index]));
        bits >>= 6;
        left -= 1;
    }
    out
}

/// A request id shaped like the service's (a UUID's 8-4-4-4-12 hex groups).
pub(crate) fn request_id() -> String {
    let (a, b) = (random_u64(), random_u64());
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

/// STS's API 3.0 error answer.
pub(crate) fn error_json(code: &str, message: &str, request_id: &str) -> Value {
    json!({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        let role = Role {
            uin: "100000000001".to_owned(),
            name: "qcapi-role".to_owned(),
        };
        assert_eq!(role.arn(), "qcs::cam::uin/100000000001:roleName/qcapi-role");
        assert_eq!(Role::from_arn(&role.arn()), Some(role.clone()));
        assert_eq!(
            Role::from_arn("qcs::cam::uin/100000000001:role/qcapi-role"),
            Some(role)
        );
        for bad in [
            "",
            "qcs::cam::uin/:roleName/x",
            "qcs::cam::uin/12a:roleName/x",
            "qcs::cam::uin/1:roleName/",
            "qcs::cam::uin/1:user/x",
            "qcs::cam::uin/1:roleName/a b",
            "arn:aws:iam::1:role/x",
        ] {
            assert_eq!(Role::from_arn(bad), None, "{bad}");
        }
    }

    #[test]
    fn session_names() {
        assert!(valid_session_name("ci-run.42@x"));
        assert!(!valid_session_name("x"));
        assert!(!valid_session_name("has space"));
        assert!(!valid_session_name(&"x".repeat(129)));
    }

    #[test]
    fn the_store_is_bounded_and_forgets_old_credentials() {
        let mut store = IssuedStore::default();
        let first = store.issue("1", 100, 1000);
        assert_eq!(first.expires_at, 1100);
        assert!(store.get(&first.secret_id).is_some());
        // Still known (as expired) shortly after expiry, forgotten a day later.
        store.issue("1", 100, 1200);
        assert!(store.get(&first.secret_id).is_some());
        store.issue("1", 100, 1100 + FORGET_AFTER_SECS);
        assert!(store.get(&first.secret_id).is_none());
        for _ in 0..MAX_ISSUED + 5 {
            store.issue("1", 100, 2_000_000);
        }
        assert_eq!(store.len(), MAX_ISSUED);
    }

    #[test]
    fn random_values_differ_and_debug_hides_secrets() {
        let mut store = IssuedStore::default();
        let a = store.issue("1", 100, 0);
        let b = store.issue("1", 100, 0);
        assert_ne!(a.secret_id, b.secret_id);
        assert_ne!(a.token, b.token);
        assert_eq!(a.token.len(), 96);
        let shown = format!("{a:?} {store:?}");
        assert!(!shown.contains(&a.secret_key), "{shown}");
        assert!(!shown.contains(&a.token), "{shown}");
        let provider = Provider {
            id: "p".to_owned(),
            token: "web-token".to_owned(),
        };
        assert!(!format!("{provider:?}").contains("web-token"));
        let id = request_id();
        assert_eq!(id.len(), 36, "{id}");
        assert_eq!(id.matches('-').count(), 4, "{id}");
    }
}
