//! Client addresses: trusted-proxy ranges and `X-Forwarded-For` never panic the parser, and the
//! address a request is counted against is the peer or one of the forwarded hops, never
//! something else.
//!
//! Input: the first line is the `trusted_proxies` list (comma-separated), the rest the
//! `X-Forwarded-For` header. The peer is 127.0.0.1.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::Request;
use libfuzzer_sys::fuzz_target;
use trackline::proxy::client_ip::{client_ip, IpNet};
use trackline::proxy::rate_limit::ClientKey;

fuzz_target!(|data: &[u8]| {
    let (trusted_line, forwarded) = match data.iter().position(|byte| *byte == b'\n') {
        Some(end) => (&data[..end], &data[end + 1..]),
        None => (data, &[][..]),
    };
    let trusted: Vec<IpNet> = String::from_utf8_lossy(trusted_line)
        .split(',')
        .filter_map(|net| net.parse::<IpNet>().ok())
        .collect();
    for net in &trusted {
        assert!(net.prefix_len() <= 128);
    }
    let peer = SocketAddr::from((Ipv4Addr::LOCALHOST, 40_000));
    let mut request = Request::builder().uri("/");
    if let Ok(value) = axum::http::HeaderValue::from_bytes(forwarded) {
        request = request.header("x-forwarded-for", value);
    }
    let Ok(request) = request.body(()) else {
        return;
    };
    let (mut parts, ()) = request.into_parts();
    parts.extensions.insert(ConnectInfo(peer));
    let client = client_ip(&parts, &trusted).expect("the peer is known");
    let hops: Vec<IpAddr> = std::str::from_utf8(forwarded)
        .unwrap_or("")
        .split(',')
        .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
        .collect();
    let canonical = |ip: IpAddr| match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        ip => ip,
    };
    assert!(
        client == peer.ip() || hops.iter().any(|hop| canonical(*hop) == client),
        "{client} is neither the peer nor a forwarded hop"
    );
    let _ = ClientKey::of(client);
});
