//! One subcommand per action of the catalog, built at runtime from the generated
//! spec data: adding a spec file and running codegen adds a subcommand, with no
//! change here.
//!
//! Every parameter is a flag named exactly like its wire name
//! (`--peeringConnectionId pcx-1`). Scalars take plain values; lists of scalars a
//! repeated flag (`--instanceIds a --instanceIds b`) or one JSON array; objects
//! and lists of objects JSON (`--subnetSet '[{"subnetName":"a",...}]'`), flattened
//! to `subnetSet.0.subnetName=a`. Values are checked by qcapi-core's validator
//! before anything is sent, so the CLI only checks what clap must (presence of
//! required flags, JSON syntax).

use clap::builder::ValueParser;
use clap::{Arg, ArgAction, ArgMatches, Command};
use qcapi_core::spec::{ActionSpec, FieldSpec, FieldType};
use qcapi_core::{Params, RawAction};
use serde_json::Value;

/// How a parameter's flag values are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// One plain value, sent as is.
    Scalar,
    /// Plain values (repeated flag) or JSON arrays of scalars.
    ScalarList,
    /// One JSON object.
    Object,
    /// JSON objects or arrays of objects (repeatable).
    ObjectList,
    /// Any JSON (undocumented shapes); text that is not JSON is sent as is.
    Json,
}

fn kind(field: &FieldSpec) -> Kind {
    match (field.ty, field.list) {
        (FieldType::Object, false) => Kind::Object,
        (FieldType::Object, true) => Kind::ObjectList,
        (FieldType::Json, _) => Kind::Json,
        (_, false) => Kind::Scalar,
        (_, true) => Kind::ScalarList,
    }
}

fn type_name(ty: FieldType) -> &'static str {
    match ty {
        FieldType::String => "string",
        FieldType::Integer => "integer",
        FieldType::Boolean => "boolean",
        FieldType::Float => "number",
        FieldType::Json => "JSON",
        FieldType::Object => "object",
    }
}

fn value_name(field: &FieldSpec) -> &'static str {
    match kind(field) {
        Kind::Object | Kind::ObjectList | Kind::Json => "JSON",
        Kind::Scalar | Kind::ScalarList => match field.ty {
            FieldType::Integer => "INT",
            FieldType::Boolean => "BOOL",
            FieldType::Float => "NUMBER",
            _ => "STRING",
        },
    }
}

/// The constraints of a field, as help text: `1 to 60 characters; one of: a, b`.
fn constraints(field: &FieldSpec) -> Vec<String> {
    let mut notes = Vec::new();
    match (field.min_length, field.max_length) {
        (Some(min), Some(max)) => notes.push(format!("{min} to {max} characters")),
        (Some(min), None) => notes.push(format!("at least {min} characters")),
        (None, Some(max)) => notes.push(format!("at most {max} characters")),
        (None, None) => {}
    }
    match (field.minimum, field.maximum) {
        (Some(min), Some(max)) => notes.push(format!("{min} to {max}")),
        (Some(min), None) => notes.push(format!("at least {min}")),
        (None, Some(max)) => notes.push(format!("at most {max}")),
        (None, None) => {}
    }
    if !field.allowed.is_empty() {
        notes.push(format!("one of: {}", field.allowed.join(", ")));
    }
    if !field.documented {
        notes.push("undocumented".to_owned());
    }
    notes
}

/// One line per object field, indented: `subnetName (string, required): ...`.
fn describe_fields(fields: &[FieldSpec], indent: usize, out: &mut String) {
    for f in fields {
        let mut tags = vec![if f.list {
            format!("list of {}", type_name(f.ty))
        } else {
            type_name(f.ty).to_owned()
        }];
        if f.required {
            tags.push("required".to_owned());
        }
        tags.extend(constraints(f));
        out.push_str(&format!(
            "\n{:indent$}{} ({}){}{}",
            "",
            f.name,
            tags.join(", "),
            if f.doc.is_empty() { "" } else { ": " },
            f.doc,
        ));
        describe_fields(f.fields, indent + 2, out);
    }
}

fn help_text(field: &FieldSpec) -> String {
    let mut help = field.doc.to_owned();
    let mut notes = constraints(field);
    match kind(field) {
        Kind::ScalarList => notes.push(format!(
            "list of {}: repeat the flag or give one JSON array",
            type_name(field.ty)
        )),
        Kind::ObjectList => notes.push("a JSON array of objects (or one object per flag)".into()),
        Kind::Object => notes.push("a JSON object".into()),
        Kind::Json => notes.push("JSON".into()),
        Kind::Scalar => {}
    }
    if !notes.is_empty() {
        if !help.is_empty() {
            help.push(' ');
        }
        help.push_str(&format!("[{}]", notes.join("; ")));
    }
    if !field.fields.is_empty() {
        help.push_str("\nFields:");
        describe_fields(field.fields, 2, &mut help);
    }
    help
}

