//! Fault injection: rules that make `/v2/index.php` answer late, with an HTTP
//! error, with a throttling envelope, or not at all, so client retries and
//! timeouts can be tested against a real socket.
//!
//! A [`Fault`] is a [`FaultKind`], an optional action filter and a trigger (a
//! budget of `times` faults and/or a `fraction` of matching requests). The
//! server keeps the active rules in a [`FaultSet`] and asks it, for every API
//! request, which fault (if any) applies.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// The longest latency the admin endpoint and `--fault` accept (one hour);
/// the library API takes any [`Duration`].
pub(crate) const MAX_LATENCY_MILLIS: u64 = 3_600_000;

/// What an injected fault does to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// Waits this long, then handles the request normally.
    Latency(Duration),
    /// Answers this HTTP status (200..=599) with a short plain-text body,
    /// without authenticating or executing the request.
    HttpStatus(u16),
    /// Drops the TCP connection without writing any response, without
    /// executing the request.
    CloseConnection,
    /// Answers HTTP 200 with the envelope
    /// `{"code":4400,"codeDesc":"RequestLimitExceeded",...}`, without
    /// executing the request.
    Throttle,
}

/// A fault rule: what to do ([`FaultKind`]), to which requests (every one, or
/// only those whose `Action` parameter equals [`Fault::for_action`]'s), and
/// how often ([`Fault::times`], [`Fault::fraction`]).
///
/// Without `times` the rule never runs out; without `fraction` it hits every
/// matching request. With both, it hits that fraction of matching requests
/// until it has fired `times` times.
///
/// ```
/// use std::time::Duration;
/// use qcapi_emulator::Fault;
///
/// let unavailable = Fault::http_status(503).times(2);
/// let dropped_create = Fault::close_connection().for_action("CreateVpc").times(1);
/// let slow = Fault::latency(Duration::from_millis(500)).fraction(0.5);
/// assert_eq!(dropped_create.to_string(), "close,action=CreateVpc,times=1");
/// assert_eq!("latency=500ms,fraction=0.5".parse::<Fault>(), Ok(slow));
/// # let _ = unavailable;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    kind: FaultKind,
    action: Option<String>,
    times: Option<u64>,
    fraction: f64,
}

impl Fault {
    /// A rule of `kind` hitting every request, without limit.
    ///
    /// # Panics
    ///
    /// If `kind` is an [`FaultKind::HttpStatus`] outside `200..=599`.
    pub fn new(kind: FaultKind) -> Self {
        if let FaultKind::HttpStatus(status) = kind {
            assert!(
                (200..=599).contains(&status),
                "a fault's HTTP status must be within 200..=599, got {status}"
            );
        }
        Self {
            kind,
            action: None,
            times: None,
            fraction: 1.0,
        }
    }

    /// Delays requests by `delay`, then handles them normally.
    pub fn latency(delay: Duration) -> Self {
        Self::new(FaultKind::Latency(delay))
    }

    /// Answers `status` with a short non-JSON body, without executing the request.
    ///
    /// # Panics
    ///
    /// If `status` is outside `200..=599`.
    pub fn http_status(status: u16) -> Self {
        Self::new(FaultKind::HttpStatus(status))
    }

    /// Drops the connection without any response, without executing the request.
    pub fn close_connection() -> Self {
        Self::new(FaultKind::CloseConnection)
    }

    /// Answers the `4400 RequestLimitExceeded` envelope, without executing the request.
    pub fn throttle() -> Self {
        Self::new(FaultKind::Throttle)
    }

    /// Only requests whose `Action` parameter is exactly `action` (the default
    /// is every request, including those without an `Action`).
    pub fn for_action(mut self, action: impl Into<String>) -> Self {
        self.action = Some(action.into());
        self
    }

    /// Fires at most `times` times, then the rule is spent and removed
    /// (`times(0)`: never active).
    pub fn times(mut self, times: u64) -> Self {
        self.times = Some(times);
        self
    }

