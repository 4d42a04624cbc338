//! Scenarios for tests: canned answers queued per action (and account), and the
//! way asynchronous tasks finish.
//!
//! Canned answers pop after authentication and parameter validation, before any
//! model runs, so the actions answered from their shape become usable fixtures.

use std::collections::VecDeque;

use serde_json::{Map, Value, json};

use crate::state::Failure;

/// One queued answer for the next call of an action (optionally only a given
/// account's call): a success with the given fields, or a business error.
///
/// ```
/// use qcapi_emulator::{CannedAnswer, Emulator};
/// let emulator = Emulator::start()?;
/// emulator.queue_answer(CannedAnswer::result("DescribeNatGateway", serde_json::json!({
///     "totalCount": 1,
///     "data": [{"natId": "nat-0001", "natName": "fixture"}],
/// })));
/// emulator.queue_answer(CannedAnswer::error("DeleteNatGateway", "InvalidNatGateway.NotFound", "no such gateway")
///     .for_account(qcapi_emulator::DEMO_A_UIN));
/// assert_eq!(emulator.queued_answers(), 2);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CannedAnswer {
    action: String,
    account: Option<String>,
    outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Result(Map<String, Value>),
    Error {
        code: i64,
        code_desc: String,
        message: String,
    },
}

impl CannedAnswer {
    /// A success of `action` answering `fields` (an object; anything else answers no
    /// fields) after the envelope. An asynchronous action's answer without a
    /// `taskId` gets a real task, which finishes as the task rules say.
    pub fn result(action: impl Into<String>, fields: Value) -> Self {
        let fields = match fields {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        Self {
            action: action.into(),
            account: None,
            outcome: Outcome::Result(fields),
        }
    }

    /// A business error of `action`: `code_desc` names it, and the code is 5000
    /// for `*.NotFound` names and 5100 for others (see [`code`](Self::code)).
    pub fn error(
        action: impl Into<String>,
        code_desc: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let failure = Failure::business_name(&code_desc.into(), message);
        Self {
            action: action.into(),
            account: None,
            outcome: Outcome::Error {
                code: failure.code,
                code_desc: failure.code_desc,
                message: failure.message,
            },
        }
    }

    /// An error's numeric code instead of the one its name implies (no effect on a result).
    pub fn code(mut self, code: i64) -> Self {
        if let Outcome::Error { code: c, .. } = &mut self.outcome {
            *c = code;
        }
        self
    }

    /// Only account `uin`'s calls pop it.
    pub fn for_account(mut self, uin: impl Into<String>) -> Self {
        self.account = Some(uin.into());
        self
    }

    /// What the call answers: its fields as a JSON object, or the failure.
    pub(crate) fn answer(self) -> Result<Map<String, Value>, Failure> {
        match self.outcome {
            Outcome::Result(fields) => Ok(fields),
            Outcome::Error {
                code,
                code_desc,
                message,
            } => Err(Failure::new(code, &code_desc, message)),
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        let mut out = json!({"action": self.action});
        if let Some(account) = &self.account {
            out["account"] = json!(account);
        }
        match &self.outcome {
            Outcome::Result(fields) => out["result"] = Value::Object(fields.clone()),
            Outcome::Error {
                code,
                code_desc,
                message,
            } => out["error"] = json!({"code": code, "codeDesc": code_desc, "message": message}),
        }
        out
    }

    /// Parses the admin endpoint's JSON: `{"action":..,"account":..?,"result":{..}}` or
    /// `{"action":..,"account":..?,"error":{"codeDesc":..,"message":..?,"code":..?}}`.
    pub(crate) fn from_json(value: &Value) -> Result<Self, String> {
        let fields = value.as_object().ok_or("expected a JSON object")?;
        for name in fields.keys() {
            if !["action", "account", "result", "error"].contains(&name.as_str()) {
                return Err(format!("unexpected field `{name}`"));
            }
        }
        let action = text(fields, "action")?.ok_or("missing `action`")?;
        let canned = match (fields.get("result"), fields.get("error")) {
            (Some(Value::Object(result)), None) => {
                Self::result(action, Value::Object(result.clone()))
            }
            (Some(_), None) => return Err("`result` must be an object".to_owned()),
            (None, Some(Value::Object(error))) => {
                let code_desc = text(error, "codeDesc")?.ok_or("`error` needs `codeDesc`")?;
                let message = text(error, "message")?.unwrap_or_default();
                let canned = Self::error(action, code_desc, message);
                match error.get("code") {
                    None => canned,
                    Some(code) => canned.code(code.as_i64().ok_or("`code` must be an integer")?),
                }
            }
            (None, Some(_)) => return Err("`error` must be an object".to_owned()),
            _ => return Err("expected exactly one of `result` and `error`".to_owned()),
        };
        Ok(match text(fields, "account")? {
            Some(uin) => canned.for_account(uin),
            None => canned,
        })
    }
}

fn text<'v>(fields: &'v Map<String, Value>, name: &str) -> Result<Option<&'v str>, String> {
    match fields.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("`{name}` must be a string")),
    }
}

