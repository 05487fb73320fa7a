//! The committed JSON Schemas in `schema/events/` are what the code
//! generates. Regenerate with
//! `REGISTRE_BLESS=1 cargo test -p registre-schema --test event_schemas`.

use std::path::Path;

use registre_schema::json_schema;

#[test]
fn the_committed_event_schemas_are_what_the_code_generates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("events");
    let bless = std::env::var_os("REGISTRE_BLESS").is_some();
    if bless {
        std::fs::create_dir_all(&dir).unwrap();
    }
    let mut stale = Vec::new();
    let generated = json_schema::all();
    for (name, schema) in &generated {
        let path = dir.join(name);
        let text = json_schema::render(schema);
        if bless {
            std::fs::write(&path, &text).unwrap();
        }
        if std::fs::read_to_string(&path).unwrap_or_default() != text {
            stale.push(name.clone());
        }
    }
    // A committed file the code no longer generates must be an older
    // version of a type that still exists (frozen), never a stray.
    let mut strays = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if generated.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let frozen = name
            .strip_suffix(".json")
            .and_then(|s| s.rsplit_once(".v"))
            .and_then(|(t, v)| Some((t, v.parse::<u16>().ok()?)))
            .is_some_and(|(t, v)| {
                generated.iter().any(|(n, _)| {
                    n.rsplit_once(".v")
                        .and_then(|(gt, gv)| {
                            Some((gt, gv.strip_suffix(".json")?.parse::<u16>().ok()?))
                        })
                        .is_some_and(|(gt, gv)| gt == t && v < gv)
                })
            });
        if !frozen {
            strays.push(name);
        }
    }
    assert!(
        stale.is_empty() && strays.is_empty(),
        "schema/events/ is not what the code generates (differs: {stale:?}; not generated: \
         {strays:?}); regenerate with\n  \
         REGISTRE_BLESS=1 cargo test -p registre-schema --test event_schemas\n\
         and review the diff"
    );
}

/// Every golden payload (one per event type) has the required fields
/// its schema lists, and no field the schema does not know. This is not
/// a full JSON Schema validation (registre carries no validator), but it
/// catches a schema that drifted from the stored form.
#[test]
fn golden_payloads_have_the_fields_their_schemas_list() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let generated = json_schema::all();
    let mut checked = 0;
    for (name, schema) in &generated {
        let Ok(text) = std::fs::read_to_string(golden.join(name)) else {
            continue;
        };
        let payload: serde_json::Value = serde_json::from_str(&text).unwrap();
        let payload = payload.get("payload").unwrap_or(&payload);
        let object = payload.as_object().unwrap();
        let props = schema["properties"].as_object().unwrap();
        for key in object.keys() {
            assert!(
                props.contains_key(key),
                "{name}: {key} is not in the schema"
            );
        }
        for req in schema["required"].as_array().into_iter().flatten() {
            assert!(
                object.contains_key(req.as_str().unwrap()),
                "{name}: the golden payload lacks required {req}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} golden payloads checked");
}
