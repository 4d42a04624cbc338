//! The request journal: the calls received, in order, each with what it asked and
//! what it was answered, secrets masked; a ring buffer of bounded size.

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use qcapi_core::Params;
use serde_json::{Value, json};

/// How many requests the journal keeps by default (the oldest go first).
pub const DEFAULT_JOURNAL_CAPACITY: usize = 1000;

/// One call the emulator received on `/v2/index.php`.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    /// Position in the order of arrival, from 1; never reused (not even after a clear).
    pub seq: u64,
    /// The `Action` parameter, as sent.
    pub action: String,
    /// The account it acted as (its uin), when the SecretId was known.
    pub account: Option<String>,
    /// The `Region` parameter, as sent.
    pub region: String,
    /// Every parameter as received, `Token`, `Signature` and secret ones masked.
    pub params: Vec<(String, String)>,
    /// The answer's `code` (0 for success).
    pub code: i64,
    /// The answer's `codeDesc` (`Success` for success).
    pub code_desc: String,
    /// How long the emulator took to answer (signature check, model, rendering).
    pub latency: Duration,
}

impl RecordedRequest {
    /// The entry as `GET /_emulator/requests` shows it.
    pub fn to_json(&self) -> Value {
        let params: BTreeMap<&String, &String> = self.params.iter().map(|(n, v)| (n, v)).collect();
        json!({
            "seq": self.seq,
            "action": self.action,
            "account": self.account,
            "region": self.region,
            "params": params,
            "code": self.code,
            "codeDesc": self.code_desc,
            "latencyMicros": u64::try_from(self.latency.as_micros()).unwrap_or(u64::MAX),
        })
    }
}

/// The ring buffer.
#[derive(Debug)]
pub(crate) struct Journal {
    entries: VecDeque<RecordedRequest>,
    capacity: usize,
    next_seq: u64,
    /// Entries pushed out by newer ones since the last clear.
    dropped: u64,
}

impl Default for Journal {
    fn default() -> Self {
        Self::new(DEFAULT_JOURNAL_CAPACITY)
    }
}

impl Journal {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            entries: VecDeque::with_capacity(capacity.min(DEFAULT_JOURNAL_CAPACITY)),
            capacity,
            next_seq: 1,
            dropped: 0,
        }
    }

    /// Records a call, keeping its `params` (moved, not copied); they are masked
    /// here, so no secret is ever stored.
    pub(crate) fn record(
        &mut self,
        params: Params,
        account: Option<String>,
        code: i64,
        code_desc: &str,
        latency: Duration,
    ) {
        if self.capacity == 0 {
            return;
        }
        if self.entries.len() == self.capacity {
            self.entries.pop_front();
            self.dropped += 1;
        }
        let get = |name: &str| params.get(name).unwrap_or_default().to_owned();
        let (action, region) = (get("Action"), get("Region"));
        let shown = |(name, value): (String, String)| {
            let masked = qcapi_core::redact::masked(&name, &value).map(Cow::into_owned);
            (name, masked.unwrap_or(value))
        };
        let entry = RecordedRequest {
            seq: self.next_seq,
            action,
            account,
            region,
            params: params.into_iter().map(shown).collect(),
            code,
            code_desc: code_desc.to_owned(),
            latency,
        };
        self.next_seq += 1;
        self.entries.push_back(entry);
    }

    pub(crate) fn entries(&self) -> Vec<RecordedRequest> {
        self.entries.iter().cloned().collect()
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Empties the journal; returns how many entries went.
    pub(crate) fn clear(&mut self) -> usize {
        self.dropped = 0;
        std::mem::take(&mut self.entries).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(action: &str) -> Params {
        [
            ("Action", action),
            ("Region", "gz"),
            ("SecretId", "AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA"),
            ("Signature", "sig-value"),
            ("Token", "token-value"),
            ("preSharedKey", "psk-value"),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn keeps_the_newest_in_order_and_masks_secrets() {
        let mut journal = Journal::new(2);
        for action in ["A", "B", "C"] {
            journal.record(
                params(action),
                Some("1".into()),
                0,
                "Success",
                Duration::ZERO,
            );
        }
        let entries = journal.entries();
        let seen: Vec<(u64, &str)> = entries.iter().map(|e| (e.seq, e.action.as_str())).collect();
        assert_eq!(seen, [(2, "B"), (3, "C")]);
        assert_eq!(journal.dropped(), 1);
        let text = format!("{:?}", entries[0].to_json());
        for secret in [
            "sig-value",
            "token-value",
            "psk-value",
            "krbsJ5yKBZQpn74WFkmLPx3gnPh",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(journal.clear(), 2);
        journal.record(params("D"), None, 4000, "InvalidParameter", Duration::ZERO);
        assert_eq!(journal.entries()[0].seq, 4, "numbers are never reused");
        assert!(Journal::new(0).entries().is_empty());
    }
}
