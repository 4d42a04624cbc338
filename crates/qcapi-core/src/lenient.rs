//! Tolerant deserializers for the service's inconsistent JSON types.
//!
//! The legacy API documents numbers but often sends them quoted (`"totalCount":"8"`),
//! sends `""` for absent numbers, and mixes `0`/`1` with booleans. Generated output
//! types call these helpers through `#[serde(deserialize_with = ...)]`; every helper
//! maps `null` (and `""` for non-strings) to `None`.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// Defines a newtype holding `Option<$t>` whose visitor accepts the listed JSON shapes.
macro_rules! lenient_scalar {
    ($name:ident, $t:ty, $expecting:literal, { $($method:ident($arg:ty) => $body:expr;)* }) => {
        struct $name(Option<$t>);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = Option<$t>;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                        Ok(None)
                    }
                    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                        Ok(None)
                    }
                    $(
                        #[allow(clippy::redundant_closure_call)]
                        fn $method<E: de::Error>(self, v: $arg) -> Result<Self::Value, E> {
                            ($body)(v).map_err(|msg: String| E::custom(msg))
                        }
                    )*
                }
                d.deserialize_any(V).map($name)
            }
        }
    };
}

fn int_from_str(s: &str) -> Result<Option<i64>, String> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if let Ok(n) = t.parse::<i64>() {
        return Ok(Some(n));
    }
    match t.parse::<f64>() {
        Ok(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
        _ => Err(format!("expected an integer, got {s:?}")),
    }
}

lenient_scalar!(LenientInt, i64, "an integer or a numeric string", {
    visit_i64(i64) => |v| Ok(Some(v));
    visit_u64(u64) => |v: u64| i64::try_from(v).map(Some).map_err(|_| format!("integer {v} out of range"));
    visit_f64(f64) => |v: f64| if v.fract() == 0.0 && v.abs() < 9.0e15 { Ok(Some(v as i64)) } else { Err(format!("expected an integer, got {v}")) };
    visit_str(&str) => int_from_str;
    visit_bool(bool) => |v: bool| Ok(Some(i64::from(v)));
});

lenient_scalar!(LenientFloat, f64, "a number or a numeric string", {
    visit_i64(i64) => |v| Ok(Some(v as f64));
    visit_u64(u64) => |v| Ok(Some(v as f64));
    visit_f64(f64) => |v| Ok(Some(v));
    visit_str(&str) => |s: &str| {
        let t = s.trim();
        if t.is_empty() { Ok(None) } else { t.parse::<f64>().map(Some).map_err(|_| format!("expected a number, got {s:?}")) }
    };
});

lenient_scalar!(LenientBool, bool, "a boolean, 0/1, or \"true\"/\"false\"", {
    visit_bool(bool) => |v| Ok(Some(v));
    visit_i64(i64) => |v| Ok(Some(v != 0));
    visit_u64(u64) => |v| Ok(Some(v != 0));
    visit_str(&str) => |s: &str| match s.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "1" | "yes" => Ok(Some(true)),
        "false" | "0" | "no" => Ok(Some(false)),
        _ => Err(format!("expected a boolean, got {s:?}")),
    };
});

lenient_scalar!(LenientString, String, "a string or a number", {
    visit_str(&str) => |s: &str| Ok(Some(s.to_owned()));
    visit_string(String) => |s| Ok(Some(s));
    visit_i64(i64) => |v: i64| Ok(Some(v.to_string()));
    visit_u64(u64) => |v: u64| Ok(Some(v.to_string()));
    visit_f64(f64) => |v: f64| Ok(Some(v.to_string()));
    visit_bool(bool) => |v: bool| Ok(Some(v.to_string()));
});

/// An integer, or a string holding one.
pub fn integer<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    LenientInt::deserialize(d).map(|v| v.0)
}

/// A number, or a string holding one.
pub fn float<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    LenientFloat::deserialize(d).map(|v| v.0)
}

/// A boolean, `0`/`1`, or `"true"`/`"false"`/`"0"`/`"1"`.
pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    LenientBool::deserialize(d).map(|v| v.0)
}

/// A string; numbers and booleans are accepted as their text.
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    LenientString::deserialize(d).map(|v| v.0)
}

macro_rules! lenient_list {
    ($(#[$doc:meta] $fn_name:ident, $wrapper:ident, $t:ty;)*) => {$(
        #[$doc]
        pub fn $fn_name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<$t>>, D::Error> {
            let items: Option<Vec<$wrapper>> = Option::deserialize(d)?;
            Ok(items.map(|v| v.into_iter().filter_map(|x| x.0).collect()))
        }
    )*};
}

lenient_list! {
    /// A list of integers, each possibly quoted.
    integer_list, LenientInt, i64;
    /// A list of numbers, each possibly quoted.
    float_list, LenientFloat, f64;
    /// A list of booleans in any of the accepted spellings.
    boolean_list, LenientBool, bool;
    /// A list of strings; numbers are accepted as their text.
    string_list, LenientString, String;
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Sample {
        #[serde(default, deserialize_with = "super::integer")]
        n: Option<i64>,
        #[serde(default, deserialize_with = "super::boolean")]
        b: Option<bool>,
        #[serde(default, deserialize_with = "super::string")]
        s: Option<String>,
        #[serde(default, deserialize_with = "super::integer_list")]
        ns: Option<Vec<i64>>,
    }

    type Scalars = (Option<i64>, Option<bool>, Option<String>);

    fn check(input: serde_json::Value, expected: Result<Scalars, ()>) {
        let got = serde_json::from_value::<Sample>(input.clone()).map(|s| (s.n, s.b, s.s));
        match expected {
            Ok(want) => assert_eq!(got.unwrap_or_else(|e| panic!("{input}: {e}")), want),
            Err(()) => assert!(got.is_err(), "{input} should fail"),
        }
    }

    #[test]
    fn tolerant_scalars() {
        check(
            json!({"n": 8, "b": true, "s": "x"}),
            Ok((Some(8), Some(true), Some("x".into()))),
        );
        check(
            json!({"n": "8", "b": "1", "s": 20}),
            Ok((Some(8), Some(true), Some("20".into()))),
        );
        check(
            json!({"n": " -3 ", "b": 0, "s": null}),
            Ok((Some(-3), Some(false), None)),
        );
        check(
            json!({"n": "", "b": "", "s": ""}),
            Ok((None, None, Some(String::new()))),
        );
        check(json!({"n": null}), Ok((None, None, None)));
        check(json!({}), Ok((None, None, None)));
        check(json!({"n": 2.0}), Ok((Some(2), None, None)));
        check(json!({"n": "abc"}), Err(()));
        check(json!({"n": 1.5}), Err(()));
        check(json!({"n": [1]}), Err(()));
        check(json!({"b": "maybe"}), Err(()));
        check(json!({"n": 18446744073709551615u64}), Err(()));
    }

    #[test]
    fn tolerant_lists() {
        let s: Sample = serde_json::from_value(json!({"ns": [1, "2", ""]})).unwrap();
        assert_eq!(s.ns, Some(vec![1, 2]));
        let s: Sample = serde_json::from_value(json!({"ns": null})).unwrap();
        assert_eq!(s.ns, None);
    }
}