/// The queue of canned answers, oldest first.
#[derive(Debug, Default)]
pub(crate) struct AnswerQueue(VecDeque<CannedAnswer>);

impl AnswerQueue {
    pub(crate) fn push(&mut self, answer: CannedAnswer) -> usize {
        self.0.push_back(answer);
        self.0.len()
    }

    /// Takes the oldest answer for `action` that applies to account `uin`.
    pub(crate) fn pop(&mut self, action: &str, uin: &str) -> Option<CannedAnswer> {
        if self.0.is_empty() {
            return None;
        }
        let applies = |a: &CannedAnswer| {
            a.action == action && a.account.as_deref().is_none_or(|account| account == uin)
        };
        let index = self.0.iter().position(applies)?;
        self.0.remove(index)
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn clear(&mut self) -> usize {
        let n = self.0.len();
        self.0.clear();
        n
    }

    pub(crate) fn to_json(&self) -> Value {
        Value::from(self.0.iter().map(CannedAnswer::to_json).collect::<Vec<_>>())
    }
}

/// How an asynchronous task finishes, for the tasks of one action or of all.
///
/// Without a rule, a task reports "running" to its first `DescribeVpcTaskResult`
/// and its outcome from the second on.
///
/// ```
/// use qcapi_emulator::{Emulator, TaskFinish, TaskRule};
/// let emulator = Emulator::start()?;
/// emulator.set_task_rule(TaskRule::all(TaskFinish::Immediately));
/// emulator.set_task_rule(TaskRule::action("DeleteVpcPeeringConnectionEx", TaskFinish::AfterPolls(3)));
/// emulator.set_task_rule(TaskRule::action("CreateNatGateway", TaskFinish::fail("NatGatewayLimitExceeded", "quota")));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRule {
    action: Option<String>,
    finish: TaskFinish,
}

/// When and how a task finishes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TaskFinish {
    /// Its first query reports its outcome.
    Immediately,
    /// Running until this many seconds of emulator time passed since its creation.
    AfterSeconds(u64),
    /// Running for this many queries, then its outcome.
    AfterPolls(u32),
    /// It fails, whatever its model decided, with this `codeDesc` and message.
    Fail {
        /// The failure's `codeDesc`.
        code_desc: String,
        /// The failure's message.
        message: String,
    },
}

impl TaskFinish {
    /// [`TaskFinish::Fail`] with this `codeDesc` and message.
    pub fn fail(code_desc: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Fail {
            code_desc: code_desc.into(),
            message: message.into(),
        }
    }

    /// The default: running once, then the outcome.
    pub(crate) const DEFAULT: Self = Self::AfterPolls(1);
}

impl TaskRule {
    /// A rule for the tasks of every action (a rule for their action comes first).
    pub fn all(finish: TaskFinish) -> Self {
        Self {
            action: None,
            finish,
        }
    }

