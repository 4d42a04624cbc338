//! Parsing responses: the envelope first (`code`, `codeDesc`, `message`, `taskId`), then the typed output.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::{Action, ApiError, Error, HttpResponse, Output, RawBody, ResponseMeta};

/// The envelope fields, read in one pass that skips everything else.
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
    let head: Head = serde_json::from_slice(&body).map_err(|e| decode_error(e, &body))?;
    let message = head.message.unwrap_or_default();
    match head.code {
        None => return Err(decode_error("the response has no `code`", &body)),
        Some(Code::Number(0)) => {}
        Some(code) => {
            let code = match code {
                Code::Number(n) => n,
                Code::Text(text) => {
                    return Err(decode_error(
                        format!("`code` is not a number: {text:?}"),
                        &body,
                    ));
                }
            };
            return Err(Error::Api(Box::new(ApiError {
                action: action.to_owned(),
                code,
                code_desc: head.code_desc,
                message,
                raw: RawBody::from_bytes(&body),
            })));
        }
    }
    let mut output: O = serde_json::from_slice(&body).map_err(|e| decode_error(e, &body))?;
    output.fill_task_id(head.task_id.or(head.data.task_id));
    output.set_meta(ResponseMeta {
        // The body parsed as JSON above, so it is valid UTF-8.
        raw: String::from_utf8_lossy(&body).into_owned(),
        code_desc: head.code_desc,
        message,
    });
    Ok(output)
}
