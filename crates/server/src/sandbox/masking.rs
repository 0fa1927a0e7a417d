//! Secrets never reach a log, not even the sandbox's own: tokens and keys are shown by their
//! first characters only.

/// `sandbox.trackonline.demo-key` → `sand…(28 chars)`.
pub fn mask(secret: &str) -> String {
    let shown: String = secret.chars().take(4).collect();
    format!("{shown}…({} chars)", secret.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_secret_keeps_only_four_characters_and_its_length() {
        let masked = mask("sandbox.trackonline.demo-key");
        assert_eq!(masked, "sand…(28 chars)");
        assert!(!masked.contains("demo-key"));
        assert_eq!(mask("ab"), "ab…(2 chars)");
    }
}
