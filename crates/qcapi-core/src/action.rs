//! The traits every action and output implements (generated from spec/), and the untyped escape hatch.

use serde::de::DeserializeOwned;

use crate::Params;
use crate::error::AsApiError;
use crate::spec::ActionSpec;

/// One legacy API action: its name, its parameters, and what it returns.
/// Implemented by the generated request types in [`crate::vpc`] and by [`RawAction`].
pub trait Action {
    /// What a successful call returns.
    type Output: Output;
    /// The type its business error codes (`codeDesc`) read as: the module's enum
    /// (e.g. [`crate::vpc::ErrorCode`]) for generated actions.
    type ErrorCode: BusinessCode;

    /// The wire name, e.g. `RejectVpcPeeringConnection`.
    fn name(&self) -> &str;

    /// The action's spec (parameters, constraints, flags), when it is known.
    fn spec(&self) -> Option<&'static ActionSpec>;

    /// Writes the action's own parameters (not the common ones).
    fn write_params(&self, params: &mut Params);

    /// The module that serves it (`vpc`), which picks its endpoint.
    fn service(&self) -> &str {
        self.spec()
            .map_or(crate::service::default_service().name, |s| s.service)
    }

    /// Whether a request that may have reached the server can be sent again safely.
    fn is_idempotent(&self) -> bool {
        self.spec().is_some_and(|s| s.idempotent)
    }
}

/// What every response carries besides its typed fields.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ResponseMeta {
    /// The whole response body.
    pub raw: String,
    /// `codeDesc`, when present (`Success` on success).
    pub code_desc: Option<String>,
    /// `message`.
    pub message: String,
}

impl std::fmt::Debug for ResponseMeta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseMeta")
            .field("raw", &crate::redact::redact_text(&self.raw))
            .field("code_desc", &self.code_desc)
            .field("message", &self.message)
            .finish()
    }
}

/// A typed successful response.
pub trait Output: DeserializeOwned + std::fmt::Debug {
    /// Body, `codeDesc` and `message`.
    fn meta(&self) -> &ResponseMeta;
    /// Attaches the body and envelope fields after parsing.
    fn set_meta(&mut self, meta: ResponseMeta);
    /// The task to poll, for asynchronous actions.
    fn task_id(&self) -> Option<i64> {
        None
    }
    /// Fills the typed task id, when there is one and the body left it empty, from
    /// `find` (which looks at the top level and under `data`). Outputs without a
    /// task id never call `find`, so their responses are parsed once.
    fn fill_task_id(&mut self, _find: &dyn Fn() -> Option<i64>) {}
    /// The whole response body.
    fn raw(&self) -> &str {
        &self.meta().raw
    }
}

/// A typed business error code (`codeDesc`), with an `Other` fallback.
pub trait BusinessCode: Sized {
    /// Reads a `codeDesc` value; unknown names become the fallback.
    fn from_name(name: &str) -> Self;
    /// The wire name, e.g. `InvalidVpc.NotFound`.
    fn as_str(&self) -> &str;
    /// The business code of an error, typed; `None` when it is no API error or
    /// names no code (see [`ApiError::business_code`](crate::ApiError::business_code)).
    fn of(error: &(impl AsApiError + ?Sized)) -> Option<Self> {
        error.as_api_error()?.business_code().map(Self::from_name)
    }
}

impl BusinessCode for String {
    fn from_name(name: &str) -> Self {
        name.to_owned()
    }
    fn as_str(&self) -> &str {
        self
    }
}

/// Any action by name with flat parameters: reaches actions qcapi has no type for.
/// Known actions are still validated against their spec before sending.
///
/// ```
/// let action = qcapi_core::RawAction::new("DescribeVpcEx").param("limit", "5");
/// assert_eq!(qcapi_core::Action::name(&action), "DescribeVpcEx");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawAction {
    name: String,
    service: Option<String>,
    params: Params,
    /// Sent without the spec's validation (see [`RawAction::unchecked`]).
    unchecked: bool,
}

impl RawAction {
    /// An action by wire name, without parameters.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            service: None,
            params: Params::new(),
            unchecked: false,
        }
    }

    /// Sends the parameters exactly as given, without looking up the action's spec,
    /// so nothing is validated before sending: for tests that need to see what the
    /// service answers to a request qcapi would otherwise refuse (a missing
    /// required parameter), and for actions whose spec is wrong.
    ///
    /// ```
    /// use qcapi_core::{Action, RawAction};
    /// let checked = RawAction::new("RejectVpcPeeringConnection");
    /// assert!(checked.spec().is_some());
    /// assert!(checked.unchecked().spec().is_none());
    /// ```
    pub fn unchecked(mut self) -> Self {
        self.unchecked = true;
        self
    }

    /// The module that serves it (`cvm`, ...), for an action qcapi has no spec for
    /// (default: the spec's module, else `vpc`).
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.service = Some(service.into());
        self
    }

    /// Adds a flat parameter (`subnetSet.0.zoneId`).
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push(name.into(), value);
        self
    }

    /// Adds flat parameters.
    pub fn params(mut self, params: impl IntoIterator<Item = (String, String)>) -> Self {
        for (n, v) in params {
            self.params.push(n, v);
        }
        self
    }

    /// Adds a JSON value, flattened (`[{"a":1}]` under `x` becomes `x.0.a=1`).
    pub fn json_param(mut self, name: &str, value: &serde_json::Value) -> Self {
        self.params.put_json(name, value);
        self
    }
}

impl Action for RawAction {
    type Output = RawOutput;
    type ErrorCode = String;

    fn name(&self) -> &str {
        &self.name
    }
    fn spec(&self) -> Option<&'static ActionSpec> {
        if self.unchecked {
            return None;
        }
        match &self.service {
            Some(service) => crate::service::find(service).and_then(|s| s.action(&self.name)),
            None => crate::service::find_action(&self.name),
        }
    }
    fn service(&self) -> &str {
        match &self.service {
            Some(service) => service,
            None => self
                .spec()
                .map_or(crate::service::default_service().name, |s| s.service),
        }
    }
    fn write_params(&self, params: &mut Params) {
        for (n, v) in self.params.iter() {
            params.push(n.to_owned(), v);
        }
    }
}

/// The untyped response of a [`RawAction`]: the body as JSON.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawOutput {
    /// The whole response as JSON.
    pub json: serde_json::Value,
    task_id: Option<i64>,
    meta: ResponseMeta,
}

impl<'de> serde::Deserialize<'de> for RawOutput {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self {
            json: serde_json::Value::deserialize(d)?,
            ..Self::default()
        })
    }
}

impl Output for RawOutput {
    fn meta(&self) -> &ResponseMeta {
        &self.meta
    }
    fn set_meta(&mut self, meta: ResponseMeta) {
        self.meta = meta;
    }
    fn task_id(&self) -> Option<i64> {
        self.task_id
    }
    fn fill_task_id(&mut self, find: &dyn Fn() -> Option<i64>) {
        self.task_id = self.task_id.or_else(find);
    }
}
