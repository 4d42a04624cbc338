//! The table of typed handlers, and what every family shares: lookups, name
//! checks and list/filter/sort/page.
//!
//! Each family file registers its actions with [`Handlers::add`]; the set of
//! modelled actions is what was registered, nothing else.

use std::collections::BTreeMap;

use qcapi_core::{Action, FromParams, Params};
use serde::Serialize;

use super::{Caller, Failure, State};

/// Emulator time: Unix seconds, the service clock plus the advanced offset.
pub(crate) type Now = i64;

/// A typed handler: the generated request in, the generated output out.
pub(crate) type Handler<A> =
    fn(&mut State, &Caller, A, Now) -> Result<<A as Action>::Output, Failure>;

/// What runs once a request was read, before its model: it may answer instead.
pub(crate) type BeforeModel<'b> = dyn FnMut(&mut State) -> Option<Result<String, Failure>> + 'b;

/// A handler behind its parameter reading and answer rendering: flat parameters
/// in, the output's JSON object out.
type Erased = dyn Fn(&mut State, &Caller, &Params, Now, &mut BeforeModel<'_>) -> Result<String, Failure>
    + Send
    + Sync;

/// What a family dumps for `GET /_emulator/state`: its resources of one account
/// and region, in the shape its Describe action answers with.
pub(crate) type Dump = fn(&State, &Caller) -> serde_json::Value;

/// Every registered handler, by action name, and every family's dump.
#[derive(Default)]
pub(crate) struct Handlers {
    by_action: BTreeMap<&'static str, Box<Erased>>,
    dumps: Vec<(&'static str, Dump)>,
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
        let name = A::action_spec().name;
        let run = move |state: &mut State,
                        caller: &Caller,
                        params: &Params,
                        now: Now,
                        before: &mut BeforeModel<'_>| {
            let request =
                A::from_params(params).map_err(|e| Failure::invalid_parameter(e.to_string()))?;
            if let Some(answer) = before(state) {
                return answer;
            }
            let output = handler(state, caller, request, now)?;
            // Generated outputs have string keys and finite numbers: this cannot fail.
            serde_json::to_string(&output)
                .map_err(|e| Failure::new(6000, "InternalError", e.to_string()))
        };
        let previous = self.by_action.insert(name, Box::new(run));
        assert!(previous.is_none(), "{name} is registered twice");
        self
    }

    /// Registers a family's state dump under `key` (e.g. `vpcs`).
    pub(crate) fn dump(&mut self, key: &'static str, dump: Dump) -> &mut Self {
        self.dumps.push((key, dump));
        self
    }

    /// Runs the handler of `action`, or `None` when it has none; `before` runs once
    /// the parameters were read, and its answer, if any, replaces the handler's.
    pub(crate) fn run(
        &self,
        action: &str,
        state: &mut State,
        caller: &Caller,
        params: &Params,
        now: Now,
        before: &mut BeforeModel<'_>,
    ) -> Option<Result<String, Failure>> {
        let handler = self.by_action.get(action)?;
        Some(handler(state, caller, params, now, before))
    }

    /// The modelled actions, sorted.
    pub(crate) fn actions(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.by_action.keys().copied()
    }

    /// Every family's resources of `caller`'s account and region, by key.
    pub(crate) fn dump_all(&self, state: &State, caller: &Caller) -> serde_json::Value {
        let families = self
            .dumps
            .iter()
            .map(|(key, dump)| ((*key).to_owned(), dump(state, caller)));
        serde_json::Value::Object(families.collect())
    }
}

/// A resource that lives in a list: found by either of its ids, named uniquely.
pub(crate) trait Resource {
    /// Whether `id` is one of its ids (old-style or unified).
    fn has_id(&self, id: &str) -> bool;
    /// Its name, for uniqueness checks and name filters.
    fn name(&self) -> &str;
}

/// The index of the item with `id`, or `not_found` built with the id.
pub(crate) fn position<R: Resource>(
    items: &[R],
    id: &str,
    not_found: impl FnOnce() -> Failure,
) -> Result<usize, Failure> {
    items
        .iter()
        .position(|r| r.has_id(id))
        .ok_or_else(not_found)
}

/// Fails with `in_use` when another item than `except` is already called `name`.
pub(crate) fn unique_name<'r, R: Resource + 'r>(
    items: impl IntoIterator<Item = &'r R>,
    name: &str,
    except: Option<usize>,
    in_use: impl FnOnce() -> Failure,
) -> Result<(), Failure> {
    let taken = items
        .into_iter()
        .enumerate()
        .any(|(i, r)| Some(i) != except && r.name() == name);
    if taken { Err(in_use()) } else { Ok(()) }
}

/// A Describe action's listing: sorted, reversed for `orderDirection=desc`,
/// counted, then paged with `offset`/`limit` (defaults 0 and 20).
pub(crate) struct Listing<'a> {
    pub(crate) offset: Option<i64>,
    pub(crate) limit: Option<i64>,
    pub(crate) order_direction: Option<&'a str>,
}

impl Listing<'_> {
    /// The total count and the page of `items` (already filtered and sorted).
    pub(crate) fn page<T>(&self, mut items: Vec<T>) -> (i64, Vec<T>) {
        if self.order_direction == Some("desc") {
            items.reverse();
        }
        let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
        let offset = usize::try_from(self.offset.unwrap_or(0).max(0)).unwrap_or(usize::MAX);
        let limit = usize::try_from(self.limit.unwrap_or(20).max(0)).unwrap_or(usize::MAX);
        (total, items.into_iter().skip(offset).take(limit).collect())
    }
}

/// Names are 1 to 60 characters (the spec validator checks this too; the
/// handler keeps its own rule so it never stores an empty name).
pub(crate) fn check_name(name: &str, invalid: qcapi_core::vpc::ErrorCode) -> Result<(), Failure> {
    let len = name.chars().count();
    if (1..=60).contains(&len) {
        Ok(())
    } else {
        Err(Failure::business(
            invalid,
            format!("a name must be 1 to 60 characters, got {len}"),
        ))
    }
}
