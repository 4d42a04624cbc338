//! Parsing responses: the envelope first (`code`, `codeDesc`, `message`, `taskId`), then the typed output.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::{Action, ApiError, Error, HttpResponse, Output, RawBody, ResponseMeta};

/// The envelope fields, read alone in a pass that skips everything else: when the
/// typed output did not parse (to tell a business error from a bad body), and to
/// find a task id outside the typed fields.
#[derive(Deserialize)]
struct Head {
    #[serde(default, deserialize_with = "code")]
    code: Option<Code>,
    #[serde(
        default,
        rename = "codeDesc",
        deserialize_with = "crate::lenient::string"
    )]
    code_desc: Option<String>,
    #[serde(default, deserialize_with = "crate::lenient::string")]
    message: Option<String>,
    #[serde(
        default,
        rename = "taskId",
        deserialize_with = "crate::lenient::integer"
    )]
    task_id: Option<i64>,
    #[serde(default)]
    data: DataHead,
}

impl Head {
    fn envelope(self) -> Envelope {
        Envelope {
            code: self.code,
            code_desc: self.code_desc,
            message: self.message,
        }
    }
}

/// `code`, `codeDesc` and `message`, as [`Observed`] sees them go by.
#[derive(Default)]
struct Envelope {
    code: Option<Code>,
    code_desc: Option<String>,
    message: Option<String>,
}

impl Envelope {
    /// Records `value` under `key` when that is an envelope field.
    fn record<E: de::Error>(&mut self, key: &str, value: &Scalar) -> Result<(), E> {
        let read = || ScalarDeserializer::<E>::new(value.clone());
        match key {
            "code" => self.code = code(read())?,
            "codeDesc" => self.code_desc = crate::lenient::string(read())?,
            "message" => self.message = crate::lenient::string(read())?,
            _ => {}
        }
        Ok(())
    }

    fn is_field(key: &str) -> bool {
        matches!(key, "code" | "codeDesc" | "message")
    }
}

/// The typed output and the envelope, read in one pass over the body.
struct WithEnvelope<O> {
    envelope: Envelope,
    output: O,
}

impl<'de, O: Deserialize<'de>> Deserialize<'de> for WithEnvelope<O> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<O>(std::marker::PhantomData<O>);
        impl<'de, O: Deserialize<'de>> Visitor<'de> for V<O> {
            type Value = WithEnvelope<O>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let mut envelope = Envelope::default();
                let observed = Observed {
                    map,
                    envelope: &mut envelope,
                    pending: None,
                };
                let output = O::deserialize(de::value::MapAccessDeserializer::new(observed))?;
                Ok(WithEnvelope { envelope, output })
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// Hands every key and value of the body to the output type, noting the envelope
/// fields on the way (their values are scalars, read once and passed on as such).
struct Observed<'a, A> {
    map: A,
    envelope: &'a mut Envelope,
    pending: Option<Scalar>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Observed<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let Some(Key(key)) = self.map.next_key::<Key<'de>>()? else {
            return Ok(None);
        };
        if Envelope::is_field(&key) {
            let value: Scalar = self.map.next_value()?;
            self.envelope.record(&key, &value)?;
            self.pending = Some(value);
        }
        seed.deserialize(de::value::CowStrDeserializer::new(key))
            .map(Some)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, A::Error> {
        match self.pending.take() {
            Some(value) => seed.deserialize(ScalarDeserializer::new(value)),
            None => self.map.next_value_seed(seed),
        }
    }
}

