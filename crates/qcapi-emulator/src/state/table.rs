//! The table of typed handlers, and what every family shares: resource heads
//! (ids, name, creation), lookups, name checks and list/filter/sort/page.
//!
//! An action's model is a [`Model`] impl on its generated request; a Describe
//! action answered from the state alone is [`Listed`] instead, and its answer
//! is also the family's dump. Each family file registers its actions with
//! [`Handlers::add`] (or [`Handlers::listing`]); the set of modelled actions is
//! what was registered, nothing else.

use std::collections::BTreeMap;

use qcapi_core::vpc::ErrorCode;
use qcapi_core::{Action, FromParams, Params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Caller, Failure, State, Vpc};

/// Emulator time: Unix seconds, the service clock plus the advanced offset.
pub(crate) type Now = i64;

/// A typed handler: the generated request in, the generated output out.
pub(crate) type Handler<A> =
    fn(&mut State, &Caller, A, Now) -> Result<<A as Action>::Output, Failure>;

/// What runs once a request was read, before its model: it may answer instead.
pub(crate) type BeforeModel<'b> = dyn FnMut(&mut State) -> Option<Result<String, Failure>> + 'b;

/// A handler behind its parameter reading and answer rendering: flat parameters
/// in, the output's JSON object out; the last argument runs once the parameters
/// were read, and its answer, if any, replaces the handler's.
pub(crate) type Erased = dyn Fn(&mut State, &Caller, &Params, Now, &mut BeforeModel<'_>) -> Result<String, Failure>
    + Send
    + Sync;

/// What a family dumps for `GET /_emulator/state`: its resources of one account
/// and region, in the shape its Describe action answers with.
type Dump = dyn Fn(&State, &Caller) -> Value + Send + Sync;

/// The model of an action: what its typed request does to the state, and the
/// generated output it answers with. Registered with `handlers.add(X::run)`.
pub(crate) trait Model: Action {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure>;
}

/// A Describe action, answered from the state alone.
pub(crate) trait Listed: Action + Sized {
    fn list(state: &State, caller: &Caller, request: &Self) -> Result<Self::Output, Failure>;
}

/// The handler of every [`Listed`] action.
fn describe<A: Listed>(
    state: &mut State,
    caller: &Caller,
    request: A,
    _now: Now,
) -> Result<A::Output, Failure> {
    A::list(state, caller, &request)
}

/// Every registered handler, by action name, and every family's dump.
#[derive(Default)]
pub(crate) struct Handlers {
    by_action: BTreeMap<&'static str, Box<Erased>>,
    dumps: Vec<(&'static str, Box<Dump>)>,
    /// The [`Listed`] actions: answered from `&State`, they change nothing.
    read_only: std::collections::BTreeSet<&'static str>,
}

impl Handlers {
    /// Registers `handler` for the action `A`: requests are read with
    /// [`FromParams`] (a 4000 naming the parameter on failure), and the output is
    /// serialized with its wire names.
    pub(crate) fn add<A>(&mut self, handler: Handler<A>) -> &mut Self
    where
        A: Action + FromParams + 'static,
        A::Output: Serialize,
    {
        self.insert(handler)
    }

    /// Registers `handler` for the action `A` whose answer is free JSON (for
    /// actions whose spec leaves the answer's fields undocumented); a
    /// `read_only` one changes no state.
    pub(crate) fn answer<A>(
        &mut self,
        handler: fn(&mut State, &Caller, A, Now) -> Result<super::Fields, Failure>,
        read_only: bool,
    ) -> &mut Self
    where
        A: Action + FromParams + 'static,
    {
        if read_only {
            self.read_only.insert(A::action_spec().name);
        }
        self.insert(handler)
    }

    fn insert<A, O>(
        &mut self,
        handler: fn(&mut State, &Caller, A, Now) -> Result<O, Failure>,
    ) -> &mut Self
    where
        A: Action + FromParams + 'static,
        O: Serialize + 'static,
    {
        let name = A::action_spec().name;
        let run: Box<Erased> = Box::new(move |state, caller, params, now, before| {
            let request =
                A::from_params(params).map_err(|e| Failure::invalid_parameter(e.to_string()))?;
            if let Some(answer) = before(state) {
                return answer;
            }
            let output = handler(state, caller, request, now)?;
            // Generated outputs have string keys and finite numbers: this cannot fail.
            serde_json::to_string(&output)
                .map_err(|e| Failure::new(6000, "InternalError", e.to_string()))
        });
        let previous = self.by_action.insert(name, run);
        assert!(previous.is_none(), "{name} is registered twice");
        self
    }

    /// Registers a family's state dump under `key` (e.g. `vpcs`).
    pub(crate) fn dump(
        &mut self,
        key: &'static str,
        dump: impl Fn(&State, &Caller) -> Value + Send + Sync + 'static,
    ) -> &mut Self {
        self.dumps.push((key, Box::new(dump)));
        self
    }

    /// Registers the Describe action `A` and, as the family's dump under `key`,
    /// the `data` it answers to `everything`.
    pub(crate) fn listing<A>(&mut self, key: &'static str, everything: fn() -> A) -> &mut Self
    where
        A: Listed + FromParams + 'static,
        A::Output: Serialize,
    {
        self.dump(key, move |state, caller| {
            // Without a VPC filter a listing cannot fail.
            let answer = A::list(state, caller, &everything()).ok();
            serde_json::to_value(answer).unwrap_or_default()["data"].take()
        });
        self.read::<A>()
    }

    /// Registers the action `A`, answered from the state alone, without a dump
    /// (its answer is not a listing of resources).
    pub(crate) fn read<A>(&mut self) -> &mut Self
    where
        A: Listed + FromParams + 'static,
        A::Output: Serialize,
    {
        self.read_only.insert(A::action_spec().name);
        self.add(describe::<A>)
    }

    /// Whether `action` provably changes no state (a [`Listed`] Describe).
    pub(crate) fn is_read_only(&self, action: &str) -> bool {
        self.read_only.contains(action)
    }

    /// The handler of `action`, if it has one.
    pub(crate) fn get(&self, action: &str) -> Option<&Erased> {
        self.by_action.get(action).map(|handler| &**handler)
    }

    /// The modelled actions, sorted.
    pub(crate) fn actions(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.by_action.keys().copied()
    }

    /// Every family's resources of `caller`'s account and region, by key.
    pub(crate) fn dump_all(&self, state: &State, caller: &Caller) -> Value {
        let families = self
            .dumps
            .iter()
            .map(|(key, dump)| ((*key).to_owned(), dump(state, caller)));
        Value::Object(families.collect())
    }
}

/// What every resource has: its ids, its name, and when it was made.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Head {
    /// The old-style id (e.g. `gz_subnet_5`); kinds without one repeat the unified id.
    pub(crate) id: String,
    /// The unified id, e.g. `subnet-2ari9m7h`.
    pub(crate) un_id: String,
    pub(crate) name: String,
    pub(crate) created: Now,
    /// Source of its ids; breaks ties in listings.
    pub(crate) serial: u64,
}

impl Head {
    /// Whether `id` is one of its ids (old-style or unified).
    pub(crate) fn has_id(&self, id: &str) -> bool {
        self.id == id || self.un_id == id
    }
}

/// A resource kept in a list: found by either of its ids, named uniquely.
pub(crate) trait Resource {
    /// What messages call it, e.g. `route table`.
    const KIND: &'static str;
    /// Its business codes for a missing resource, a malformed name and a taken one.
    const NOT_FOUND: ErrorCode;
    const INVALID_NAME: ErrorCode;
    const NAME_IN_USE: ErrorCode;
    fn head(&self) -> &Head;
}

/// A resource that lives inside a VPC, in one of its lists.
pub(crate) trait InVpc: Resource + Sized {
    fn rows(vpc: &Vpc) -> &[Self];
}

/// Implements [`Resource`] for a type with a `head` field: its kind's name
/// (and, for [`InVpc`], `in` the VPC's list of them), then its not-found,
/// invalid-name and name-in-use codes.
macro_rules! resource {
    ($ty:ident $kind:literal $(in $rows:ident)?, $not_found:ident, $invalid:ident, $in_use:ident) => {
        impl $crate::state::table::Resource for $ty {
            const KIND: &'static str = $kind;
            const NOT_FOUND: ErrorCode = ErrorCode::$not_found;
            const INVALID_NAME: ErrorCode = ErrorCode::$invalid;
            const NAME_IN_USE: ErrorCode = ErrorCode::$in_use;
            fn head(&self) -> &$crate::state::table::Head {
                &self.head
            }
        }
        $(impl $crate::state::table::InVpc for $ty {
            fn rows(vpc: &$crate::state::Vpc) -> &[Self] {
                &vpc.$rows
            }
        })?
    };
}
pub(crate) use resource;

/// Checks a name for a resource among `items` (other than the one at
/// `except`): 1 to 60 characters, and not yet taken in `scope` (e.g. "the VPC").
pub(crate) fn check_new_name<'r, R: Resource + 'r>(
    items: impl IntoIterator<Item = &'r R>,
    name: &str,
    except: Option<usize>,
    scope: &str,
) -> Result<(), Failure> {
    check_name(name, R::INVALID_NAME)?;
    let taken = items
        .into_iter()
        .enumerate()
        .any(|(i, r)| Some(i) != except && r.head().name == name);
    if taken {
        let message = format!("a {} named `{name}` already exists in {scope}", R::KIND);
        return Err(Failure::business(R::NAME_IN_USE, message));
    }
    Ok(())
}

/// How a listing is sorted before its direction applies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Order {
    /// By creation time.
    #[default]
    Created,
    /// By name (the Describe action's `orderField` named the name).
    Name,
    /// As stored, which is the order of creation requests.
    Stored,
}

impl Order {
    /// By name when a request's `orderField` is `name_field`, else by creation.
    pub(crate) fn by(order_field: Option<&str>, name_field: &str) -> Self {
        match order_field {
            Some(field) if field == name_field => Self::Name,
            _ => Self::Created,
        }
    }
}

/// A Describe action's listing: filtered by id and name, sorted (ties by
/// serial), reversed for `orderDirection=desc`, counted, then paged with
/// `offset`/`limit` (defaults 0 and 20).
#[derive(Debug, Default)]
pub(crate) struct Listing<'a> {
    /// Only the resource with this id (old-style or unified).
    pub(crate) id: Option<&'a str>,
    /// Only the resources whose name contains this.
    pub(crate) name: Option<&'a str>,
    pub(crate) order: Order,
    pub(crate) order_direction: Option<&'a str>,
    pub(crate) offset: Option<i64>,
    pub(crate) limit: Option<i64>,
}