    /// Hits this fraction of matching requests (default 1: all), drawn from a
    /// seeded pseudo-random sequence, so a run is reproducible: the same rules
    /// injected in the same order hit the same requests. Clamped to `[0, 1]`;
    /// NaN counts as 0.
    pub fn fraction(mut self, fraction: f64) -> Self {
        self.fraction = if fraction.is_nan() {
            0.0
        } else {
            fraction.clamp(0.0, 1.0)
        };
        self
    }

    /// What the rule does.
    pub fn kind(&self) -> FaultKind {
        self.kind
    }

    /// The action it is limited to, if any.
    pub fn action(&self) -> Option<&str> {
        self.action.as_deref()
    }

    /// Its budget, if limited.
    pub fn times_limit(&self) -> Option<u64> {
        self.times
    }

    /// The fraction of matching requests it hits.
    pub fn hit_fraction(&self) -> f64 {
        self.fraction
    }

    /// The rule as the admin endpoint shows it (the shape `POST /_emulator/faults` takes).
    pub(crate) fn to_json(&self) -> Map<String, Value> {
        let kind = match self.kind {
            FaultKind::Latency(delay) => KindJson::Latency {
                millis: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            },
            FaultKind::HttpStatus(status) => KindJson::HttpStatus {
                status: status.into(),
            },
            FaultKind::CloseConnection => KindJson::Close {},
            FaultKind::Throttle => KindJson::Throttle {},
        };
        json_object(&FaultJson {
            kind,
            action: self.action.clone(),
            times: self.times,
            fraction: Some(self.fraction),
        })
    }

    /// Parses the admin endpoint's JSON, e.g.
    /// `{"kind":"http_status","status":503,"action":"CreateVpc","times":2}`.
    pub(crate) fn from_json(value: &Value) -> Result<Self, String> {
        let json: FaultJson = admin_json(value, Some("kind"))?;
        let kind = match json.kind {
            KindJson::Latency { millis } => FaultKind::Latency(check_latency(millis)?),
            KindJson::HttpStatus { status } => FaultKind::HttpStatus(check_status(status)?),
            KindJson::Close {} => FaultKind::CloseConnection,
            KindJson::Throttle {} => FaultKind::Throttle,
        };
        Ok(Self {
            action: json.action.map(check_action).transpose()?,
            times: json.times.map(check_times).transpose()?,
            fraction: json.fraction.map_or(Ok(1.0), check_fraction)?,
            ..Self::new(kind)
        })
    }
}

/// A rule as the admin endpoint takes and shows it.
#[derive(Serialize, Deserialize)]
#[serde(expecting = "a JSON object with a `kind` field")]
struct FaultJson {
    #[serde(flatten)]
    kind: KindJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    times: Option<u64>,
    fraction: Option<f64>,
}

/// The `kind` of a [`FaultJson`] and the field it needs. Struct variants, even
/// empty ones, so that a field of another kind is refused (the fields common to
/// every kind are taken by [`FaultJson`] first).
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum KindJson {
    Latency { millis: u64 },
    HttpStatus { status: u64 },
    Close {},
    Throttle {},
}

/// Parses an admin endpoint's JSON body as `T`, stricter than serde alone: a
/// top-level `null` is refused (serde would read it as an absent optional field),
/// and so is a `tag` naming the variant by anything but a string (serde would
/// also take the variant's index).
pub(crate) fn admin_json<'v, T: Deserialize<'v>>(
    value: &'v Value,
    tag: Option<&str>,
) -> Result<T, String> {
    if let Some(tag) = tag.filter(|tag| value.get(tag).is_some_and(|name| !name.is_string())) {
        return Err(format!("`{tag}` must be a string"));
    }
    refuse_nulls(value)?;
    T::deserialize(value).map_err(|e| e.to_string())
}

/// Refuses a `null` field of `object` as a value of the wrong type.
pub(crate) fn refuse_nulls(object: &Value) -> Result<(), String> {
    let mut fields = object.as_object().into_iter().flatten();
    match fields.find(|(_, value)| value.is_null()) {
        Some((name, _)) => Err(format!("`{name}` must not be null")),
        None => Ok(()),
    }
}

