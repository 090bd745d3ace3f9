//! Who the client is: one rule for every hop (node, edge, the proxies in front of them) and
//! every use (sign-in limits, citizens' allowances, connection caps, the audit log).
//!
//! A hop believes `X-Forwarded-For` only when its TCP peer is a proxy it was told to trust
//! (`--trusted-proxy`). It then walks the list from the right, past the addresses of trusted
//! proxies, and the first address that is not one is the client: everything to its left was
//! written by the client or by proxies nobody vouched for. A hop that forwards the request
//! sends exactly the client it decided on, so the next hop, trusting it, finds the same one.
//!
//! Limits count an IPv4 client by its address and an IPv6 client by its network (a /64 by
//! default): one household or office gets a /64, and addresses within it cost nothing to
//! change.

use axum::http::{HeaderMap, HeaderValue};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// The IPv6 prefix length limits count a client by, unless told otherwise.
pub const DEFAULT_IPV6_PREFIX: u8 = 64;

/// The client's address as this hop decides it.
pub(crate) fn client_ip(peer: SocketAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let peer = canonical(peer.ip());
    if !trusted.contains(&peer) {
        return peer;
    }
    let mut client = peer;
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for hop in hops.iter().rev() {
        // Something that is not an address ends the walk: what lies left of it is unknown.
        let Some(ip) = parse_hop(hop) else {
            break;
        };
        client = ip;
        if !trusted.contains(&ip) {
            break;
        }
    }
    client
}

/// One `X-Forwarded-For` entry: an address, bracketed IPv6 or with a port as some proxies
/// write them.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(sa) = hop.parse::<SocketAddr>() {
        return Some(canonical(sa.ip()));
    }
    hop.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .and_then(|h| h.parse::<IpAddr>().ok())
        .map(canonical)
}

/// An IPv4 client seen through an IPv6 socket (`::ffff:a.b.c.d`) is the IPv4 client.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The `X-Forwarded-For` a hop sends on: the client it decided on, alone.
pub(crate) fn forwarded_for(client: IpAddr) -> Option<HeaderValue> {
    HeaderValue::from_str(&client.to_string()).ok()
}

/// What a per-address limit counts: an IPv4 address, or an IPv6 address's first `prefix`
/// bits (0 to 128).
pub fn limit_key(ip: IpAddr, prefix: u8) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => {
            let prefix = u32::from(prefix.min(128));
            let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
        }
        v4 => v4,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn xff(v: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for x in v {
            h.append("x-forwarded-for", HeaderValue::from_str(x).unwrap());
        }
        h
    }

    #[test]
    fn the_client_is_the_first_address_from_the_right_that_no_trusted_proxy_has() {
        let lb: IpAddr = "10.0.0.2".parse().unwrap();
        let edge: IpAddr = "10.0.0.3".parse().unwrap();
        let trusted = [lb, edge];
        let from_edge = SocketAddr::new(edge, 4000);
        // Client → load balancer → edge → node: the node skips both.
        assert_eq!(
            client_ip(
                from_edge,
                &xff(&["6.6.6.6, 203.0.113.9, 10.0.0.2"]),
                &trusted
            ),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        // Across several header lines, with ports and brackets.
        assert_eq!(
            client_ip(
                from_edge,
                &xff(&["1.1.1.1", "[2001:db8::1]", "10.0.0.2:80"]),
                &trusted
            ),
            "2001:db8::1".parse::<IpAddr>().unwrap()
        );
        // A stranger's header is never believed.
        let stranger = SocketAddr::new("198.51.100.4".parse().unwrap(), 1);
        assert_eq!(
            client_ip(stranger, &xff(&["127.0.0.1"]), &trusted),
            stranger.ip()
        );
        // Junk stops the walk at the last address believed.
        assert_eq!(client_ip(from_edge, &xff(&["evil, x"]), &trusted), edge);
        // Only trusted hops: the leftmost of them.
        assert_eq!(client_ip(from_edge, &xff(&["10.0.0.2"]), &trusted), lb);
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_network() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(limit_key(a, 64), limit_key(b, 64));
        assert_ne!(limit_key(a, 64), limit_key(c, 64));
        assert_ne!(limit_key(a, 128), limit_key(b, 128));
        assert_eq!(limit_key(a, 0), limit_key(c, 0));
        let v4: IpAddr = "203.0.113.7".parse().unwrap();
        assert_eq!(limit_key(v4, 64), v4);
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(limit_key(mapped, 64), v4);
    }
}