/// Reads one flag value into JSON, as its kind says. Errors are clap usage errors.
fn parse_value(kind: Kind, text: &str) -> Result<Value, String> {
    let json = || serde_json::from_str::<Value>(text).map_err(|e| format!("expected JSON: {e}"));
    match kind {
        Kind::Scalar => Ok(Value::String(text.to_owned())),
        Kind::ScalarList => {
            if !text.trim_start().starts_with('[') {
                return Ok(Value::String(text.to_owned()));
            }
            match serde_json::from_str::<Value>(text) {
                Ok(Value::Array(items)) => {
                    if items.iter().any(|i| i.is_array() || i.is_object()) {
                        Err("expected a JSON array of plain values".to_owned())
                    } else {
                        Ok(Value::Array(items))
                    }
                }
                // Not JSON after all: a value that happens to start with `[`.
                _ => Ok(Value::String(text.to_owned())),
            }
        }
        Kind::Object => match json()? {
            v @ Value::Object(_) => Ok(v),
            _ => Err("expected a JSON object (`{...}`)".to_owned()),
        },
        Kind::ObjectList => match json()? {
            v @ Value::Object(_) => Ok(v),
            Value::Array(items) if items.iter().all(Value::is_object) => Ok(Value::Array(items)),
            _ => Err("expected a JSON array of objects (`[{...}]`) or one object".to_owned()),
        },
        Kind::Json => {
            Ok(serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned())))
        }
    }
}

/// Whether the flag may be repeated: the parameter is a list.
fn repeatable(field: &FieldSpec) -> bool {
    field.list
}

/// The flag of one parameter.
fn param_arg(field: &'static FieldSpec) -> Arg {
    let kind = kind(field);
    let mut arg = Arg::new(field.name)
        .long(field.name)
        .value_name(value_name(field))
        .help(help_text(field))
        .required(field.required)
        .value_parser(ValueParser::new(move |text: &str| parse_value(kind, text)))
        .action(if repeatable(field) {
            ArgAction::Append
        } else {
            ArgAction::Set
        });
    if matches!(field.ty, FieldType::Integer | FieldType::Float) {
        arg = arg.allow_negative_numbers(true);
    }
    arg
}