/// `value` as a JSON object. The admin types always serialize to one (string
/// keys, derived impls), so the empty fallback is never used.
pub(crate) fn json_object(value: &impl Serialize) -> Map<String, Value> {
    match serde_json::to_value(value) {
        Ok(Value::Object(fields)) => fields,
        _ => Map::new(),
    }
}

const KINDS_FLAG: &str = "one of `status=CODE`, `latency=DURATION`, `close`, `throttle`";

fn check_status(status: u64) -> Result<u16, String> {
    u16::try_from(status)
        .ok()
        .filter(|s| (200..=599).contains(s))
        .ok_or_else(|| format!("the status must be within 200..=599, got {status}"))
}

fn check_latency(millis: u64) -> Result<Duration, String> {
    (millis <= MAX_LATENCY_MILLIS)
        .then(|| Duration::from_millis(millis))
        .ok_or_else(|| format!("the latency must be at most {MAX_LATENCY_MILLIS} ms, got {millis}"))
}

fn check_times(times: u64) -> Result<u64, String> {
    (times > 0)
        .then_some(times)
        .ok_or_else(|| "`times` must be at least 1".to_owned())
}

fn check_fraction(fraction: f64) -> Result<f64, String> {
    (0.0..=1.0)
        .contains(&fraction)
        .then_some(fraction)
        .ok_or_else(|| format!("`fraction` must be within [0, 1], got {fraction}"))
}

fn check_action(action: String) -> Result<String, String> {
    (!action.is_empty())
        .then_some(action)
        .ok_or_else(|| "`action` must not be empty".to_owned())
}

/// Fills `slot`, or fails if it was already filled (one kind, each option once).
fn set_once<T>(slot: &mut Option<T>, name: &str, value: T) -> Result<(), String> {
    if slot.replace(value).is_some() {
        return Err(if name == "kind" {
            "more than one fault kind".to_owned()
        } else {
            format!("`{name}` is given twice")
        });
    }
    Ok(())
}

/// A `--fault` item's value as a `T`, or an error saying it must be `what`.
fn parse_item<T: FromStr>(key: &str, value: &str, what: &str) -> Result<T, String> {
    value.parse().map_err(|_| format!("`{key}` must be {what}"))
}

/// Parses a whole number with a unit, `250us`, `500ms` or `2s`, of at most
/// `max` (whole seconds); `what` ("a latency", "a timeout") names it in errors.
pub(crate) fn parse_duration(text: &str, what: &str, max: Duration) -> Result<Duration, String> {
    let shape = || format!("expected {what} like `500ms` or `2s`, got `{text}`");
    let (digits, unit) = text
        .find(|c: char| !c.is_ascii_digit())
        .map(|at| text.split_at(at))
        .ok_or_else(shape)?;
    let number: u64 = digits.parse().map_err(|_| shape())?;
    let duration = match unit {
        "us" => Duration::from_micros(number),
        "ms" => Duration::from_millis(number),
        "s" => Duration::from_secs(number),
        _ => return Err(shape()),
    };
    if duration > max {
        return Err(format!(
            "{what} must be at most {} s, got `{text}`",
            max.as_secs()
        ));
    }
    Ok(duration)
}

impl FromStr for Fault {
    type Err = String;

