//! Flattening typed values into the legacy API's flat `name=value` parameters.
//!
//! Arrays become `name.0`, `name.1`, ...; objects become `name.field`; arrays of
//! objects `name.0.field`. Order is insertion order (deterministic); the signer
//! sorts by name anyway.

use std::borrow::Cow;

use crate::spec::InvalidParam;

/// An ordered list of flat request parameters.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Params {
    // Names are mostly the generated code's literals: borrowed, never copied.
    entries: Vec<(Cow<'static, str>, String)>,
}

impl Params {
    /// No parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes `value` under `name`, flattening arrays and objects. A `&'static str`
    /// name is kept without a copy.
    pub fn put(&mut self, name: impl Into<Cow<'static, str>>, value: &(impl ParamValue + ?Sized)) {
        value.write_param(name.into(), self);
    }

    /// Appends one flat parameter as is.
    pub fn push(&mut self, name: impl Into<Cow<'static, str>>, value: impl Into<String>) {
        self.entries.push((name.into(), value.into()));
    }

    /// Sets a flat parameter, replacing every earlier value of that name.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.entries.retain(|(n, _)| n != name);
        self.entries
            .push((Cow::Owned(name.to_owned()), value.into()));
    }

    /// Keeps only the parameters whose name passes `keep`.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.entries.retain(|(n, _)| keep(n.as_ref()));
    }

    /// Removes every value of `name`.
    pub fn remove(&mut self, name: &str) {
        self.entries.retain(|(n, _)| n != name);
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The parameters in insertion order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&str, &str)> + ExactSizeIterator {
        self.entries.iter().map(|(n, v)| (n.as_ref(), v.as_str()))
    }

    /// How many flat parameters there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Flattens a JSON value: arrays to `name.N`, objects to `name.key`, scalars
    /// as text (strings without quotes). `null` writes nothing. The CLI uses this
    /// for `--subnetSet '[{...}]'`.
    pub fn put_json(&mut self, name: &str, value: &serde_json::Value) {
        use serde_json::Value;
        match value {
            Value::Null => {}
            Value::Bool(b) => self.push(name.to_owned(), b.to_string()),
            Value::Number(n) => self.push(name.to_owned(), n.to_string()),
            Value::String(s) => self.push(name.to_owned(), s.clone()),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.put_json(&format!("{name}.{i}"), item);
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    self.put_json(&format!("{name}.{key}"), item);
                }
            }
        }
    }
}

impl std::fmt::Debug for Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secret values (Token, Signature, spec'd secrets) masked, the SecretId partly.
        f.debug_map()
            .entries(self.entries.iter().map(|(n, v)| {
                let shown = crate::redact::masked(n, v).unwrap_or(std::borrow::Cow::Borrowed(v));
                (n.as_ref(), shown)
            }))
            .finish()
    }
}

/// The parameters in insertion order, by value: names and values move out
/// without a copy (the emulator's journal keeps a request's parameters this way).
impl IntoIterator for Params {
    type Item = (String, String);
    type IntoIter = std::iter::Map<
        std::vec::IntoIter<(Cow<'static, str>, String)>,
        fn((Cow<'static, str>, String)) -> (String, String),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter().map(|(n, v)| (n.into_owned(), v))
    }
}

impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Params {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        Self {
            entries: iter
                .into_iter()
                .map(|(n, v)| (Cow::Owned(n.into()), v.into()))
                .collect(),
        }
    }
}

/// `name.field`, the flat name of an object's field (without `format!`'s machinery:
/// this runs once per flattened parameter).
pub fn dotted(name: &str, field: &str) -> String {
    let mut out = String::with_capacity(name.len() + 1 + field.len());
    out.push_str(name);
    out.push('.');
    out.push_str(field);
    out
}

/// `name.i`, the flat name of an array's item.
fn indexed(name: &str, i: usize) -> String {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = i;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut out = String::with_capacity(name.len() + 1 + digits.len() - at);
    out.push_str(name);
    out.push('.');
    out.extend(digits[at..].iter().map(|d| char::from(*d)));
    out
}

/// A value that can be written as one or more flat parameters under a name.
pub trait ParamValue {
    /// Writes `self` under `name`.
    fn write_param(&self, name: Cow<'static, str>, params: &mut Params);
}

impl ParamValue for str {
    fn write_param(&self, name: Cow<'static, str>, params: &mut Params) {
        params.push(name, self);
    }
}

impl ParamValue for String {
    fn write_param(&self, name: Cow<'static, str>, params: &mut Params) {
        params.push(name, self.clone());
    }
}

macro_rules! display_param {
    ($($t:ty),*) => {$(
        impl ParamValue for $t {
            fn write_param(&self, name: Cow<'static, str>, params: &mut Params) {
                params.push(name, self.to_string());
            }
        }
    )*};
}
display_param!(i64, u64, i32, u32, bool, f64);

impl ParamValue for serde_json::Value {
    fn write_param(&self, name: Cow<'static, str>, params: &mut Params) {
        params.put_json(&name, self);
    }
}

impl<T: ParamValue> ParamValue for [T] {
    fn write_param(&self, name: Cow<'static, str>, params: &mut Params) {
        for (i, item) in self.iter().enumerate() {
            item.write_param(Cow::Owned(indexed(&name, i)), params);
        }
    }
}

impl<T: ParamValue> ParamValue for Vec<T> {
    fn write_param(&self, name: Cow<'static, str>, params: &mut Params) {
        self.as_slice().write_param(name, params);
    }
}

impl<T: ParamValue> ParamValue for Option<T> {
    fn write_param(&self, name: Cow<'static, str>, params: &mut Params) {
        if let Some(value) = self {
            value.write_param(name, params);
        }
    }
}

/// Flat parameters sorted by name (the first value of a repeated name wins), for
/// lookups by name and by dotted prefix without building a map: what validation
/// and the server side's [`FromParam`] read.
pub struct ParamReader<'a>(Vec<(&'a str, &'a str)>);

impl<'a> ParamReader<'a> {
    /// Sorts `params` for lookups.
    pub fn new(params: &'a Params) -> Self {
        let mut entries: Vec<(&str, &str)> = params.iter().collect();
        // Stable: among equal names the first written stays first, and is kept.
        entries.sort_by(|a, b| a.0.cmp(b.0));
        entries.dedup_by(|later, first| later.0 == first.0);
        Self(entries)
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.0
            .binary_search_by(|(n, _)| (*n).cmp(name))
            .ok()
            .map(|i| self.0[i].1)
    }

