//! Module descriptors: what core knows of a module (`vpc`, and later `cvm`, `lb`,
//! ...) comes from its generated [`ServiceSpec`], never from its types. The
//! generic client reaches a module's host, polls its tasks and reads their status
//! through it.

use serde_json::Value;

use crate::spec::ActionSpec;
use crate::{Error, HttpResponse, Output, RawAction, RawOutput, TaskStatus};

/// A module of the legacy API, as its spec's `service.toml` describes it.
#[derive(Debug)]
pub struct ServiceSpec {
    /// The module's name, which is its host's first label (`vpc` → `vpc.<domain>`).
    pub name: &'static str,
    /// The path every action of the module is served on.
    pub path: &'static str,
    /// How its asynchronous actions' tasks are polled, if it has a task query.
    pub tasks: Option<TaskQuery>,
    /// Its actions, sorted by name.
    pub actions: &'static [&'static ActionSpec],
    /// The names of its fields marked `secret` (masked wherever tokens are).
    pub secret_fields: &'static [&'static str],
}

impl ServiceSpec {
    /// The action named `name` (exactly), if the module has it.
    pub fn action(&self, name: &str) -> Option<&'static ActionSpec> {
        self.actions
            .binary_search_by(|a| a.name.cmp(name))
            .ok()
            .map(|i| self.actions[i])
    }
}

/// The module named `name` (`vpc`), if qcapi has types for it.
pub fn find(name: &str) -> Option<&'static ServiceSpec> {
    crate::generated::SERVICES
        .iter()
        .copied()
        .find(|s| s.name == name)
}

/// The spec of the action `name` in any module qcapi has types for.
pub fn find_action(name: &str) -> Option<&'static ActionSpec> {
    crate::generated::SERVICES
        .iter()
        .find_map(|s| s.action(name))
}

/// Whether a field of that wire name is marked `secret` in any module.
pub fn is_secret_field(name: &str) -> bool {
    crate::generated::SERVICES
        .iter()
        .any(|s| s.secret_fields.contains(&name))
}

/// The module qcapi's own types belong to when nothing says otherwise (`vpc`).
pub fn default_service() -> &'static ServiceSpec {
    crate::generated::SERVICES[0]
}

/// A module's task query: the action that reports on a task, and how to read it.
#[derive(Debug)]
pub struct TaskQuery {
    /// The action, e.g. `DescribeVpcTaskResult`.
    pub action: &'static str,
    /// The parameter that names the task, e.g. `taskId`.
    pub id_param: &'static str,
    /// Where the status is in the answer, e.g. `["data", "status"]`.
    pub status: &'static [&'static str],
    /// The status values that mean the task succeeded.
    pub succeeded: &'static [i64],
    /// The status values that mean it failed; anything else means running.
    pub failed: &'static [i64],
}

impl TaskQuery {
    /// The poll of task `task_id` on `service`.
    pub fn poll(&self, service: &ServiceSpec, task_id: i64) -> RawAction {
        RawAction::new(self.action)
            .service(service.name)
            .param(self.id_param, task_id.to_string())
    }

    /// What the answer to a poll says.
    pub fn report(&self, task_id: i64, output: RawOutput) -> TaskReport {
        let status = self
            .status
            .iter()
            .try_fold(&output.json, |v, key| v.get(key))
            .and_then(|v| match v {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            });
        let state = match status {
            Some(s) if self.succeeded.contains(&s) => TaskStatus::Succeeded,
            Some(s) if self.failed.contains(&s) => TaskStatus::Failed,
            _ => TaskStatus::Running,
        };
        TaskReport {
            task_id,
            state,
            status,
            output,
        }
    }
}

/// One answer of a task query, whatever the module.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskReport {
    task_id: i64,
    state: TaskStatus,
    status: Option<i64>,
    output: RawOutput,
}

impl TaskReport {
    /// The task.
    pub fn task_id(&self) -> i64 {
        self.task_id
    }
    /// Where it stands.
    pub fn state(&self) -> TaskStatus {
        self.state
    }
    /// The status value as answered (VPC: 0 succeeded, 1 failed, 2 running).
    pub fn status(&self) -> Option<i64> {
        self.status
    }
    /// The whole answer as JSON.
    pub fn json(&self) -> &Value {
        &self.output.json
    }
    /// The answer as the module's typed output, e.g. `vpc::DescribeVpcTaskResultOutput`.
    pub fn parse<O: Output>(&self) -> Result<O, Error> {
        crate::parse_output(
            "task query",
            HttpResponse::new(200, self.output.raw().as_bytes().to_vec()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUERY: TaskQuery = TaskQuery {
        action: "DescribeVpcTaskResult",
        id_param: "taskId",
        status: &["data", "status"],
        succeeded: &[0],
        failed: &[1],
    };

    #[test]
    fn reads_the_status_where_the_module_puts_it() {
        fn check(body: &str, expected: (TaskStatus, Option<i64>)) {
            let output: RawOutput =
                crate::parse_output("DescribeVpcTaskResult", HttpResponse::new(200, body)).unwrap();
            let report = QUERY.report(7, output);
            assert_eq!((report.state(), report.status()), expected, "{body}");
        }
        check(
            r#"{"code":0,"data":{"status":0}}"#,
            (TaskStatus::Succeeded, Some(0)),
        );
        check(
            r#"{"code":0,"data":{"status":"1"}}"#,
            (TaskStatus::Failed, Some(1)),
        );
        check(
            r#"{"code":0,"data":{"status":2}}"#,
            (TaskStatus::Running, Some(2)),
        );
        check(
            r#"{"code":0,"data":{"status":9}}"#,
            (TaskStatus::Running, Some(9)),
        );
        check(r#"{"code":0,"data":[]}"#, (TaskStatus::Running, None));
        check(r#"{"code":0}"#, (TaskStatus::Running, None));
    }
}