impl Listing<'_> {
    /// Everything, in the page (offset and limit) that `request` asks for; the
    /// caller adds its filters and order.
    pub(crate) fn page_of(request: &impl qcapi_core::Paginated) -> Self {
        let (offset, limit) = (request.offset(), request.limit());
        Self {
            offset,
            limit,
            ..Self::default()
        }
    }

    /// The total count and the page of `items`, each the resource `of` returns
    /// or a tuple holding one.
    pub(crate) fn page<T, R: Resource>(
        &self,
        items: impl IntoIterator<Item = T>,
        of: impl Fn(&T) -> &R,
    ) -> (i64, Vec<T>) {
        let wanted = |head: &Head| {
            self.id.is_none_or(|id| head.has_id(id))
                && self.name.is_none_or(|n| head.name.contains(n))
        };
        let mut items: Vec<T> = items.into_iter().filter(|t| wanted(of(t).head())).collect();
        match self.order {
            Order::Created => items.sort_by_key(|t| (of(t).head().created, of(t).head().serial)),
            Order::Name => items.sort_by(|a, b| {
                let (a, b) = (of(a).head(), of(b).head());
                (&a.name, a.serial).cmp(&(&b.name, b.serial))
            }),
            Order::Stored => {}
        }
        if self.order_direction == Some("desc") {
            items.reverse();
        }
        let total = count(items.len());
        let offset = usize::try_from(self.offset.unwrap_or(0).max(0)).unwrap_or(usize::MAX);
        let limit = usize::try_from(self.limit.unwrap_or(20).max(0)).unwrap_or(usize::MAX);
        (total, items.into_iter().skip(offset).take(limit).collect())
    }
}

