//! Where webhooks may be sent. A site admin of a commune portal must not be able to make the
//! server call into the province's own network (its databases, admin consoles, the cloud's
//! metadata service) and read the answers from the delivery log. So an endpoint's host must
//! resolve only to public addresses, unless the operator allows a network explicitly
//! (`--webhook-allow CIDR`, e.g. the province's integration bus). The rule is checked when an
//! endpoint is registered and again by the sender before every delivery, since DNS can change.

use ipnet::IpNet;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// Looks a host name up (the engine does no I/O of its own; `api` gives it the system's).
pub trait Resolver: Send + Sync {
    /// Every address `host` resolves to; an error when it does not resolve.
    fn resolve(&self, host: &str, port: u16) -> Result<Vec<IpAddr>, String>;
}

/// The operator's settings for webhook endpoints.
#[derive(Clone)]
pub struct WebhookTargets {
    /// Resolves names at registration; without one, names are checked at delivery only.
    pub resolver: Option<Arc<dyn Resolver>>,
    /// Networks that may receive webhooks although they are not public.
    pub allow: Vec<IpNet>,
    /// How long an endpoint may keep failing before deliveries to it stop until a site admin
    /// resumes it.
    pub give_up_after: Duration,
}

impl Default for WebhookTargets {
    fn default() -> Self {
        WebhookTargets {
            resolver: None,
            allow: Vec::new(),
            give_up_after: Duration::from_secs(3 * 24 * 3600),
        }
    }
}

impl std::fmt::Debug for WebhookTargets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookTargets")
            .field("allow", &self.allow)
            .field("give_up_after", &self.give_up_after)
            .finish_non_exhaustive()
    }
}

/// Why `ip` may not receive webhooks, or `None` when it may: not in an allowed network and
/// loopback, private, link-local, shared (carrier NAT), unspecified, multicast or
/// broadcast. IPv4 written as IPv6 (`::ffff:127.0.0.1`) is judged as IPv4.
pub fn refused_address(ip: IpAddr, allow: &[IpNet]) -> Option<&'static str> {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    if allow.iter().any(|n| n.contains(&ip)) {
        return None;
    }
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if v4.is_loopback() {
                Some("a loopback address")
            } else if v4.is_private() {
                Some("a private address")
            } else if v4.is_link_local() {
                Some("a link-local address (cloud metadata lives there)")
            } else if a == 100 && (64..128).contains(&b) {
                Some("a shared (carrier NAT) address")
            } else if v4.is_unspecified() || a == 0 {
                Some("an unspecified address")
            } else if v4.is_multicast() || v4.is_broadcast() {
                Some("a multicast or broadcast address")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            let [first, second, ..] = v6.segments();
            let high = u128::from(v6) >> 32;
            if v6.is_loopback() {
                Some("a loopback address")
            } else if v6.is_unspecified() {
                Some("an unspecified address")
            } else if first & 0xfe00 == 0xfc00 {
                Some("a private (unique local) address")
            } else if first & 0xffc0 == 0xfe80 {
                Some("a link-local address")
            } else if first & 0xffc0 == 0xfec0 {
                Some("a site-local address")
            } else if high == 0 {
                // `::a.b.c.d`, the IPv4-compatible form: a way around the IPv4 checks.
                Some("an IPv4-compatible address")
            } else if high == 0x0064_ff9b_0000_0000_0000_0000 || (first, second) == (0x64, 0xff9b) {
                // NAT64 (`64:ff9b::/96`, and the local-use `64:ff9b:1::/48`) reaches any IPv4
                // address, private ones included, through the network's translator.
                Some("a NAT64 address")
            } else if first == 0x2002 || (first, second) == (0x2001, 0) {
                // 6to4 and Teredo carry an IPv4 address inside.
                Some("a 6to4 or Teredo address")
            } else if v6.is_multicast() {
                Some("a multicast address")
            } else {
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::refused_address;

    fn refused(ip: &str, allow: &[&str]) -> bool {
        let allow: Vec<ipnet::IpNet> = allow.iter().map(|n| n.parse().unwrap()).collect();
        refused_address(ip.parse().unwrap(), &allow).is_some()
    }

    #[test]
    fn internal_addresses_are_refused_unless_allowed() {
        for ip in [
            "127.0.0.1",
            "127.8.9.10",
            "::1",
            "169.254.169.254",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::7f00:1",
            "64:ff9b:1::a00:1",
            "::127.0.0.1",
            "::169.254.169.254",
            "2002:a9fe:a9fe::1",
            "2001:0:4136:e378::1",
            "fec0::1",
        ] {
            assert!(refused(ip, &[]), "{ip}");
        }
        for ip in ["203.162.4.191", "8.8.8.8", "2001:4860:4860::8888"] {
            assert!(!refused(ip, &[]), "{ip}");
        }
        assert!(!refused("10.20.0.5", &["10.20.0.0/16"]));
        assert!(refused("10.21.0.5", &["10.20.0.0/16"]));
        assert!(!refused("127.0.0.1", &["127.0.0.0/8"]));
    }
}
