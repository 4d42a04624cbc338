//! Rendering responses: pretty JSON, or a table of the `data` list, or key/value
//! lines, or one field (`--query`). Text from the service is escaped for the
//! terminal (see `text`), and building a table is linear in its cells.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::Value;

use crate::globals::OutputFormat;
use crate::text::{escape, escape_json};

/// What an empty table or an empty set of key/value lines prints, so that "no
/// VPCs" is not mistaken for "printed nothing".
pub const NO_RESULTS: &str = "(no results)\n";

/// Renders a response (or task report) for stdout, with a final newline.
pub fn render(value: &Value, format: OutputFormat) -> String {
    match format {
        OutputFormat::Json => {
            let mut text = escape_json(
                serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string()),
            );
            text.push('\n');
            text
        }
        OutputFormat::Table => match value.get("data") {
            Some(Value::Array(items)) => table(items),
            _ => key_values(value),
        },
    }
}

/// A value as plain text: strings as they are, `null` empty, anything else as compact JSON.
/// Not escaped: for messages that escape it where they print it.
pub fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A value as one table cell or line: [`plain`], escaped for the terminal.
fn cell(value: &Value) -> Cow<'_, str> {
    match value {
        Value::String(s) => escape(s, false),
        Value::Null => Cow::Borrowed(""),
        other => Cow::Owned(escape_json(other.to_string())),
    }
}

/// The field at a dotted path (`data.0.vpcId`: object keys and list indexes).
pub fn query<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, segment| match v {
        Value::Object(map) => map.get(segment),
        Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

/// `--query`'s output: the field as [`cell`] text (a string bare, for `$(...)`), with a newline.
pub fn render_field(value: &Value) -> String {
    let mut text = cell(value).into_owned();
    text.push('\n');
    text
}

fn width(text: &str) -> usize {
    text.chars().count()
}

/// Appends `cells` as one line, each padded to its column's width, two spaces
/// apart, without trailing spaces.
fn push_line<S: AsRef<str>>(out: &mut String, cells: &[S], widths: &[usize]) {
    for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
        if i > 0 {
            out.push_str("  ");
        }
        let cell = cell.as_ref();
        out.push_str(cell);
        out.extend(std::iter::repeat_n(' ', w.saturating_sub(width(cell))));
    }
    let kept = out.trim_end_matches(' ').len();
    out.truncate(kept);
    out.push('\n');
}

/// One row per item; the columns are the keys of the items, in order of first
/// appearance. Columns are found through a map and each cell is placed by its
/// column's index, so the cost is linear in the number of cells.
fn table(items: &[Value]) -> String {
    if items.is_empty() {
        return NO_RESULTS.to_owned();
    }
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut columns: Vec<Cow<'_, str>> = Vec::new();
    for map in items.iter().filter_map(Value::as_object) {
        for key in map.keys() {
            index.entry(key.as_str()).or_insert_with(|| {
                columns.push(escape(key, false));
                columns.len() - 1
            });
        }
    }
    if columns.is_empty() {
        // A list of plain values: one per line.
        let mut out = String::new();
        for item in items {
            out.push_str(&cell(item));
            out.push('\n');
        }
        return out;
    }
    let rows: Vec<Vec<Cow<'_, str>>> = items
        .iter()
        .map(|item| {
            let mut row = vec![Cow::Borrowed(""); columns.len()];
            for (key, value) in item.as_object().into_iter().flatten() {
                if let Some(&i) = index.get(key.as_str()) {
                    row[i] = cell(value);
                }
            }
            row
        })
        .collect();
    let mut widths: Vec<usize> = columns.iter().map(|c| width(c)).collect();
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(c));
        }
    }
    let mut out = String::new();
    push_line(&mut out, &columns, &widths);
    for row in &rows {
        push_line(&mut out, row, &widths);
    }
    out
}

/// Leaves of a value as `(dotted.key, text)`, escaped: objects are walked,
/// lists of plain values joined with `,`, other lists indexed.
fn leaves(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    let join = |key: &str| {
        let key = escape(key, false);
        if prefix.is_empty() {
            key.into_owned()
        } else {
            format!("{prefix}.{key}")
        }
    };
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                leaves(&join(k), v, out);
            }
        }
        Value::Array(items) if items.iter().any(|i| i.is_object() || i.is_array()) => {
            for (i, v) in items.iter().enumerate() {
                leaves(&join(&i.to_string()), v, out);
            }
        }
        Value::Array(items) => {
            let mut text = String::new();
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    text.push(',');
                }
                text.push_str(&cell(item));
            }
            out.push((prefix.to_owned(), text));
        }
        other => out.push((prefix.to_owned(), cell(other).into_owned())),
    }
}