/// An envelope field's value. Only scalars: an object or an array there makes the
/// body bad. (Passed on through [`ScalarDeserializer`], a deserializer that never
/// produces maps, so the output types' code is not instantiated a second time, as
/// it would be for `serde_json::Value`: that doubled qcapi-core's build time.)
#[derive(Clone)]
enum Scalar {
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(String),
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number, boolean or null")
            }
            fn visit_unit<E>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_none<E>(self) -> Result<Scalar, E> {
                Ok(Scalar::Null)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::I64(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::U64(v))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar::F64(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar::Str(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// Replays a [`Scalar`] to a visitor.
struct ScalarDeserializer<E> {
    value: Scalar,
    error: std::marker::PhantomData<E>,
}

impl<E> ScalarDeserializer<E> {
    fn new(value: Scalar) -> Self {
        Self {
            value,
            error: std::marker::PhantomData,
        }
    }
}

impl<'de, E: de::Error> Deserializer<'de> for ScalarDeserializer<E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.value {
            Scalar::Null => visitor.visit_unit(),
            Scalar::Bool(v) => visitor.visit_bool(v),
            Scalar::I64(v) => visitor.visit_i64(v),
            Scalar::U64(v) => visitor.visit_u64(v),
            Scalar::F64(v) => visitor.visit_f64(v),
            Scalar::Str(v) => visitor.visit_string(v),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.value {
            Scalar::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// A key, borrowed from the body when it holds no escapes.
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// `code` as the service sends it: a number, or a string that may not be numeric.
enum Code {
    Number(i64),
    Text(String),
}

fn code<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Code>, D::Error> {
    Ok(
        crate::lenient::string(d)?.map(|s| match s.trim().parse::<i64>() {
            Ok(n) => Code::Number(n),
            Err(_) => Code::Text(s),
        }),
    )
}

/// `data.taskId` when `data` is an object; anything else in `data` is skipped.
#[derive(Default)]
struct DataHead {
    task_id: Option<i64>,
}

impl<'de> Deserialize<'de> for DataHead {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DataHead;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DataHead, A::Error> {
                let mut head = DataHead::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key == "taskId" {
                        head.task_id = map.next_value::<TaskId>()?.0;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(head)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<DataHead, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(DataHead::default())
            }
            fn visit_unit<E>(self) -> Result<DataHead, E> {
                Ok(DataHead::default())
            }
            fn visit_bool<E>(self, _: bool) -> Result<DataHead, E> {
                Ok(DataHead::default())
            }
            fn visit_i64<E>(self, _: i64) -> Result<DataHead, E> {
                Ok(DataHead::default())
            }
            fn visit_u64<E>(self, _: u64) -> Result<DataHead, E> {
                Ok(DataHead::default())
            }
            fn visit_f64<E>(self, _: f64) -> Result<DataHead, E> {
                Ok(DataHead::default())
            }
            fn visit_str<E>(self, _: &str) -> Result<DataHead, E> {
                Ok(DataHead::default())
            }
        }
        d.deserialize_any(V)
    }
}

struct TaskId(Option<i64>);

impl<'de> Deserialize<'de> for TaskId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::lenient::integer(d).map(TaskId)
    }
}

fn decode_error(reason: impl fmt::Display, body: &[u8]) -> Error {
    Error::Decode {
        reason: reason.to_string(),
        body: RawBody::from_bytes(body),
    }
}

/// Parses a response to `action`. Never panics, whatever the bytes.
///
/// - a status other than 200 is [`Error::HttpStatus`];
/// - `code` other than 0 (number or string) is [`Error::Api`];
/// - a body that is not the expected JSON is [`Error::Decode`] with the body.
///
/// ```
/// use qcapi_core::{parse_response, HttpResponse, vpc, Output};
/// let action = vpc::EnableVpcPeeringConnectionEx::new("pcx-6gw5wvmk");
/// let out = parse_response(&action, HttpResponse::new(200, r#"{"code":"0","message":"","data":{"taskId":"16284"}}"#)).unwrap();
/// assert_eq!(out.task_id(), Some(16284));
/// ```
pub fn parse_response<A: Action + ?Sized>(
    action: &A,
    response: HttpResponse,
) -> Result<A::Output, Error> {
    parse_output(action.name(), response)
}

/// Parses a response to the action named `action` into the output type `O`.
pub fn parse_output<O: Output>(action: &str, response: HttpResponse) -> Result<O, Error> {
    let body = response.body;
    if response.status != 200 {
        return Err(Error::HttpStatus {
            status: response.status,
            location: response
                .location
                .as_deref()
                .map(|l| crate::redact::redact_text(l).into_owned()),
            body: RawBody::from_bytes(&body),
        });
    }
    // Checked once here; parsing from `str` then skips UTF-8 checks of its own, and
    // the body becomes `raw` without a copy. Invalid bytes are replaced, not fatal:
    // a stray byte in a field nobody reads must not fail the call.
    let text = String::from_utf8(body)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    let (envelope, output) = match serde_json::from_str::<WithEnvelope<O>>(&text) {
        Ok(both) => (both.envelope, Ok(both.output)),
        // The output's shape is wrong, or the JSON is: the envelope alone says which.
        Err(e) => match serde_json::from_str::<Head>(&text) {
            Ok(head) => (head.envelope(), Err(e)),
            Err(_) => return Err(decode_error(e, text.as_bytes())),
        },
    };
    let message = envelope.message.unwrap_or_default();
    match envelope.code {
        None => return Err(decode_error("the response has no `code`", text.as_bytes())),
        Some(Code::Number(0)) => {}
        Some(code) => {
            let code = match code {
                Code::Number(n) => n,
                Code::Text(code) => {
                    return Err(decode_error(
                        format!("`code` is not a number: {code:?}"),
                        text.as_bytes(),
                    ));
                }
            };
            return Err(Error::Api(Box::new(ApiError {
                action: action.to_owned(),
                code,
                code_desc: envelope.code_desc,
                message,
                raw: RawBody::from_bytes(text.as_bytes()),
            })));
        }
    }
    let mut output = output.map_err(|e| decode_error(e, text.as_bytes()))?;
    // Only outputs that carry a task id ask for it: a second pass for them alone.
    output.fill_task_id(&|| {
        serde_json::from_str::<Head>(&text)
            .ok()
            .and_then(|head| head.task_id.or(head.data.task_id))
    });
    output.set_meta(ResponseMeta {
        raw: text,
        code_desc: envelope.code_desc,
        message,
    });
    Ok(output)
}
