//! `reference::parse`, `validate_value` and `validate_written_reference` never panic, and
//! whatever they read, the access key stays out of its own printed forms and out of every error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trackline_core::reference::{parse, validate_value, validate_written_reference, MAX_VALUE_LEN};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let link = parse(input);
    for reference in &link.references {
        assert!(
            reference.number().chars().count() <= MAX_VALUE_LEN,
            "{reference:?}"
        );
        assert!(!reference.number().is_empty(), "{reference:?}");
    }
    if let Some(key) = &link.access_key {
        let secret = key.expose();
        assert_eq!(secret.len(), 32);
        // The key's own printed forms are masked, and no error repeats it. (A reference may
        // equal it only where the input gave the same text twice: `id=K&cref=K`.)
        assert!(!format!("{key:?} {key}").contains(secret));
        let json = serde_json::to_string(&link.access_key).expect("a key serializes");
        assert!(!json.contains(secret));
        for error in &link.errors {
            assert!(!format!("{error:?} {error}").contains(secret), "{error:?}");
        }
    }
    for error in &link.errors {
        assert!(!error.to_string().is_empty());
    }
    if let Ok(value) = validate_value(input) {
        assert!(!value.is_empty() && value.chars().count() <= MAX_VALUE_LEN);
        assert_eq!(
            validate_value(&value).as_deref(),
            Ok(value.as_str()),
            "normalizing is stable"
        );
    }
    if let Ok(value) = validate_written_reference(input) {
        assert!(!value.is_empty() && value.chars().count() <= MAX_VALUE_LEN);
        assert_eq!(
            validate_written_reference(&value).as_deref(),
            Ok(value.as_str()),
            "a written reference stays as it was written"
        );
    }
});
