//! `[server]` and `[rate_limits]`: where the proxy listens, whom it trusts as a front proxy, its
//! deadlines and sizes, and the limits of requests in flight, per address and per access key.

use std::net::SocketAddr;
use std::time::Duration;

use super::file::{FileRateLimits, FileServer};
use super::{invalid, positive, ConfigError};
use crate::proxy::client_ip::IpNet;

/// `[server]`, checked.
pub(super) struct ServerSettings {
    pub listen: SocketAddr,
    pub max_concurrent_requests: usize,
    pub trusted_proxies: Vec<IpNet>,
    pub connect_timeout: Duration,
    pub total_timeout: Duration,
    pub max_response_bytes: usize,
}

pub(super) fn check_server(server: &FileServer) -> Result<ServerSettings, ConfigError> {
    let listen = match server.listen.as_deref() {
        None => SocketAddr::from(([127, 0, 0, 1], 8787)),
        Some(text) => text.parse().map_err(|_| {
            invalid(
                "server.listen",
                format!("`{text}` is not an address such as 127.0.0.1:8787"),
            )
        })?,
    };
    let max_concurrent_requests = positive(
        server.max_concurrent_requests,
        256,
        "server.max_concurrent_requests",
    )?;
    let trusted_proxies = server
        .trusted_proxies
        .iter()
        .enumerate()
        .map(|(index, text)| {
            let key = format!("server.trusted_proxies[{index}]");
            let net: IpNet = text
                .parse()
                .map_err(|_| invalid(&key, format!("`{text}` is not an IP address or CIDR range")))?;
            if net.prefix_len() == 0 {
                return Err(invalid(
                    &key,
                    "trusting every address lets any client choose the IP its rate limit is counted against",
                ));
            }
            Ok(net)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let connect_timeout = Duration::from_millis(positive(
        server.connect_timeout_ms,
        2_000,
        "server.connect_timeout_ms",
    )?);
    let total_timeout =
        Duration::from_millis(positive(server.timeout_ms, 8_000, "server.timeout_ms")?);
    if connect_timeout > total_timeout {
        return Err(invalid(
            "server.connect_timeout_ms",
            "is longer than server.timeout_ms",
        ));
    }
    let max_response_bytes = positive(
        server.max_response_bytes,
        1 << 20,
        "server.max_response_bytes",
    )?;
    Ok(ServerSettings {
        listen,
        max_concurrent_requests,
        trusted_proxies,
        connect_timeout,
        total_timeout,
        max_response_bytes,
    })
}

/// `[rate_limits]`, checked: per client address and per access key.
pub(super) struct ClientLimits {
    pub per_ip_per_minute: u32,
    pub per_ip_burst: u32,
    pub per_key_per_minute: u32,
    pub per_key_burst: u32,
}

pub(super) fn check_limits(limits: FileRateLimits) -> Result<ClientLimits, ConfigError> {
    let per_ip_per_minute = positive(
        limits.per_client_ip_per_minute,
        120,
        "rate_limits.per_client_ip_per_minute",
    )?;
    let per_ip_burst = positive(
        limits.per_client_ip_burst,
        30,
        "rate_limits.per_client_ip_burst",
    )?;
    let per_key_per_minute = positive(
        limits.per_access_key_per_minute,
        1_200,
        "rate_limits.per_access_key_per_minute",
    )?;
    let per_key_burst = positive(
        limits.per_access_key_burst,
        120,
        "rate_limits.per_access_key_burst",
    )?;
    Ok(ClientLimits {
        per_ip_per_minute,
        per_ip_burst,
        per_key_per_minute,
        per_key_burst,
    })
}

#[cfg(test)]
mod tests {

    use crate::proxy::config::test_support::parse;

    #[test]
    fn trusting_every_address_as_a_front_proxy_is_refused() {
        let error = parse("[carriers.inpost]\n[server]\ntrusted_proxies = [\"0.0.0.0/0\"]\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("server.trusted_proxies[0]"), "{error}");
    }
}