    /// Parses the `--fault` syntax: comma-separated items, exactly one of
    /// `status=CODE`, `latency=DURATION` (`500ms`, `2s`, `250us`), `close`,
    /// `throttle`, and optionally `action=NAME`, `times=N` (N ≥ 1),
    /// `fraction=F` (0 ≤ F ≤ 1). E.g. `status=503,times=2,action=CreateVpc`.
    fn from_str(text: &str) -> Result<Self, String> {
        let mut kind = None;
        let mut action = None;
        let mut times = None;
        let mut fraction = None;
        for item in text.split(',') {
            let (key, raw) = match item.split_once('=') {
                Some((key, value)) => (key.trim(), Some(value.trim())),
                None => (item.trim(), None),
            };
            let value = || raw.ok_or_else(|| format!("`{key}` needs a value: `{key}=...`"));
            match key {
                "" => return Err(format!("empty item in `{text}`")),
                "status" => {
                    let status = check_status(parse_item(key, value()?, "a number")?)?;
                    set_once(&mut kind, "kind", FaultKind::HttpStatus(status))?;
                }
                "latency" => {
                    let max = Duration::from_millis(MAX_LATENCY_MILLIS);
                    let delay = parse_duration(value()?, "a latency", max)?;
                    set_once(&mut kind, "kind", FaultKind::Latency(delay))?;
                }
                "close" | "throttle" if raw.is_some() => {
                    return Err(format!("`{key}` takes no value"));
                }
                "close" => set_once(&mut kind, "kind", FaultKind::CloseConnection)?,
                "throttle" => set_once(&mut kind, "kind", FaultKind::Throttle)?,
                "action" => set_once(&mut action, key, check_action(value()?.to_owned())?)?,
                "times" => {
                    let n = check_times(parse_item(key, value()?, "a whole number")?)?;
                    set_once(&mut times, key, n)?;
                }
                "fraction" => {
                    let f = check_fraction(parse_item(key, value()?, "a number")?)?;
                    set_once(&mut fraction, key, f)?;
                }
                other => {
                    return Err(format!(
                        "unknown item `{other}` ({KINDS_FLAG}, then `action=NAME`, `times=N`, `fraction=F`)"
                    ));
                }
            }
        }
        let kind = kind.ok_or_else(|| format!("no fault kind in `{text}` ({KINDS_FLAG})"))?;
        Ok(Self {
            action,
            times,
            fraction: fraction.unwrap_or(1.0),
            ..Self::new(kind)
        })
    }
}

impl fmt::Display for Fault {
    /// Writes the `--fault` syntax, e.g. `status=503,action=CreateVpc,times=2`
    /// (`fraction` only when below 1; sub-microsecond latency is truncated).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            FaultKind::Latency(delay) if delay.subsec_micros() % 1000 != 0 => {
                write!(f, "latency={}us", delay.as_micros())?;
            }
            FaultKind::Latency(delay) => write!(f, "latency={}ms", delay.as_millis())?,
            FaultKind::HttpStatus(status) => write!(f, "status={status}")?,
            FaultKind::CloseConnection => f.write_str("close")?,
            FaultKind::Throttle => f.write_str("throttle")?,
        }
        if let Some(action) = &self.action {
            write!(f, ",action={action}")?;
        }
        if let Some(times) = self.times {
            write!(f, ",times={times}")?;
        }
        if self.fraction < 1.0 {
            write!(f, ",fraction={}", self.fraction)?;
        }
        Ok(())
    }
}

/// xorshift64*: a small, seeded, deterministic generator for `fraction` draws.
#[derive(Debug, Clone)]
struct XorShift(u64);

impl XorShift {
    /// A generator for the `ordinal`-th rule (splitmix64 of it, never zero).
    fn for_rule(ordinal: u64) -> Self {
        let mut z = ordinal.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Self(if z == 0 { 1 } else { z })
    }