    /// The names and values under `prefix` (which ends with a dot), in order.
    pub fn under<'s>(&'s self, prefix: &'s str) -> impl Iterator<Item = (&'a str, &'a str)> + 's {
        let start = self.0.partition_point(|(n, _)| *n < prefix);
        self.0[start..]
            .iter()
            .copied()
            .take_while(move |(n, _)| n.starts_with(prefix))
    }

    /// Indices `N` of names `prefix.N` or `prefix.N.rest` (`prefix` ends with a dot),
    /// in numeric order.
    pub fn indices(&self, prefix: &str) -> Vec<u64> {
        let mut found: Vec<u64> = self
            .under(prefix)
            .filter_map(|(n, _)| n[prefix.len()..].split('.').next()?.parse().ok())
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// Reads `name` as a `T`; missing is an error naming it.
    pub fn required<T: FromParam>(&self, name: &str) -> Result<T, InvalidParam> {
        T::from_param(self, name)?.ok_or_else(|| InvalidParam {
            parameter: name.to_owned(),
            reason: "missing required parameter".to_owned(),
        })
    }

    /// Reads `name` as a `T`, if it is there.
    pub fn optional<T: FromParam>(&self, name: &str) -> Result<Option<T>, InvalidParam> {
        T::from_param(self, name)
    }

    /// Whether anything is set under `name.`.
    fn has_under(&self, name: &str) -> bool {
        let prefix = dotted(name, "");
        self.under(&prefix).next().is_some()
    }
}

/// The inverse of [`ParamValue`]: a value read back from flat parameters, as the
/// emulator receives them. Validation against the spec runs first, so the errors
/// here are the ones it cannot see (a list item with a gap, say).
pub trait FromParam: Sized {
    /// Reads the value under `name`; `None` when nothing is set there.
    fn from_param(params: &ParamReader<'_>, name: &str) -> Result<Option<Self>, InvalidParam>;
}

/// A request read from the flat parameters a server received: the generated
/// request types implement it (with qcapi-core's `server` feature).
pub trait FromParams: Sized {
    /// The spec the request is read and validated with.
    fn action_spec() -> &'static crate::spec::ActionSpec;