    /// A rule for the tasks of `action`.
    pub fn action(action: impl Into<String>, finish: TaskFinish) -> Self {
        Self {
            action: Some(action.into()),
            finish,
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        let mut out = match &self.finish {
            TaskFinish::Immediately => json!({"finish": "immediately"}),
            TaskFinish::AfterSeconds(n) => json!({"finish": "after_seconds", "seconds": n}),
            TaskFinish::AfterPolls(n) => json!({"finish": "after_polls", "polls": n}),
            TaskFinish::Fail { code_desc, message } => {
                json!({"finish": "fail", "codeDesc": code_desc, "message": message})
            }
        };
        if let Some(action) = &self.action {
            out["action"] = json!(action);
        }
        out
    }

    /// Parses the admin endpoint's JSON: `{"finish":"immediately"}`,
    /// `{"finish":"after_seconds","seconds":N}`, `{"finish":"after_polls","polls":N}` or
    /// `{"finish":"fail","codeDesc":..,"message":..?}`, each with an optional `"action"`.
    pub(crate) fn from_json(value: &Value) -> Result<Self, String> {
        const FINISHES: &str = "immediately, after_seconds, after_polls or fail";
        let fields = value.as_object().ok_or("expected a JSON object")?;
        let finish = text(fields, "finish")?.ok_or(format!("missing `finish` ({FINISHES})"))?;
        let allowed: &[&str] = match finish {
            "immediately" => &[],
            "after_seconds" => &["seconds"],
            "after_polls" => &["polls"],
            "fail" => &["codeDesc", "message"],
            other => return Err(format!("unknown finish `{other}` ({FINISHES})")),
        };
        for name in fields.keys() {
            if !["finish", "action"].contains(&name.as_str()) && !allowed.contains(&name.as_str()) {
                return Err(format!("unexpected field `{name}` for finish `{finish}`"));
            }
        }
        let count = |name: &str| {
            fields.get(name).and_then(Value::as_u64).ok_or(format!(
                "finish `{finish}` needs `{name}`, a non-negative integer"
            ))
        };
        let finish = match finish {
            "immediately" => TaskFinish::Immediately,
            "after_seconds" => TaskFinish::AfterSeconds(count("seconds")?),
            "after_polls" => {
                let polls = u32::try_from(count("polls")?).map_err(|_| "`polls` is too large")?;
                TaskFinish::AfterPolls(polls)
            }
            _ => TaskFinish::fail(
                text(fields, "codeDesc")?.ok_or("finish `fail` needs `codeDesc`")?,
                text(fields, "message")?.unwrap_or_default(),
            ),
        };
        Ok(match text(fields, "action")? {
            Some(action) => Self::action(action, finish),
            None => Self::all(finish),
        })
    }
}

/// The task rules in force: the newest rule for an action wins, then the newest for all.
#[derive(Debug, Default, Clone)]
pub(crate) struct TaskRules(Vec<TaskRule>);

impl TaskRules {
    pub(crate) fn set(&mut self, rule: TaskRule) -> usize {
        self.0.push(rule);
        self.0.len()
    }

    /// How the tasks of `action` finish.
    pub(crate) fn finish_of(&self, action: &str) -> TaskFinish {
        let for_action = self
            .0
            .iter()
            .rev()
            .find(|r| r.action.as_deref() == Some(action));
        for_action
            .or_else(|| self.0.iter().rev().find(|r| r.action.is_none()))
            .map_or(TaskFinish::DEFAULT, |r| r.finish.clone())
    }

    pub(crate) fn clear(&mut self) -> usize {
        let n = self.0.len();
        self.0.clear();
        n
    }

