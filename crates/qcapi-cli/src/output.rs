//! Rendering responses: pretty JSON, or a table of the `data` list, or key/value lines.

use serde_json::Value;

use crate::globals::OutputFormat;

/// Renders a response (or task report) for stdout, with a final newline.
pub fn render(value: &Value, format: OutputFormat) -> String {
    match format {
        OutputFormat::Json => {
            let mut text =
                serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
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
pub fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn width(text: &str) -> usize {
    text.chars().count()
}

fn pad(text: &str, to: usize) -> String {
    format!("{text}{}", " ".repeat(to.saturating_sub(width(text))))
}

/// One row per item; the columns are the keys of the items, in order of first appearance.
fn table(items: &[Value]) -> String {
    let mut columns: Vec<String> = Vec::new();
    for item in items {
        if let Value::Object(map) = item {
            for key in map.keys() {
                if !columns.contains(key) {
                    columns.push(key.clone());
                }
            }
        }
    }
    if columns.is_empty() {
        // A list of plain values: one per line.
        return items.iter().map(|i| format!("{}\n", plain(i))).collect();
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| {
            columns
                .iter()
                .map(|c| item.get(c).map(plain).unwrap_or_default())
                .collect()
        })
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rows.iter()
                .map(|r| width(&r[i]))
                .chain([width(c)])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let mut text = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| pad(c, *w))
            .collect::<Vec<_>>()
            .join("  ");
        text.truncate(text.trim_end().len());
        text.push('\n');
        text
    };
    let mut out = line(&columns);
    for row in &rows {
        out.push_str(&line(row));
    }
    out
}

/// Leaves of a value as `(dotted.key, text)`: objects are walked, lists of
/// plain values joined with `,`, other lists indexed.
fn leaves(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    let join = |key: &str| {
        if prefix.is_empty() {
            key.to_owned()
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
        Value::Array(items) => out.push((
            prefix.to_owned(),
            items.iter().map(plain).collect::<Vec<_>>().join(","),
        )),
        other => out.push((prefix.to_owned(), plain(other))),
    }
}

/// `key  value` lines, keys aligned.
fn key_values(value: &Value) -> String {
    let mut pairs = Vec::new();
    leaves("", value, &mut pairs);
    let w = pairs.iter().map(|(k, _)| width(k)).max().unwrap_or(0);
    pairs
        .iter()
        .map(|(k, v)| format!("{}  {v}", pad(k, w)).trim_end().to_owned() + "\n")
        .collect()
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
        assert_eq!(render(&json!({"data": []}), OutputFormat::Table), "");
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
}
