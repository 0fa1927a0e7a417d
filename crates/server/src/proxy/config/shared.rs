//! `[shared]`: the Redis that a fleet of replicas shares its state in.

use super::secrets::{Secret, ENV_REDIS_URL};
use super::{invalid, ConfigError};

/// `shared.redis_url`, or `TRACKLINE_REDIS_URL` (which wins), checked without connecting. The
/// error names the key and never repeats the URL, which may hold a password.
pub(super) fn redis_url(
    from_file: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Secret>, ConfigError> {
    let value = env(ENV_REDIS_URL)
        .filter(|value| !value.is_empty())
        .or(from_file.filter(|value| !value.is_empty()));
    match value {
        Some(url) => {
            crate::proxy::store::check_redis_url(&url).map_err(|problem| {
                invalid(
                    "shared.redis_url",
                    format!("{problem} (from the file or {ENV_REDIS_URL})"),
                )
            })?;
            Ok(Some(Secret::new(url)))
        }
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::config::test_support::parse;
    use crate::proxy::config::ProxyConfig;

    #[test]
    fn a_redis_url_comes_from_the_file_or_the_environment_and_a_bad_one_names_the_key() {
        let config =
            parse("[carriers.inpost]\n[shared]\nredis_url = \"redis://127.0.0.1:6379/2\"\n")
                .unwrap();
        assert_eq!(
            config.redis_url.as_ref().map(Secret::expose),
            Some("redis://127.0.0.1:6379/2")
        );
        assert!(parse("[carriers.inpost]\n").unwrap().redis_url.is_none());
        let env = |name: &str| {
            (name == ENV_REDIS_URL).then(|| "redis://:fleet-password@10.0.0.5:6380/1".to_owned())
        };
        let config = ProxyConfig::parse(
            "[carriers.inpost]\n[shared]\nredis_url = \"redis://127.0.0.1:6379/0\"\n",
            &env,
        )
        .unwrap();
        assert!(config
            .secrets()
            .contains(&"redis://:fleet-password@10.0.0.5:6380/1"));
        assert!(!format!("{config:?}").contains("fleet-password"));
        for url in [
            "http://:fleet-password@10.0.0.5/0",
            "redis://:fleet-password@10.0.0.5:6380/notanumber",
            "redis://:fleet-password@",
        ] {
            let text = format!("[carriers.inpost]\n[shared]\nredis_url = \"{url}\"\n");
            let error = parse(&text).expect_err(url).to_string();
            assert!(error.contains("shared.redis_url"), "{url}: {error}");
            assert!(error.contains(ENV_REDIS_URL), "{url}: {error}");
            assert!(!error.contains("fleet-password"), "{url}: {error}");
        }
    }
}
