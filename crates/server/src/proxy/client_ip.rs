//! Which address a request is counted against for rate limits. `X-Forwarded-For` is believed
//! only when the connection comes from a configured front proxy; otherwise any client could
//! pick a fresh address per request and never be limited.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::extract::ConnectInfo;
use axum::http::request::Parts;

/// An IP address range written as `address/prefix`, or a single address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    network: IpAddr,
    prefix_len: u8,
}

impl IpNet {
    pub fn prefix_len(&self) -> u8 {
        self.prefix_len
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, canonical(ip)) {
            (IpAddr::V4(network), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix_len))
                    .unwrap_or(0);
                u32::from(network) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix_len))
                    .unwrap_or(0);
                u128::from(network) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct NotAnIpNet;

impl FromStr for IpNet {
    type Err = NotAnIpNet;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network = canonical(address.trim().parse::<IpAddr>().map_err(|_| NotAnIpNet)?);
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix_len = match prefix {
            None => max,
            Some(prefix) => prefix.trim().parse::<u8>().map_err(|_| NotAnIpNet)?,
        };
        if prefix_len > max {
            return Err(NotAnIpNet);
        }
        Ok(IpNet {
            network,
            prefix_len,
        })
    }
}

/// IPv4-mapped IPv6 addresses (a dual-stack listener's view of IPv4 clients) count as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// The client's address: the peer's, or, behind trusted proxies, the nearest untrusted address
/// in `X-Forwarded-For` (read from the right, because only the right end was written by proxies
/// we trust). `None` when the server was started without connection info.
pub fn client_ip(request: &Parts, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = canonical(request.extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip());
    if !trusted.iter().any(|net| net.contains(peer)) {
        return Some(peer);
    }
    let mut client = peer;
    let forwarded = request
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in forwarded.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) => {
                client = canonical(ip);
                if !trusted.iter().any(|net| net.contains(client)) {
                    break;
                }
            }
            // A garbled entry ends what can be believed: count against the last good hop.
            Err(_) => break,
        }
    }
    Some(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(peer: &str, forwarded: Option<&str>) -> Parts {
        let mut builder = axum::http::Request::builder().uri("/healthz");
        if let Some(value) = forwarded {
            builder = builder.header("x-forwarded-for", value);
        }
        let mut request = builder.body(()).unwrap();
        let peer: SocketAddr = format!("{peer}:4000").parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(peer));
        request.into_parts().0
    }

    #[test]
    fn a_cidr_range_contains_its_addresses_and_no_others() {
        let net: IpNet = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains("10.1.200.3".parse().unwrap()));
        assert!(!net.contains("10.2.0.1".parse().unwrap()));
        assert!(net.contains("::ffff:10.1.0.9".parse().unwrap()));
        assert_eq!("fd00::/129".parse::<IpNet>(), Err(NotAnIpNet));
    }

    #[test]
    fn forwarded_for_from_an_untrusted_peer_is_ignored() {
        let ip = client_ip(&request("203.0.113.9", Some("1.2.3.4")), &[]);
        assert_eq!(ip, Some("203.0.113.9".parse().unwrap()));
    }

    #[test]
    fn behind_a_trusted_proxy_the_nearest_untrusted_hop_is_the_client() {
        let trusted = ["10.0.0.0/8".parse().unwrap()];
        // The client claims 1.1.1.1, but only the rightmost hops were written by our proxies.
        let ip = client_ip(
            &request("10.0.0.2", Some("1.1.1.1, 198.51.100.7, 10.0.0.5")),
            &trusted,
        );
        assert_eq!(ip, Some("198.51.100.7".parse().unwrap()));
    }
}