    /// Validates `params` against the spec and reads the request; the error names
    /// the first parameter at fault, as the client side's validation does.
    fn from_params(params: &Params) -> Result<Self, InvalidParam>;
}

fn wrong_type(name: &str, expected: &str, value: &str) -> InvalidParam {
    InvalidParam {
        parameter: name.to_owned(),
        reason: format!("expected {expected}, got `{value}`"),
    }
}

impl FromParam for String {
    fn from_param(params: &ParamReader<'_>, name: &str) -> Result<Option<Self>, InvalidParam> {
        Ok(params.get(name).map(str::to_owned))
    }
}

macro_rules! parsed_param {
    ($($t:ty => $what:literal),*) => {$(
        impl FromParam for $t {
            fn from_param(params: &ParamReader<'_>, name: &str) -> Result<Option<Self>, InvalidParam> {
                params
                    .get(name)
                    .map(|v| v.trim().parse().map_err(|_| wrong_type(name, $what, v)))
                    .transpose()
            }
        }
    )*};
}
parsed_param!(i64 => "an integer", f64 => "a number");

/// A boolean parameter's value: `true`/`True`/`1` or `false`/`False`/`0`, the
/// spellings validation accepts; `None` for anything else.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "1" => Some(true),
        "false" | "False" | "0" => Some(false),
        _ => None,
    }
}

impl FromParam for bool {
    fn from_param(params: &ParamReader<'_>, name: &str) -> Result<Option<Self>, InvalidParam> {
        params
            .get(name)
            .map(|v| parse_bool(v).ok_or_else(|| wrong_type(name, "true/false or 1/0", v)))
            .transpose()
    }
}

impl<T: FromParam> FromParam for Vec<T> {
    fn from_param(params: &ParamReader<'_>, name: &str) -> Result<Option<Self>, InvalidParam> {
        let indices = params.indices(&dotted(name, ""));
        if indices.is_empty() {
            return Ok(None);
        }
        let items = indices
            .into_iter()
            .map(|i| params.required(&indexed(name, i as usize)))
            .collect::<Result<Vec<T>, _>>()?;
        Ok(Some(items))
    }
}

/// Free JSON: a value given whole is read as JSON (or kept as a string), one given
/// flat (`name.key`, `name.0`) is rebuilt into objects and arrays.
impl FromParam for serde_json::Value {
    fn from_param(params: &ParamReader<'_>, name: &str) -> Result<Option<Self>, InvalidParam> {
        use serde_json::Value;
        if let Some(text) = params.get(name) {
            let value = serde_json::from_str(text).unwrap_or_else(|_| Value::from(text));
            return Ok(Some(value));
        }
        let prefix = dotted(name, "");
        let mut root = Value::Null;
        let mut any = false;
        for (full, text) in params.under(&prefix) {
            any = true;
            insert_path(&mut root, &mut full[prefix.len()..].split('.'), text);
        }
        Ok(any.then(|| arrays_from_indices(root)))
    }
}

/// Sets `text` at the dotted `keys` below `at`, making objects on the way (a scalar
/// and a nested name at once: the nested one wins).
fn insert_path<'k>(
    at: &mut serde_json::Value,
    keys: &mut impl Iterator<Item = &'k str>,
    text: &str,
) {
    use serde_json::Value;
    let Some(key) = keys.next() else {
        *at = Value::from(text);
        return;
    };
    if !at.is_object() {
        *at = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(map) = at {
        insert_path(map.entry(key).or_insert(Value::Null), keys, text);
    }
}

/// Objects whose keys are all indices become arrays, in index order.
fn arrays_from_indices(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let numbered: Option<Vec<(u64, Value)>> = map
                .iter()
                .map(|(k, v)| Some((k.parse().ok()?, v.clone())))
                .collect();
            match numbered {
                Some(mut items) if !items.is_empty() => {
                    items.sort_by_key(|(i, _)| *i);
                    Value::Array(
                        items
                            .into_iter()
                            .map(|(_, v)| arrays_from_indices(v))
                            .collect(),
                    )
                }
                _ => Value::Object(
                    map.into_iter()
                        .map(|(k, v)| (k, arrays_from_indices(v)))
                        .collect(),
                ),
            }
        }
        other => other,
    }
}

/// Reading an input object: `None` when no field of it is set.
#[doc(hidden)]
pub fn object_present(params: &ParamReader<'_>, name: &str) -> bool {
    params.has_under(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(write: impl FnOnce(&mut Params), expected: &[(&str, &str)]) {
        let mut params = Params::new();
        write(&mut params);
        let got: Vec<(&str, &str)> = params.iter().collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn item_and_field_names() {
        assert_eq!(indexed("subnetSet", 0), "subnetSet.0");
        assert_eq!(indexed("a", 1234567890), "a.1234567890");
        assert_eq!(indexed("a", usize::MAX), format!("a.{}", usize::MAX));
        assert_eq!(dotted("subnetSet.3", "zoneId"), "subnetSet.3.zoneId");
    }

    #[test]
    fn flattening() {
        check(|p| p.put("vpcId", "vpc-1"), &[("vpcId", "vpc-1")]);
        check(|p| p.put("zoneId", &100003i64), &[("zoneId", "100003")]);
        check(
            |p| p.put("type", &vec![1i64, 2]),
            &[("type.0", "1"), ("type.1", "2")],
        );
        check(|p| p.put("ids", &Vec::<String>::new()), &[]);
        check(|p| p.put("name", &None::<String>), &[]);
        check(
            |p| {
                p.put_json(
                    "subnetSet",
                    &serde_json::json!([{"subnetName": "a", "zoneId": 100003}]),
                )
            },
            &[
                ("subnetSet.0.subnetName", "a"),
                ("subnetSet.0.zoneId", "100003"),
            ],
        );
        check(
            |p| p.put_json("chargePrepaid", &serde_json::json!({"period": 1})),
            &[("chargePrepaid.period", "1")],
        );
    }

    #[test]
    fn into_iter_keeps_order_and_values() {
        let mut params = Params::new();
        params.push("b", "2");
        params.push(String::from("a.0"), "1");
        let owned: Vec<(String, String)> = params.into_iter().collect();
        assert_eq!(
            owned,
            [("b".into(), "2".into()), ("a.0".into(), "1".into())]
        );
    }

    #[test]
    fn debug_redacts_token() {
        let params: Params = [("Token", "tok-secret"), ("vpcId", "vpc-1")]
            .into_iter()
            .collect();
        let shown = format!("{params:?}");
        assert!(!shown.contains("tok-secret"), "{shown}");
        assert!(shown.contains("vpc-1"));
    }
}