/// A count as outputs carry it.
pub(crate) fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Names are 1 to 60 characters (the spec validator checks this too; the
/// handler keeps its own rule so it never stores an empty name).
pub(crate) fn check_name(name: &str, invalid: ErrorCode) -> Result<(), Failure> {
    let len = name.chars().count();
    if !(1..=60).contains(&len) {
        let message = format!("a name must be 1 to 60 characters, got {len}");
        return Err(Failure::business(invalid, message));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use qcapi_core::vpc::{DescribeVpcLimit, DescribeVpcLimitData, DescribeVpcLimitOutput};

    // The README's "Adding a stateful family" example, compiled and run here; a test
    // keeps the README's copy identical.
    // guide: begin
    /// DescribeVpcLimit: every requested quota is 10.
    fn describe_limits(
        _: &mut State,
        _: &Caller,
        r: DescribeVpcLimit,
        _: Now,
    ) -> Result<DescribeVpcLimitOutput, Failure> {
        let limits = r.r#type.into_iter().map(|code| (code, Value::from(10)));
        let data = DescribeVpcLimitData {
            limit: Some(Value::Object(limits.collect())),
        };
        Ok(DescribeVpcLimitOutput {
            data: Some(data),
            ..Default::default()
        })
    }

    pub(super) fn register(handlers: &mut Handlers) {
        handlers.add(describe_limits);
    }
    // guide: end

    fn run(handlers: &Handlers, pairs: &[(&str, &str)]) -> Result<Value, Failure> {
        let params: Params = pairs.iter().copied().collect();
        let handler = handlers.get("DescribeVpcLimit").expect("registered");
        let mut state = State::default();
        let answer = handler(&mut state, &caller(A, "gz"), &params, T0, &mut |_| None)?;
        Ok(serde_json::from_str(&answer).expect("JSON"))
    }

    #[test]
    fn a_registered_function_models_its_action() {
        let mut handlers = Handlers::default();
        register(&mut handlers);
        assert_eq!(handlers.actions().collect::<Vec<_>>(), ["DescribeVpcLimit"]);
        let answer = run(&handlers, &[("type.0", "1"), ("type.1", "57")]).expect("a success");
        assert_eq!(answer, json!({"data": {"limit": {"1": 10, "57": 10}}}));
        // The generated request's validation comes with the registration.
        let missing = run(&handlers, &[]).expect_err("`type` is required");
        assert_eq!(
            (missing.code, missing.message.contains("`type`")),
            (4000, true)
        );
        let unknown = run(&handlers, &[("type.0", "99")]).expect_err("not an allowed code");
        assert_eq!(unknown.code, 4000);
    }

    #[test]
    fn the_readme_shows_the_example_as_it_is_here() {
        let source = include_str!("table.rs");
        let readme = include_str!("../../../../README.md");
        let between = |text: &'static str, begin: &str, end: &str| -> &'static str {
            let start = text.find(begin).expect("begin marker") + begin.len();
            let stop = text[start..].find(end).expect("end marker") + start;
            &text[start..stop]
        };
        let example = between(source, "// guide: begin\n", "    // guide: end");
        let unindented: String = example
            .lines()
            .map(|l| l.strip_prefix("    ").unwrap_or(l))
            .map(|l| format!("{l}\n"))
            .collect();
        let shown = between(
            readme,
            "<!-- family example: begin -->\n```text\n",
            "```\n<!-- family example: end -->",
        );
        assert_eq!(
            shown, unindented,
            "README.md's example differs from state/table.rs's"
        );
    }
}
