//! Secrets: credentials whose `Debug` output is redacted, the environment variables that override
//! the file's, and the rules for the optional ones (long enough not to be guessed).

use std::fmt;

use super::{invalid, ConfigError};

/// A credential. Its `Debug` output is redacted so that logging a configuration cannot leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// The environment variables that override secrets in the file.
pub const ENV_DI_USERNAME: &str = "TRACKLINE_DI_USERNAME";
pub const ENV_DI_PASSWORD: &str = "TRACKLINE_DI_PASSWORD";
pub const ENV_TRACKONLINE_API_KEY: &str = "TRACKLINE_TRACKONLINE_API_KEY";
pub const ENV_ADMIN_TOKEN: &str = "TRACKLINE_ADMIN_TOKEN";
pub const ENV_LINK_SECRET: &str = "TRACKLINE_LINK_SECRET";
pub const ENV_REDIS_URL: &str = "TRACKLINE_REDIS_URL";
/// The shortest admin token or link secret accepted: shorter ones can be guessed.
pub(super) const MIN_SECRET_CHARS: usize = 16;

/// The environment wins over the file, so the file can be committed without secrets.
pub(super) fn secret_value(
    section: &str,
    name: &str,
    from_file: Option<String>,
    env_name: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, ConfigError> {
    let value = env(env_name)
        .filter(|value| !value.is_empty())
        .or(from_file.filter(|value| !value.is_empty()));
    value.ok_or_else(|| ConfigError::MissingSecret {
        key: format!("{section}.{name}"),
        env: env_name.to_owned(),
    })
}

/// An optional secret (admin token, link secret): the environment wins over the file; a short
/// one is refused.
pub(super) fn optional_secret(
    key: &str,
    from_file: Option<String>,
    env_name: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Secret>, ConfigError> {
    let value = env(env_name)
        .filter(|value| !value.is_empty())
        .or(from_file.filter(|value| !value.is_empty()));
    match value {
        Some(value) if value.chars().count() < MIN_SECRET_CHARS => Err(invalid(
            key,
            format!(
                "must have at least {MIN_SECRET_CHARS} characters (from the file or {env_name}); \
                 a shorter one can be guessed"
            ),
        )),
        Some(value) => Ok(Some(Secret::new(value))),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::config::test_support::no_env;
    use crate::proxy::config::ProxyConfig;

    #[test]
    fn the_admin_token_and_link_secret_come_from_the_environment_and_must_be_long() {
        let env = |name: &str| match name {
            ENV_ADMIN_TOKEN => Some("admin-token-from-the-environment".to_owned()),
            ENV_LINK_SECRET => Some("short".to_owned()),
            _ => None,
        };
        let error = ProxyConfig::parse("[carriers.inpost]\n", &env)
            .unwrap_err()
            .to_string();
        assert!(error.contains("access.link_secret"), "{error}");
        let config = ProxyConfig::parse(
            "[carriers.inpost]\n[access]\nlink_secret = \"a-long-enough-link-secret\"\n",
            &|name| {
                (name == ENV_ADMIN_TOKEN).then(|| "admin-token-from-the-environment".to_owned())
            },
        )
        .unwrap();
        assert_eq!(
            config.admin_token.as_ref().map(Secret::expose),
            Some("admin-token-from-the-environment")
        );
        assert!(config.secrets().contains(&"a-long-enough-link-secret"));
        assert!(!format!("{config:?}").contains("a-long-enough-link-secret"));
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let config = ProxyConfig::parse(
            "[carriers.di]\nusername = \"shop\"\npassword = \"hunter2-di\"\n[carriers.trackonline]\napi_key = \"to-key-123\"\n",
            &no_env,
        )
        .unwrap();
        let debug = format!("{config:?}");
        assert!(
            !debug.contains("hunter2-di") && !debug.contains("to-key-123"),
            "{debug}"
        );
        assert_eq!(config.secrets().len(), 2);
    }
}
