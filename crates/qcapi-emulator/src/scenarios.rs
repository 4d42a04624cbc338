//! Scenarios for tests: canned answers queued per action (and account), and the
//! way asynchronous tasks finish.
//!
//! Canned answers pop after authentication and parameter validation, before any
//! model runs, so the actions answered from their shape become usable fixtures.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::faults::{admin_json, json_object, refuse_nulls};
use crate::state::{Failure, Fields};

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
    outcome: Result<Fields, Failure>,
}

/// A canned answer as the admin endpoint takes and shows it: exactly one of
/// `result` and `error`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerJson {
    action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<Fields>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorJson>,
}

/// A canned error; without `code`, its `codeDesc` implies it.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorJson {
    code: Option<i64>,
    code_desc: String,
    #[serde(default)]
    message: String,
}

impl CannedAnswer {
    /// A success of `action` answering `fields` (an object; anything else answers no
    /// fields) after the envelope. An asynchronous action's answer without a
    /// `taskId` gets a real task, which finishes as the task rules say.
    pub fn result(action: impl Into<String>, fields: Value) -> Self {
        Self {
            action: action.into(),
            account: None,
            outcome: Ok(serde_json::from_value(fields).unwrap_or_default()),
        }
    }

    /// A business error of `action`: `code_desc` names it, and the code is 5000
    /// for `*.NotFound` names and 5100 for others (see [`code`](Self::code)).
    pub fn error(
        action: impl Into<String>,
        code_desc: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            action: action.into(),
            account: None,
            outcome: Err(Failure::business_name(&code_desc.into(), message)),
        }
    }

    /// An error's numeric code instead of the one its name implies (no effect on a result).
    pub fn code(mut self, code: i64) -> Self {
        if let Err(failure) = &mut self.outcome {
            failure.code = code;
        }
        self
    }

    /// Only account `uin`'s calls pop it.
    pub fn for_account(mut self, uin: impl Into<String>) -> Self {
        self.account = Some(uin.into());
        self
    }

    /// What the call answers: its fields as a JSON object, or the failure.
    pub(crate) fn answer(self) -> Result<Fields, Failure> {
        self.outcome
    }

    pub(crate) fn to_json(&self) -> Value {
        let error = self.outcome.as_ref().err().map(|failure| ErrorJson {
            code: Some(failure.code),
            code_desc: failure.code_desc.clone(),
            message: failure.message.clone(),
        });
        let answer = AnswerJson {
            action: self.action.clone(),
            account: self.account.clone(),
            result: self.outcome.as_ref().ok().cloned(),
            error,
        };
        Value::Object(json_object(&answer))
    }

    /// Parses the admin endpoint's JSON: `{"action":..,"account":..?,"result":{..}}` or
    /// `{"action":..,"account":..?,"error":{"codeDesc":..,"message":..?,"code":..?}}`.
    pub(crate) fn from_json(value: &Value) -> Result<Self, String> {
        if let Some(error) = value.get("error") {
            refuse_nulls(error)?;
        }
        let json: AnswerJson = admin_json(value, None)?;
        let outcome = match (json.result, json.error) {
            (Some(fields), None) => Ok(fields),
            (None, Some(error)) => {
                let failure = Failure::business_name(&error.code_desc, error.message);
                let code = error.code.unwrap_or(failure.code);
                Err(Failure { code, ..failure })
            }
            _ => return Err("expected exactly one of `result` and `error`".to_owned()),
        };
        Ok(Self {
            action: json.action,
            account: json.account,
            outcome,
        })
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
        std::mem::take(&mut self.0).len()
    }

    pub(crate) fn to_json(&self) -> Value {
        self.0.iter().map(CannedAnswer::to_json).collect()
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

/// A task rule as the admin endpoint takes and shows it.
#[derive(Serialize, Deserialize)]
struct RuleJson {
    #[serde(flatten)]
    finish: FinishJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<String>,
}

/// [`TaskFinish`] in the admin JSON (the state file keeps serde's default form).
/// Struct variants, even empty ones, so that another finish's field is refused.
#[derive(Serialize, Deserialize)]
#[serde(
    tag = "finish",
    rename_all = "snake_case",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
enum FinishJson {
    Immediately {},
    AfterSeconds {
        seconds: u64,
    },
    AfterPolls {
        polls: u32,
    },
    Fail {
        code_desc: String,
        #[serde(default)]
        message: String,
    },
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
        let finish = match self.finish.clone() {
            TaskFinish::Immediately => FinishJson::Immediately {},
            TaskFinish::AfterSeconds(seconds) => FinishJson::AfterSeconds { seconds },
            TaskFinish::AfterPolls(polls) => FinishJson::AfterPolls { polls },
            TaskFinish::Fail { code_desc, message } => FinishJson::Fail { code_desc, message },
        };
        let action = self.action.clone();
        Value::Object(json_object(&RuleJson { finish, action }))
    }

    /// Parses the admin endpoint's JSON: `{"finish":"immediately"}`,
    /// `{"finish":"after_seconds","seconds":N}`, `{"finish":"after_polls","polls":N}` or
    /// `{"finish":"fail","codeDesc":..,"message":..?}`, each with an optional `"action"`.
    pub(crate) fn from_json(value: &Value) -> Result<Self, String> {
        let json: RuleJson = admin_json(value, Some("finish"))?;
        let finish = match json.finish {
            FinishJson::Immediately {} => TaskFinish::Immediately,
            FinishJson::AfterSeconds { seconds } => TaskFinish::AfterSeconds(seconds),
            FinishJson::AfterPolls { polls } => TaskFinish::AfterPolls(polls),
            FinishJson::Fail { code_desc, message } => TaskFinish::Fail { code_desc, message },
        };
        Ok(Self {
            action: json.action,
            finish,
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
        let newest = |only: Option<&str>| self.0.iter().rev().find(|r| r.action.as_deref() == only);
        newest(Some(action))
            .or_else(|| newest(None))
            .map_or(TaskFinish::DEFAULT, |r| r.finish.clone())
    }

    pub(crate) fn clear(&mut self) -> usize {
        std::mem::take(&mut self.0).len()
    }

    pub(crate) fn to_json(&self) -> Value {
        self.0.iter().map(TaskRule::to_json).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        check(json!({"result": {}}), Err("missing field `action`"));
        check(
            json!({"action": "A"}),
            Err("expected exactly one of `result` and `error`"),
        );
        check(
            json!({"action": "A", "result": 3}),
            Err("invalid type: integer `3`, expected a map"),
        );
        check(
            json!({"action": "A", "error": {}}),
            Err("missing field `codeDesc`"),
        );
        check(
            json!({"action": "A", "result": {}, "times": 2}),
            Err("unknown field `times`, expected one of `action`, `account`, `result`, `error`"),
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
            Err("missing field `polls`"),
        );
        check(
            json!({"finish": "later"}),
            Err(
                "unknown variant `later`, expected one of `immediately`, `after_seconds`, `after_polls`, `fail`",
            ),
        );
        check(
            json!({"finish": "immediately", "polls": 1}),
            Err("unknown field `polls`, there are no fields"),
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

    #[test]
    fn admin_json_refuses_nulls_and_variant_indices() {
        let answer = |input: Value| CannedAnswer::from_json(&input).map(|a| a.to_json());
        let null_account = json!({"action": "A", "account": null, "result": {}});
        assert_eq!(
            answer(null_account),
            Err("`account` must not be null".to_owned())
        );
        let null_code = json!({"action": "A", "error": {"codeDesc": "X", "code": null}});
        assert_eq!(answer(null_code), Err("`code` must not be null".to_owned()));
        let null_result = json!({"action": "A", "result": null});
        assert_eq!(
            answer(null_result),
            Err("`result` must not be null".to_owned())
        );
        for (input, expected) in [
            (json!({"finish": 0}), "`finish` must be a string"),
            (
                json!({"finish": "immediately", "action": null}),
                "`action` must not be null",
            ),
        ] {
            assert_eq!(
                TaskRule::from_json(&input),
                Err(expected.to_owned()),
                "{input}"
            );
        }
    }
}