/// `key  value` lines, keys aligned.
fn key_values(value: &Value) -> String {
    let mut pairs = Vec::new();
    leaves("", value, &mut pairs);
    let empty = matches!(value, Value::Null) || value.as_object().is_some_and(|m| m.is_empty());
    if empty || pairs.is_empty() {
        return NO_RESULTS.to_owned();
    }
    let w = pairs.iter().map(|(k, _)| width(k)).max().unwrap_or(0);
    let mut out = String::new();
    for (k, v) in &pairs {
        push_line(&mut out, &[k, v], &[w, 0]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_is_pretty() {
        assert_eq!(
            render(&json!({"code": 0, "vpcId": "vpc-1"}), OutputFormat::Json),
            "{\n  \"code\": 0,\n  \"vpcId\": \"vpc-1\"\n}\n"
        );
    }

    #[test]
    fn data_lists_are_tables() {
        let response = json!({
            "code": 0,
            "totalCount": 2,
            "data": [
                {"peeringConnectionId": "pcx-1", "state": 3, "name": "a"},
                {"peeringConnectionId": "pcx-22", "state": 0, "name": null, "extra": [1]}
            ]
        });
        assert_eq!(
            render(&response, OutputFormat::Table),
            "name  peeringConnectionId  state  extra\n\
             a     pcx-1                3\n\
             \x20     pcx-22               0      [1]\n"
        );
        assert_eq!(
            render(&json!({"data": []}), OutputFormat::Table),
            "(no results)\n"
        );
    }

    #[test]
    fn everything_else_is_key_values() {
        // Keys in sorted order, so the test holds whether or not serde_json preserves order.
        let response =
            json!({"code": 0, "data": {"output": {"ids": ["a", "b"]}, "status": 0}, "message": ""});
        assert_eq!(
            render(&response, OutputFormat::Table),
            "code             0\n\
             data.output.ids  a,b\n\
             data.status      0\n\
             message\n"
        );
    }

    fn check(input: Value, expected: &str) {
        assert_eq!(render(&input, OutputFormat::Table), expected, "{input}");
    }

    #[test]
    fn tables_escape_what_the_service_sent() {
        check(
            json!({"data": [{"vpcName": "\x1b]0;pwned\x07\x1b[2J", "vpcId": "vpc-1"}]}),
            "vpcId  vpcName\n\
             vpc-1  \\x1b]0;pwned\\x07\\x1b[2J\n",
        );
        check(
            json!({"data": [{"na\rme": "abc\u{202e}fed", "n": ["\u{9b}", 1]}]}),
            "n             na\\rme\n\
             [\"\\u009b\",1]  abc\\u{202e}fed\n",
        );
        check(json!({"data": ["a\nb", "\u{2066}"]}), "a\\nb\n\\u{2066}\n");
        check(
            json!({"code": 0, "message": "line\rover\u{85}", "data": {"k\x1b": ["x\x07", "y"]}}),
            "code        0\n\
             data.k\\x1b  x\\x07,y\n\
             message     line\\rover\\u{85}\n",
        );
    }

    #[test]
    fn json_escapes_what_serde_json_leaves_raw() {
        assert_eq!(
            render(&json!({"n": "a\u{202e}b\u{9b}"}), OutputFormat::Json),
            "{\n  \"n\": \"a\\u202eb\\u009b\"\n}\n"
        );
    }

    #[test]
    fn empty_results_say_so() {
        check(
            json!({"code": 0, "totalCount": 0, "data": []}),
            "(no results)\n",
        );
        check(json!({}), "(no results)\n");
        check(json!(null), "(no results)\n");
        check(json!({"data": [{}]}), "{}\n");
    }

    #[test]
    fn a_table_of_twenty_thousand_keys_renders() {
        const KEYS: usize = 20_000;
        let wide: serde_json::Map<String, Value> =
            (0..KEYS).map(|i| (format!("k{i:05}"), json!(i))).collect();
        let items = vec![Value::Object(wide.clone()), Value::Object(wide)];
        let text = render(&json!({"data": items}), OutputFormat::Table);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "a header and two rows");
        assert_eq!(lines[0].split_whitespace().count(), KEYS);
        assert_eq!(lines[2].split_whitespace().last(), Some("19999"));
        // And as key/value lines.
        let object: serde_json::Map<String, Value> =
            (0..KEYS).map(|i| (format!("k{i}"), json!("v"))).collect();
        let text = render(&Value::Object(object), OutputFormat::Table);
        assert_eq!(text.lines().count(), KEYS);
    }

    #[test]
    fn queries() {
        fn check(path: &str, expected: Option<&str>) {
            let response = json!({
                "code": 0,
                "unVpcId": "vpc-1",
                "data": [{"vpcId": "vpc-2", "state": 3, "tags": {"a": null}, "n\x1b": "x\ry"}],
            });
            assert_eq!(
                query(&response, path).map(render_field).as_deref(),
                expected,
                "{path}"
            );
        }
        check("unVpcId", Some("vpc-1\n"));
        check("code", Some("0\n"));
        check("data.0.vpcId", Some("vpc-2\n"));
        check("data.0.state", Some("3\n"));
        check("data.0.tags", Some("{\"a\":null}\n"));
        check("data.0.tags.a", Some("\n"));
        check("data.0.n\x1b", Some("x\\ry\n"));
        check("data.1.vpcId", None);
        check("data.x", None);
        check("unVpcId.0", None);
        check("nothing", None);
        check("", None);
    }
}