    pub(crate) fn to_json(&self) -> Value {
        Value::from(self.0.iter().map(TaskRule::to_json).collect::<Vec<_>>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canned_answers_parse_and_pop_in_order_per_account() {
        fn check(input: Value, expected: Result<Value, &str>) {
            let parsed = CannedAnswer::from_json(&input).map(|a| a.to_json());
            assert_eq!(parsed, expected.map_err(str::to_owned), "{input}");
        }
        check(
            json!({"action": "A", "result": {"x": 1}}),
            Ok(json!({"action": "A", "result": {"x": 1}})),
        );
        check(
            json!({"action": "A", "account": "7", "error": {"codeDesc": "X.NotFound"}}),
            Ok(
                json!({"action": "A", "account": "7", "error": {"code": 5000, "codeDesc": "X.NotFound", "message": ""}}),
            ),
        );
        check(
            json!({"action": "A", "error": {"codeDesc": "X", "code": 4400, "message": "m"}}),
            Ok(json!({"action": "A", "error": {"code": 4400, "codeDesc": "X", "message": "m"}})),
        );
        check(json!({"result": {}}), Err("missing `action`"));
        check(
            json!({"action": "A"}),
            Err("expected exactly one of `result` and `error`"),
        );
        check(
            json!({"action": "A", "result": 3}),
            Err("`result` must be an object"),
        );
        check(
            json!({"action": "A", "error": {}}),
            Err("`error` needs `codeDesc`"),
        );
        check(
            json!({"action": "A", "result": {}, "times": 2}),
            Err("unexpected field `times`"),
        );

        let mut queue = AnswerQueue::default();
        queue.push(CannedAnswer::result("A", json!({"n": 1})).for_account("b"));
        queue.push(CannedAnswer::result("A", json!({"n": 2})));
        queue.push(CannedAnswer::result("A", json!({"n": 3})));
        let n = |a: Option<CannedAnswer>| a.and_then(|a| a.answer().ok()).map(|f| f["n"].clone());
        assert_eq!(
            n(queue.pop("A", "a")),
            Some(json!(2)),
            "b's answer is skipped"
        );
        assert_eq!(n(queue.pop("B", "a")), None);
        assert_eq!(n(queue.pop("A", "b")), Some(json!(1)));
        assert_eq!(n(queue.pop("A", "b")), Some(json!(3)));
        assert_eq!(queue.len(), 0);
    }

    #[test]
    fn task_rules_parse_and_the_newest_for_the_action_wins() {
        fn check(input: Value, expected: Result<TaskRule, &str>) {
            assert_eq!(
                TaskRule::from_json(&input),
                expected.map_err(str::to_owned),
                "{input}"
            );
        }
        check(
            json!({"finish": "immediately"}),
            Ok(TaskRule::all(TaskFinish::Immediately)),
        );
        check(
            json!({"finish": "after_seconds", "seconds": 30, "action": "A"}),
            Ok(TaskRule::action("A", TaskFinish::AfterSeconds(30))),
        );
        check(
            json!({"finish": "after_polls", "polls": 4}),
            Ok(TaskRule::all(TaskFinish::AfterPolls(4))),
        );
        check(
            json!({"finish": "fail", "codeDesc": "X"}),
            Ok(TaskRule::all(TaskFinish::fail("X", ""))),
        );
        check(
            json!({"finish": "after_polls"}),
            Err("finish `after_polls` needs `polls`, a non-negative integer"),
        );
        check(
            json!({"finish": "later"}),
            Err("unknown finish `later` (immediately, after_seconds, after_polls or fail)"),
        );
        check(
            json!({"finish": "immediately", "polls": 1}),
            Err("unexpected field `polls` for finish `immediately`"),
        );

        let mut rules = TaskRules::default();
        assert_eq!(rules.finish_of("A"), TaskFinish::DEFAULT);
        rules.set(TaskRule::action("A", TaskFinish::AfterPolls(5)));
        rules.set(TaskRule::all(TaskFinish::Immediately));
        assert_eq!(
            rules.finish_of("A"),
            TaskFinish::AfterPolls(5),
            "the action's rule beats a newer global one"
        );
        assert_eq!(rules.finish_of("B"), TaskFinish::Immediately);
        rules.set(TaskRule::action("A", TaskFinish::AfterSeconds(9)));
        assert_eq!(rules.finish_of("A"), TaskFinish::AfterSeconds(9));
    }
}
