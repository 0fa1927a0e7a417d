//! The proxy's route and query parser never panics, and whatever it accepts is a path on the
//! carrier's own host: absolute, without dot segments, fragments, whitespace or control
//! characters, the same on a second reading.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trackline::proxy::routes::{core_check as check, parse, ProxyRoute};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let (path, query) = match input.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (input, None),
    };
    let route = parse(path, query, check);
    assert_eq!(route, parse(path, query, check), "parsing is deterministic");
    match route {
        Ok(ProxyRoute::Upstream(target)) => {
            let forwarded = &target.path_and_query;
            assert!(forwarded.starts_with('/'), "{forwarded}");
            assert!(!forwarded.starts_with("//"), "{forwarded}");
            assert!(
                !forwarded
                    .split(['/', '?', '&'])
                    .any(|segment| segment == ".." || segment == "."),
                "{forwarded}"
            );
            assert!(
                !forwarded
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '#' || c == '\\'),
                "{forwarded:?}"
            );
            assert!(!target.masked.is_empty());
        }
        Ok(ProxyRoute::PartnerCarrier(partner)) => assert!(!partner.is_empty()),
        Err(problem) => assert!(!problem.detail.is_empty()),
    }
});