/// The long description of an action: summary, flags, business errors.
fn long_about(spec: &ActionSpec, shadowed: &[&str]) -> String {
    let mut text = spec.summary.to_owned();
    text.push_str("\n\n");
    text.push_str(if spec.asynchronous {
        "Asynchronous: returns a taskId; add --wait to wait for the task."
    } else {
        "Synchronous."
    });
    text.push(' ');
    text.push_str(if spec.idempotent {
        "Idempotent: retried on transient failures."
    } else {
        "Not idempotent: retried only when the request provably was not sent."
    });
    if !spec.documented {
        text.push_str(" Undocumented: known only by name and the official CLI's parameters.");
    }
    if !spec.errors.is_empty() {
        text.push_str(&format!(
            "\n\nBusiness errors (codeDesc): {}.",
            spec.errors.join(", ")
        ));
    }
    if !shadowed.is_empty() {
        text.push_str(&format!(
            "\n\nThe parameters {} share their names with global options: give those options before the action.",
            shadowed
                .iter()
                .map(|n| format!("--{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    text
}

/// Whether a parameter gets a flag (it cannot when it would shadow `--help`).
fn has_flag(field: &FieldSpec) -> bool {
    field.name != "help"
}

/// The subcommand of one action: its parameters, then the global options
/// (except those a parameter shadows).
pub fn command(spec: &'static ActionSpec, globals: &[Arg]) -> Command {
    let names: Vec<&str> = spec.params.iter().map(|p| p.name).collect();
    let shadowed: Vec<&str> = globals
        .iter()
        .filter_map(Arg::get_long)
        .filter(|g| names.contains(g))
        .collect();
    let mut about = long_about(spec, &shadowed);
    if spec.params.iter().any(|p| !has_flag(p)) {
        about.push_str("\n\nA parameter named `help` has no flag: use `qcapi call` to send it.");
    }
    Command::new(spec.name)
        .about(spec.summary)
        .long_about(about)
        .next_help_heading("Parameters")
        .args(spec.params.iter().filter(|p| has_flag(p)).map(param_arg))
        .next_help_heading("Global options")
        .args(
            globals
                .iter()
                .filter(|g| g.get_long().is_none_or(|l| !names.contains(&l)))
                .map(|g| g.clone().hide_short_help(true)),
        )
        .after_help("Global options (--endpoint, --region, --dry-run, --output, --wait, -v, ...): see --help.")
}

/// The flat parameters the flags of `spec`'s subcommand describe, in spec order.
pub fn params(spec: &ActionSpec, matches: &ArgMatches) -> Params {
    let mut params = Params::new();
    for field in spec.params.iter().filter(|p| has_flag(p)) {
        let Some(values) = matches.try_get_many::<Value>(field.name).ok().flatten() else {
            continue;
        };
        if repeatable(field) {
            params.put_json(field.name, &Value::Array(concat(values)));
        } else {
            for value in values {
                params.put_json(field.name, value);
            }
        }
    }
    params
}

/// Flag values concatenated: arrays contribute their items, anything else itself.
fn concat<'a>(values: impl Iterator<Item = &'a Value>) -> Vec<Value> {
    let mut items = Vec::new();
    for value in values {
        match value {
            Value::Array(inner) => items.extend(inner.iter().cloned()),
            other => items.push(other.clone()),
        }
    }
    items
}

/// The action `spec`'s subcommand describes.
pub fn raw_action(spec: &ActionSpec, matches: &ArgMatches) -> RawAction {
    RawAction::new(spec.name).params(
        params(spec, matches)
            .iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned())),
    )
}

/// Parses `name=value` (split at the first `=`) for `qcapi call`.
pub fn name_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        _ => Err(format!("expected name=value, got `{text}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::globals;
    use qcapi_core::vpc::catalog;

    fn flat(action: &str, args: &[&str]) -> Result<Vec<(String, String)>, clap::Error> {
        let spec = catalog::find(action).expect("a known action");
        let m = command(spec, &globals::args())
            .try_get_matches_from(std::iter::once(action).chain(args.iter().copied()))?;
        Ok(params(spec, &m)
            .iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect())
    }

    fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
        expected
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn every_action_builds_a_valid_subcommand() {
        let globals = globals::args();
        for spec in catalog::ACTIONS {
            // debug_assert checks the definitions (duplicate flags, ...).
            command(spec, &globals).debug_assert();
        }
    }

    const fn field(name: &'static str) -> FieldSpec {
        FieldSpec::string(name, "")
    }

    /// A future action whose parameters share names with global options.
    static SHADOWING: ActionSpec = ActionSpec::new(
        "FutureAction",
        "vpc",
        "test",
        "A parameter named like a global option.",
    )
    .idempotent()
    .params(&[field("region"), field("help"), field("vpcId")]);

    #[test]
    fn parameters_named_like_global_options_still_work() {
        let cmd = command(&SHADOWING, &globals::args());
        cmd.clone().debug_assert();
        let m = cmd
            .try_get_matches_from([
                "FutureAction",
                "--region",
                "param-value",
                "--dry-run",
                "--vpcId",
                "v",
            ])
            .expect("valid");
        let got: Vec<(String, String)> = params(&SHADOWING, &m)
            .iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(got, pairs(&[("region", "param-value"), ("vpcId", "v")]));
        let globals = globals::Globals::from_matches(&m);
        assert_eq!(globals.region, None, "the global --region is shadowed here");
        assert!(globals.dry_run, "the others remain");
        let help = command(&SHADOWING, &globals::args())
            .render_long_help()
            .to_string();
        assert!(
            help.contains("give those options before the action"),
            "{help}"
        );
        assert!(help.contains("qcapi call"), "{help}");
    }

    #[test]
    fn flags_flatten_to_wire_parameters() {
        /// (action, flags, expected wire parameters)
        type Case<'a> = (&'a str, &'a [&'a str], &'a [(&'a str, &'a str)]);
        let cases: &[Case] = &[
            (
                "RejectVpcPeeringConnection",
                &["--peeringConnectionId", "pcx-1"],
                &[("peeringConnectionId", "pcx-1")],
            ),
            (
                "DetachClassicLinkVpc",
                &[
                    "--vpcId",
                    "vpc-1",
                    "--instanceIds",
                    "ins-a",
                    "--instanceIds",
                    "ins-b",
                ],
                &[
                    ("vpcId", "vpc-1"),
                    ("instanceIds.0", "ins-a"),
                    ("instanceIds.1", "ins-b"),
                ],
            ),
            (
                "DetachClassicLinkVpc",
                &[
                    "--instanceIds",
                    r#"["ins-a","ins-b"]"#,
                    "--instanceIds",
                    "ins-c",
                    "--vpcId",
                    "vpc-1",
                ],
                &[
                    ("vpcId", "vpc-1"),
                    ("instanceIds.0", "ins-a"),
                    ("instanceIds.1", "ins-b"),
                    ("instanceIds.2", "ins-c"),
                ],
            ),
            (
                "DescribeSubnetEx",
                &["--zoneIds", "[100003, 100004]", "--offset", "-1"],
                &[
                    ("offset", "-1"),
                    ("zoneIds.0", "100003"),
                    ("zoneIds.1", "100004"),
                ],
            ),
            (
                "CreateVpc",
                &[
                    "--vpcName",
                    "a b",
                    "--cidrBlock",
                    "10.0.0.0/16",
                    "--subnetSet",
                    r#"[{"subnetName":"s1","cidrBlock":"10.0.1.0/24","zoneId":100003},{"subnetName":"s2","cidrBlock":"10.0.2.0/24","zoneId":100004}]"#,
                ],
                &[
                    ("vpcName", "a b"),
                    ("cidrBlock", "10.0.0.0/16"),
                    ("subnetSet.0.cidrBlock", "10.0.1.0/24"),
                    ("subnetSet.0.subnetName", "s1"),
                    ("subnetSet.0.zoneId", "100003"),
                    ("subnetSet.1.cidrBlock", "10.0.2.0/24"),
                    ("subnetSet.1.subnetName", "s2"),
                    ("subnetSet.1.zoneId", "100004"),
                ],
            ),
            (
                "CreateSubnet",
                &[
                    "--vpcId",
                    "vpc-1",
                    "--subnetSet",
                    r#"{"subnetName":"s1","cidrBlock":"10.0.1.0/24","zoneId":1}"#,
                    "--subnetSet",
                    r#"{"subnetName":"s2","cidrBlock":"10.0.2.0/24","zoneId":2}"#,
                ],
                &[
                    ("vpcId", "vpc-1"),
                    ("subnetSet.0.cidrBlock", "10.0.1.0/24"),
                    ("subnetSet.0.subnetName", "s1"),
                    ("subnetSet.0.zoneId", "1"),
                    ("subnetSet.1.cidrBlock", "10.0.2.0/24"),
                    ("subnetSet.1.subnetName", "s2"),
                    ("subnetSet.1.zoneId", "2"),
                ],
            ),
            (
                "InquiryPriceRunVpnGw",
                &[
                    "--chargePrepaid",
                    r#"{"period":1,"renewFlag":"NOTIFY_AND_AUTO_RENEW"}"#,
                ],
                &[
                    ("chargePrepaid.period", "1"),
                    ("chargePrepaid.renewFlag", "NOTIFY_AND_AUTO_RENEW"),
                ],
            ),
        ];
        for (action, args, expected) in cases {
            let mut got = flat(action, args).unwrap_or_else(|e| panic!("{action} {args:?}: {e}"));
            let mut want = pairs(expected);
            got.sort();
            want.sort();
            assert_eq!(got, want, "{action} {args:?}");
        }
    }

    #[test]
    fn usage_errors_name_the_flag() {
        let missing = flat("RejectVpcPeeringConnection", &[]).expect_err("required");
        assert_eq!(missing.exit_code(), 2);
        assert!(
            missing.to_string().contains("--peeringConnectionId"),
            "{missing}"
        );
        let bad_json = flat(
            "CreateVpc",
            &[
                "--vpcName",
                "a",
                "--cidrBlock",
                "10.0.0.0/16",
                "--subnetSet",
                "{oops",
            ],
        )
        .expect_err("bad JSON");
        assert!(bad_json.to_string().contains("--subnetSet"), "{bad_json}");
        let not_objects = flat(
            "CreateVpc",
            &["--vpcName", "a", "--cidrBlock", "c", "--subnetSet", "[1,2]"],
        )
        .expect_err("not objects");
        assert!(
            not_objects.to_string().contains("array of objects"),
            "{not_objects}"
        );
        let twice = flat(
            "RejectVpcPeeringConnection",
            &["--peeringConnectionId", "a", "--peeringConnectionId", "b"],
        )
        .expect_err("a scalar once");
        assert_eq!(twice.exit_code(), 2);
    }

    #[test]
    fn name_value_pairs() {
        assert_eq!(name_value("a=b=c"), Ok(("a".into(), "b=c".into())));
        assert_eq!(name_value("a="), Ok(("a".into(), String::new())));
        assert!(name_value("a").is_err());
        assert!(name_value("=b").is_err());
    }
}
