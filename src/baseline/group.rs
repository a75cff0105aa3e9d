//! How observed values aggregate into the values a baseline holds.
//!
//! - **Networks**: an IPv4 address becomes its `/24` network and an IPv6 address its `/64`
//!   (both prefix lengths are options); the network is written in CIDR notation with the host
//!   bits cleared, so `|cidr` matches every address of it.
//! - **ARN prefixes**: an AWS STS assumed-role session ARN
//!   (`arn:aws:sts::111122223333:assumed-role/ci-deploy/build-4711`) becomes the prefix of its
//!   role (`arn:aws:sts::111122223333:assumed-role/ci-deploy/`), which `|startswith` matches
//!   for every session of the role; a federated-user ARN keeps its user the same way. Any
//!   other ARN (an IAM user or role) is stable already and stays whole.
//! - Anything else is its own value.

use std::net::IpAddr;

/// The aggregation prefix lengths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefixes {
    /// IPv4 prefix length (default 24).
    pub v4: u8,
    /// IPv6 prefix length (default 64).
    pub v6: u8,
}

impl Default for Prefixes {
    fn default() -> Self {
        Self { v4: 24, v6: 64 }
    }
}

/// What an observed value aggregated into.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grouped {
    /// A network in CIDR notation (`203.0.113.0/24`).
    Network(String),
    /// A stable identity prefix (`arn:aws:sts::1:assumed-role/ci/`), to match with `startswith`.
    Prefix(String),
    /// The value itself.
    Value(String),
}

impl Grouped {
    /// The text written into the baseline.
    pub fn text(&self) -> &str {
        match self {
            Grouped::Network(s) | Grouped::Prefix(s) | Grouped::Value(s) => s,
        }
    }

    /// `network`, `prefix` or `value`.
    pub fn kind(&self) -> &'static str {
        match self {
            Grouped::Network(_) => "network",
            Grouped::Prefix(_) => "prefix",
            Grouped::Value(_) => "value",
        }
    }
}

/// The network of `addr` at the configured prefix length.
pub fn network(addr: IpAddr, p: Prefixes) -> String {
    match addr {
        IpAddr::V4(a) => {
            let len = p.v4.min(32);
            let bits = u32::from(a);
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            format!("{}/{len}", std::net::Ipv4Addr::from(bits & mask))
        }
        IpAddr::V6(a) => {
            let len = p.v6.min(128);
            let bits = u128::from(a);
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            format!("{}/{len}", std::net::Ipv6Addr::from(bits & mask))
        }
    }
}

/// The stable prefix of an ARN-like identity, when it has a per-session part.
pub fn arn_prefix(v: &str) -> Option<String> {
    // arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE
    let mut parts = v.splitn(6, ':');
    let (arn, _partition, service, _region, _account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if arn != "arn" || service != "sts" {
        return None;
    }
    let head = &v[..v.len() - resource.len()];
    let (kind, rest) = resource.split_once('/')?;
    match kind {
        "assumed-role" => {
            let (role, session) = rest.split_once('/')?;
            (!role.is_empty() && !session.is_empty()).then(|| format!("{head}{kind}/{role}/"))
        }
        _ => None,
    }
}

/// Aggregates one observed value.
pub fn group(value: &str, p: Prefixes) -> Grouped {
    let v = value.trim();
    if let Ok(addr) = v.parse::<IpAddr>() {
        return Grouped::Network(network(addr, p));
    }
    if let Some(prefix) = arn_prefix(v) {
        return Grouped::Prefix(prefix);
    }
    Grouped::Value(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_become_networks_with_host_bits_cleared() {
        let p = Prefixes::default();
        assert_eq!(
            group("203.0.113.77", p),
            Grouped::Network("203.0.113.0/24".into())
        );
        assert_eq!(
            group("2001:db8:1:2:3::9", p),
            Grouped::Network("2001:db8:1:2::/64".into())
        );
        let p16 = Prefixes { v4: 16, v6: 48 };
        assert_eq!(group("10.20.30.40", p16).text(), "10.20.0.0/16");
        assert_eq!(
            group("10.20.30.40", Prefixes { v4: 32, v6: 128 }).text(),
            "10.20.30.40/32"
        );
    }

    #[test]
    fn session_arns_become_their_role() {
        let p = Prefixes::default();
        assert_eq!(
            group(
                "arn:aws:sts::111122223333:assumed-role/ci-deploy/build-4711",
                p
            ),
            Grouped::Prefix("arn:aws:sts::111122223333:assumed-role/ci-deploy/".into())
        );
        assert_eq!(
            group("arn:aws-us-gov:sts::1:assumed-role/r/s@x", p).text(),
            "arn:aws-us-gov:sts::1:assumed-role/r/"
        );
        // Stable identities stay whole.
        for v in [
            "arn:aws:iam::111122223333:user/svc-backup",
            "arn:aws:iam::111122223333:role/ci-deploy",
            "arn:aws:sts::111122223333:assumed-role/no-session",
            "ci@example.com",
            "ssm.amazonaws.com",
        ] {
            assert_eq!(group(v, p), Grouped::Value(v.into()), "{v}");
        }
    }
}
