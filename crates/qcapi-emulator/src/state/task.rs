//! Asynchronous tasks: what `Ex` and other asynchronous actions return a `taskId`
//! for, and DescribeVpcTaskResult, which reports them.

use qcapi_core::vpc::{
    DescribeVpcTaskResult, DescribeVpcTaskResultData, DescribeVpcTaskResultOutput, ErrorCode,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::table::{Handlers, Model, Now};
use super::{Caller, Failure, State};
use crate::scenarios::TaskFinish;

pub(super) fn register(handlers: &mut Handlers) {
    handlers.add(DescribeVpcTaskResult::run);
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Task {
    owner: String,
    /// The task's eventual result: its output, or why it failed.
    outcome: Result<Value, Failure>,
    /// When it reports its outcome (by default after one "running" answer, so
    /// clients exercise their polling).
    finish: TaskFinish,
    created: Now,
    /// How many queries it answered "running".
    polls: u32,
}

impl State {
    /// Records a task of `owner` that ends in `outcome`; returns its id.
    pub(super) fn new_task(&mut self, owner: &str, outcome: Result<Value, Failure>) -> i64 {
        self.next_task += 1;
        // Start at a realistic-looking number; ids are per emulator.
        let id = 10_000 + self.next_task;
        let (action, now) = self.acting;
        let finish = self.task_rules.finish_of(action);
        let outcome = match &finish {
            TaskFinish::Fail { code_desc, message } => {
                Err(Failure::business_name(code_desc, message.clone()))
            }
            _ => outcome,
        };
        let task = Task {
            owner: owner.to_owned(),
            outcome,
            finish,
            created: now,
            polls: 0,
        };
        self.tasks.insert(id, task);
        // Ids count up from 10 000 by one per task: they stay far below `i64::MAX`.
        i64::try_from(id).unwrap_or(i64::MAX)
    }
}

impl State {
    /// Polls task `id` of `owner`: its status (0 succeeded, 1 failed, 2 running)
    /// and, once finished, its output or failure; `None` for an unknown task.
    pub(super) fn poll_task(
        &mut self,
        owner: &str,
        id: i64,
        now: Now,
    ) -> Option<(i64, Option<Value>)> {
        let task = u64::try_from(id)
            .ok()
            .and_then(|id| self.tasks.get_mut(&id));
        let task = task.filter(|t| t.owner == owner)?;
        let done = match task.finish {
            TaskFinish::Immediately | TaskFinish::Fail { .. } => true,
            TaskFinish::AfterSeconds(n) => {
                now.saturating_sub(task.created) >= i64::try_from(n).unwrap_or(i64::MAX)
            }
            TaskFinish::AfterPolls(n) => task.polls >= n,
        };
        if !done {
            task.polls = task.polls.saturating_add(1);
        }
        Some(match &task.outcome {
            _ if !done => (2, None),
            Ok(output) => (0, Some(output.clone())),
            Err(f) => {
                let failure =
                    json!({"errorCode": f.code, "errorMsg": f.message, "codeDesc": f.code_desc});
                (1, Some(failure))
            }
        })
    }
}

impl Model for DescribeVpcTaskResult {
    fn run(state: &mut State, caller: &Caller, r: Self, now: Now) -> Result<Self::Output, Failure> {
        let Some((status, output)) = state.poll_task(&caller.uin, r.task_id, now) else {
            let message = format!("task `{}` not found", r.task_id);
            return Err(Failure::business(ErrorCode::InvalidTaskNotFound, message));
        };
        let data = DescribeVpcTaskResultData {
            status: Some(status),
            output,
        };
        Ok(DescribeVpcTaskResultOutput {
            data: Some(data),
            ..Default::default()
        })
    }
}
