//! JSON Schema both ways: the checks a tool's arguments must pass (the
//! subset of JSON Schema the tool definitions use), and an operation's body,
//! flattened in the catalog, as one JSON Schema for `describe_endpoint`.

use serde_json::{json, Map, Value};

use super::RpcError;
use crate::catalog::Body;

/// The checks the schemas above need: known names, required ones present,
/// JSON types, enums and bounds.
pub fn check_args(schema: &Value, args: &Map<String, Value>) -> Result<(), RpcError> {
    let props = schema["properties"]
        .as_object()
        .expect("tool schemas have properties");
    for (k, v) in args {
        let p = props
            .get(k)
            .ok_or_else(|| RpcError::params(format!("unknown argument `{k}`")))?;
        check_value(k, p, v)?;
    }
    for r in schema["required"].as_array().into_iter().flatten() {
        let r = r.as_str().unwrap_or("");
        if !args.contains_key(r) {
            return Err(RpcError::params(format!("missing argument `{r}`")));
        }
    }
    Ok(())
}

fn check_value(name: &str, schema: &Value, v: &Value) -> Result<(), RpcError> {
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let fits = |t: &str| match t {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        _ => true,
    };
    if !types.is_empty() && !types.iter().any(|t| fits(t)) {
        return Err(RpcError::params(format!(
            "`{name}` must be {}",
            types.join(" or ")
        )));
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(v) {
            let list: Vec<String> = allowed.iter().map(|a| a.to_string()).collect();
            return Err(RpcError::params(format!(
                "`{name}` must be one of {}",
                list.join(", ")
            )));
        }
    }
    let n = v.as_i64();
    let below = schema["minimum"]
        .as_i64()
        .is_some_and(|m| n.is_some_and(|n| n < m));
    let above = schema["maximum"]
        .as_i64()
        .is_some_and(|m| n.is_some_and(|n| n > m));
    let short = schema["minLength"]
        .as_u64()
        .is_some_and(|m| v.as_str().is_some_and(|s| (s.trim().len() as u64) < m));
    if below || above || short {
        return Err(RpcError::params(format!("`{name}` is out of range")));
    }
    if let (Some(Value::Object(each)), Some(m)) =
        (schema.get("additionalProperties"), v.as_object())
    {
        for (k, x) in m {
            check_value(&format!("{name}.{k}"), &Value::Object(each.clone()), x)?;
        }
    }
    Ok(())
}

/// A body's flattened fields as one JSON Schema.
pub fn body_schema(b: &Body) -> Value {
    let bulk = b.ty.ends_with("[]");
    let mut root = json!({"type": "object", "properties": {}, "required": []});
    if !b.open {
        root["additionalProperties"] = json!(false);
    }
    for f in b.fields {
        let path = f.path.strip_prefix("[].").unwrap_or(f.path);
        let mut s = type_schema(f.ty, f.nullable);
        let mut put = |k: &str, v: Value| {
            s[k] = v;
        };
        if !f.description.is_empty() {
            put("description", json!(f.description));
        }
        if !f.enum_values.is_empty() {
            put("enum", json!(f.enum_values));
        }
        if let Some(x) = f.format {
            put("format", json!(x));
        }
        if let Some(x) = f
            .example
            .and_then(|e| serde_json::from_str::<Value>(e).ok())
        {
            put("examples", json!([x]));
        }
        insert_field(&mut root, path, s, f.required);
    }
    let mut alternatives = Vec::new();
    for set in b.required_any {
        alternatives.push(json!({"required": set}));
    }
    if !alternatives.is_empty() {
        root["anyOf"] = json!(alternatives);
    }
    if bulk {
        json!({"type": "array", "items": root})
    } else {
        root
    }
}

fn type_schema(ty: &str, nullable: bool) -> Value {
    let base = ty.trim_end_matches("[]");
    let t = if base == "any" {
        Value::Null
    } else {
        json!(base)
    };
    let mut s = if ty.ends_with("[]") {
        json!({"type": "array", "items": if t.is_null() { json!({}) } else { json!({"type": t}) }})
    } else if t.is_null() {
        json!({})
    } else {
        json!({"type": t})
    };
    if nullable && s.get("type").is_some() {
        s["type"] = json!([s["type"].clone(), "null"]);
    }
    s
}

/// Puts a field's schema at its dotted path (`a.b`, `a[].b`) under `root`.
fn insert_field(root: &mut Value, path: &str, schema: Value, required: bool) {
    let mut node = root;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        let (name, array) = match part.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (part, false),
        };
        if parts.peek().is_none() {
            if required {
                if let Some(r) = node["required"].as_array_mut() {
                    r.push(json!(name));
                } else {
                    node["required"] = json!([name]);
                }
            }
            node["properties"][name] = schema;
            return;
        }
        let child = &mut node["properties"][name];
        if child.is_null() {
            *child = type_schema(if array { "object[]" } else { "object" }, false);
        }
        node = if array { &mut child["items"] } else { child };
        if node.get("properties").is_none() {
            node["properties"] = json!({});
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_body_of_every_version_becomes_a_schema_with_its_fields() {
        for v in crate::catalog::versions() {
            for op in v.operations() {
                let Some(b) = op.body else { continue };
                let s = body_schema(b);
                let obj = if b.ty.ends_with("[]") {
                    &s["items"]
                } else {
                    &s
                };
                assert_eq!(obj["type"], "object", "{} {}", v.date, op.display());
                for f in b.fields.iter().filter(|f| f.depth == 0) {
                    let name = f.path.strip_prefix("[].").unwrap_or(f.path);
                    let name = name.trim_end_matches("[]");
                    assert!(
                        obj["properties"].get(name).is_some(),
                        "{} {}: {name}",
                        v.date,
                        op.display()
                    );
                }
            }
        }
    }

    #[test]
    fn nested_fields_go_under_their_parents() {
        let mut root = json!({"type": "object", "properties": {}, "required": []});
        insert_field(&mut root, "settings.max", json!({"type": "integer"}), true);
        insert_field(
            &mut root,
            "mappings[].role_id",
            json!({"type": "string"}),
            false,
        );
        assert_eq!(
            root["properties"]["settings"]["properties"]["max"]["type"],
            "integer"
        );
        assert_eq!(root["properties"]["settings"]["required"], json!(["max"]));
        assert_eq!(root["properties"]["mappings"]["type"], "array");
        assert_eq!(
            root["properties"]["mappings"]["items"]["properties"]["role_id"]["type"],
            "string"
        );
    }
}