    /// A uniform draw in `[0, 1)`.
    fn next_unit(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        // The top 53 bits are exact in an f64.
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// An active rule: the fault, what is left of its budget, its own draws.
#[derive(Debug)]
struct Rule {
    fault: Fault,
    remaining: Option<u64>,
    rng: XorShift,
}

/// The active rules, in injection order.
#[derive(Debug, Default)]
pub(crate) struct FaultSet {
    rules: Vec<Rule>,
    /// Rules injected since the last clear: seeds each rule's draws.
    injected: u64,
}

impl FaultSet {
    /// Adds a rule after the existing ones (a rule with no budget is dropped).
    pub(crate) fn push(&mut self, fault: Fault) {
        if fault.times == Some(0) {
            return;
        }
        let rng = XorShift::for_rule(self.injected);
        self.injected += 1;
        self.rules.push(Rule {
            remaining: fault.times,
            fault,
            rng,
        });
    }

    /// How many rules are active.
    pub(crate) fn len(&self) -> usize {
        self.rules.len()
    }

    /// Removes every rule and restarts the seeds; returns how many were active.
    pub(crate) fn clear(&mut self) -> usize {
        let active = self.rules.len();
        *self = Self::default();
        active
    }

    /// The fault for a request with this `Action` (if any): the first rule that
    /// matches the action, has budget left and whose draw hits. Spends one unit
    /// of that rule's budget and removes it once spent.
    pub(crate) fn pick(&mut self, action: Option<&str>) -> Option<FaultKind> {
        self.pick_where(|only| only.is_none_or(|only| action == Some(only)))
    }

    /// As [`FaultSet::pick`], but only rules naming exactly `action` apply: for
    /// the STS and metadata endpoints, so rules without an action keep meaning
    /// "every `/v2/index.php` request" and a credential fetch spends none of them.
    pub(crate) fn pick_exact(&mut self, action: &str) -> Option<FaultKind> {
        self.pick_where(|only| only == Some(action))
    }

    fn pick_where(&mut self, matches: impl Fn(Option<&str>) -> bool) -> Option<FaultKind> {
        let at = self.rules.iter_mut().position(|rule| {
            // A spent rule is gone already: `push` drops empty ones and this removes them.
            matches(rule.fault.action.as_deref()) && rule.rng.next_unit() < rule.fault.fraction
        })?;
        let rule = &mut self.rules[at];
        let kind = rule.fault.kind;
        if let Some(remaining) = &mut rule.remaining {
            *remaining -= 1;
            if *remaining == 0 {
                self.rules.remove(at);
            }
        }
        Some(kind)
    }

    /// The active rules as JSON, each with its `remaining` budget (null: unlimited).
    pub(crate) fn to_json(&self) -> Value {
        let listed = self.rules.iter().map(|rule| {
            let mut fields = rule.fault.to_json();
            fields.insert("remaining".into(), json!(rule.remaining));
            Value::Object(fields)
        });
        listed.collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_syntax() {
        fn check(input: &str, expected: Result<Fault, &str>) {
            let got = input.parse::<Fault>();
            match (&got, &expected) {
                (Ok(got), Ok(expected)) => assert_eq!(got, expected, "{input}"),
                (Err(message), Err(part)) => {
                    assert!(message.contains(part), "{input}: {message}")
                }
                _ => panic!("{input}: got {got:?}, expected {expected:?}"),
            }
        }
        let ms = Duration::from_millis;
        check(
            "status=503,times=2,action=CreateVpc",
            Ok(Fault::http_status(503).times(2).for_action("CreateVpc")),
        );
        check("close,times=1", Ok(Fault::close_connection().times(1)));
        check(
            "latency=500ms,fraction=0.5",
            Ok(Fault::latency(ms(500)).fraction(0.5)),
        );
        check("throttle,times=3", Ok(Fault::throttle().times(3)));
        check("latency=2s", Ok(Fault::latency(ms(2000))));
        check("latency=0ms", Ok(Fault::latency(ms(0))));
        check(
            "latency=250us",
            Ok(Fault::latency(Duration::from_micros(250))),
        );
        check(
            "times=1, action=DeleteVpc ,close",
            Ok(Fault::close_connection().times(1).for_action("DeleteVpc")),
        );
        check("status=200", Ok(Fault::http_status(200)));
        check("throttle,fraction=0", Ok(Fault::throttle().fraction(0.0)));
        check("throttle,fraction=1", Ok(Fault::throttle()));

        check("", Err("empty item"));
        check("close,", Err("empty item"));
        check("times=2", Err("no fault kind"));
        check("close,throttle", Err("more than one fault kind"));
        check("status=503,status=500", Err("more than one fault kind"));
        check("status", Err("`status` needs a value"));
        check("status=abc", Err("`status` must be a number"));
        check("status=99", Err("200..=599"));
        check("status=600", Err("200..=599"));
        check("status=70000", Err("200..=599"));
        check("close=1", Err("`close` takes no value"));
        check("throttle=yes", Err("`throttle` takes no value"));
        check("latency=500", Err("like `500ms`"));
        check("latency=ms", Err("like `500ms`"));
        check("latency=1.5s", Err("like `500ms`"));
        check("latency=5m", Err("like `500ms`"));
        check("latency=3601s", Err("at most"));
        check("latency=99999999999999999999s", Err("like `500ms`"));
        check("latency=18446744073709551615s", Err("at most"));
        check("close,times=0", Err("at least 1"));
        check("close,times=-1", Err("whole number"));
        check("close,times=1,times=2", Err("`times` is given twice"));
        check("close,fraction=1.5", Err("within [0, 1]"));
        check("close,fraction=-0.1", Err("within [0, 1]"));
        check("close,fraction=NaN", Err("within [0, 1]"));
        check("close,fraction=x", Err("must be a number"));
        check("close,action=", Err("must not be empty"));
        check("close,action=A,action=B", Err("`action` is given twice"));
        check("close,retry=1", Err("unknown item `retry`"));
    }

    #[test]
    fn display_is_the_flag_syntax() {
        for text in [
            "status=503,action=CreateVpc,times=2",
            "close,times=1",
            "latency=500ms,fraction=0.5",
            "latency=250us",
            "throttle",
        ] {
            let fault: Fault = text.parse().expect(text);
            assert_eq!(fault.to_string(), text);
        }
    }

    #[test]
    fn json_syntax() {
        fn check(input: &str, expected: Result<Fault, &str>) {
            let value: Value = serde_json::from_str(input).expect(input);
            let got = Fault::from_json(&value);
            match (&got, &expected) {
                (Ok(got), Ok(expected)) => {
                    assert_eq!(got, expected, "{input}");
                    // What the endpoint shows parses back to the same rule.
                    let shown = Value::Object(got.to_json());
                    assert_eq!(Fault::from_json(&shown).as_ref(), Ok(got), "{shown}");
                }
                (Err(message), Err(part)) => {
                    assert!(message.contains(part), "{input}: {message}")
                }
                _ => panic!("{input}: got {got:?}, expected {expected:?}"),
            }
        }
        check(
            r#"{"kind":"http_status","status":503,"action":"CreateVpc","times":2}"#,
            Ok(Fault::http_status(503).for_action("CreateVpc").times(2)),
        );
        check(
            r#"{"kind":"latency","millis":500,"fraction":0.5}"#,
            Ok(Fault::latency(Duration::from_millis(500)).fraction(0.5)),
        );
        check(r#"{"kind":"close"}"#, Ok(Fault::close_connection()));
        check(
            r#"{"kind":"throttle","times":3}"#,
            Ok(Fault::throttle().times(3)),
        );
        check(r#"{"kind":"throttle","fraction":1}"#, Ok(Fault::throttle()));

        check("[]", Err("a JSON object"));
        check("{}", Err("missing field `kind`"));
        check(r#"{"kind":5}"#, Err("`kind` must be a string"));
        check(r#"{"kind":"explode"}"#, Err("unknown variant `explode`"));
        check(r#"{"kind":"http_status"}"#, Err("missing field `status`"));
        check(
            r#"{"kind":"http_status","status":"503"}"#,
            Err("expected u64"),
        );
        check(r#"{"kind":"http_status","status":700}"#, Err("200..=599"));
        check(r#"{"kind":"latency"}"#, Err("missing field `millis`"));
        check(r#"{"kind":"latency","millis":-1}"#, Err("integer"));
        check(r#"{"kind":"latency","millis":3600001}"#, Err("at most"));
        check(
            r#"{"kind":"close","status":500}"#,
            Err("unknown field `status`"),
        );
        check(
            r#"{"kind":"close","seconds":1}"#,
            Err("unknown field `seconds`"),
        );
        check(r#"{"kind":"close","times":0}"#, Err("at least 1"));
        check(r#"{"kind":"close","times":1.5}"#, Err("expected u64"));
        check(r#"{"kind":"close","fraction":2}"#, Err("within [0, 1]"));
        check(r#"{"kind":"close","fraction":"half"}"#, Err("expected f64"));
        check(r#"{"kind":"close","action":""}"#, Err("must not be empty"));
        check(r#"{"kind":"close","action":7}"#, Err("expected a string"));
    }

    #[test]
    fn json_is_stricter_than_serde_alone() {
        for (input, expected) in [
            (r#"{"kind":0,"millis":5}"#, "`kind` must be a string"),
            (
                r#"{"kind":"close","times":null}"#,
                "`times` must not be null",
            ),
            (
                r#"{"kind":"close","action":null}"#,
                "`action` must not be null",
            ),
            (
                r#"{"kind":"close","fraction":null}"#,
                "`fraction` must not be null",
            ),
        ] {
            let value: Value = serde_json::from_str(input).expect(input);
            assert_eq!(
                Fault::from_json(&value),
                Err(expected.to_owned()),
                "{input}"
            );
        }
    }

    #[test]
    fn builder_clamps_fractions() {
        assert_eq!(Fault::throttle().fraction(2.0).hit_fraction(), 1.0);
        assert_eq!(Fault::throttle().fraction(-1.0).hit_fraction(), 0.0);
        assert_eq!(Fault::throttle().fraction(f64::NAN).hit_fraction(), 0.0);
    }

    #[test]
    #[should_panic(expected = "200..=599")]
    fn builder_rejects_odd_statuses() {
        let _ = Fault::http_status(101);
    }

    #[test]
    fn budgets_filters_and_order() {
        let mut set = FaultSet::default();
        set.push(Fault::http_status(503).for_action("CreateVpc").times(1));
        set.push(Fault::throttle().times(2));
        // The first rule only sees CreateVpc; the second takes the rest.
        assert_eq!(set.pick(Some("DescribeVpcEx")), Some(FaultKind::Throttle));
        assert_eq!(
            set.pick(Some("CreateVpc")),
            Some(FaultKind::HttpStatus(503))
        );
        assert_eq!(set.pick(Some("CreateVpc")), Some(FaultKind::Throttle));
        assert_eq!(set.pick(Some("CreateVpc")), None);
        assert_eq!(set.pick(None), None);
        assert_eq!(set.to_json(), json!([]));

        set.push(Fault::throttle().times(0));
        assert_eq!(set.len(), 0);
        set.push(Fault::close_connection().for_action("DeleteVpc"));
        assert_eq!(set.pick(None), None);
        for _ in 0..5 {
            assert_eq!(
                set.pick(Some("DeleteVpc")),
                Some(FaultKind::CloseConnection)
            );
        }
        assert_eq!(set.clear(), 1);
        assert_eq!(set.pick(Some("DeleteVpc")), None);
    }

    #[test]
    fn fractions_are_reproducible() {
        fn pattern(fraction: f64) -> Vec<bool> {
            let mut set = FaultSet::default();
            set.push(Fault::throttle().fraction(fraction));
            (0..1000).map(|_| set.pick(None).is_some()).collect()
        }
        let half = pattern(0.5);
        assert_eq!(half, pattern(0.5), "the same rules hit the same requests");
        let hits = half.iter().filter(|hit| **hit).count();
        assert!((400..=600).contains(&hits), "{hits} of 1000");
        assert!(pattern(1.0).iter().all(|hit| *hit));
        assert!(pattern(0.0).iter().all(|hit| !*hit));
        let tenth = pattern(0.1).iter().filter(|hit| **hit).count();
        assert!((50..=150).contains(&tenth), "{tenth} of 1000");

        // A fraction with a budget stops after the budget.
        let mut set = FaultSet::default();
        set.push(Fault::throttle().fraction(0.5).times(3));
        let hits = (0..1000).filter(|_| set.pick(None).is_some()).count();
        assert_eq!(hits, 3);
    }

    #[test]
    fn listing_shows_remaining_budgets() {
        let mut set = FaultSet::default();
        set.push(Fault::throttle().times(2));
        set.push(Fault::latency(Duration::from_millis(5)));
        set.pick(None);
        assert_eq!(
            set.to_json(),
            json!([
                {"kind": "throttle", "times": 2, "fraction": 1.0, "remaining": 1},
                {"kind": "latency", "millis": 5, "fraction": 1.0, "remaining": null},
            ])
        );
    }
}
