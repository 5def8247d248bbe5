//! Who is on the other end: the client's address, taken from a forwarding header only
//! when the connection comes from a proxy the town configured, so that a visitor cannot
//! choose their own throttle bucket or audit-log address by sending the header themselves.

use http::HeaderMap;
use std::net::IpAddr;

/// What the adapter knows about the connection.
#[derive(Debug, Clone, Copy)]
pub struct Client {
    /// The address of the peer of the connection (the proxy, when there is one).
    pub ip: Option<IpAddr>,
    /// The request came over HTTPS (or from a TLS-terminating proxy the adapter trusts).
    pub https: bool,
}

/// A network in CIDR form (`10.0.0.0/8`, `::1/128`); a bare address is a /32 or /128.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn parse(s: &str) -> Option<Network> {
        let (a, p) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max)?,
            None => max,
        };
        Some(Network { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(i)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(i) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(i)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(i) & mask
            }
            _ => false,
        }
    }
}

/// `::ffff:192.0.2.1` is 192.0.2.1.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// Which header the proxy writes. Only that one is read: a header the proxy passes through
/// untouched is the visitor's to forge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForwardHeader {
    /// `X-Forwarded-For: client, proxy1` (nginx, Caddy, HAProxy, Apache).
    #[default]
    XForwardedFor,
    /// `Forwarded: for=client;proto=https, for=proxy1` (RFC 7239).
    Forwarded,
}

/// The proxies in front of the server, as configured by the town's IT team.
#[derive(Debug, Clone, Default)]
pub struct Proxies {
    pub trusted: Vec<Network>,
    pub header: ForwardHeader,
    /// Answer only connections from the trusted proxies (`preau serve --behind-https-proxy`):
    /// a visitor who reaches the server directly, in plain HTTP, is refused.
    pub required: bool,
}

impl Proxies {
    /// A proxy on the same machine (the usual nginx or Caddy in front of `preau serve`).
    pub fn loopback() -> Proxies {
        Proxies {
            trusted: ["127.0.0.0/8", "::1"]
                .iter()
                .filter_map(|n| Network::parse(n))
                .collect(),
            header: ForwardHeader::XForwardedFor,
            required: false,
        }
    }

    /// A connection from `peer` that must be refused: proxies are required and it is none.
    pub fn refuses(&self, peer: Option<IpAddr>) -> bool {
        self.required && !peer.is_some_and(|ip| self.trusts(ip))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|n| n.contains(ip))
    }

    /// The client's address: the peer, unless the peer is a trusted proxy; then the
    /// right-most hop of the forwarding header that is not itself a trusted proxy.
    pub fn client_ip(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer?;
        if !self.trusts(peer) {
            return Some(peer);
        }
        let name = match self.header {
            ForwardHeader::XForwardedFor => "x-forwarded-for",
            ForwardHeader::Forwarded => "forwarded",
        };
        let mut hops: Vec<&str> = Vec::new();
        for value in headers.get_all(name) {
            let Ok(v) = value.to_str() else {
                return Some(peer);
            };
            hops.extend(v.split(',').map(str::trim));
        }
        for hop in hops.iter().rev() {
            let parsed = match self.header {
                ForwardHeader::XForwardedFor => parse_hop(hop),
                ForwardHeader::Forwarded => forwarded_for(hop).and_then(parse_hop),
            };
            match parsed {
                Some(ip) if self.trusts(ip) => continue,
                Some(ip) => return Some(canonical(ip)),
                // An unreadable hop (`unknown`, an obfuscated name): nothing to the left
                // of it can be believed.
                None => return Some(peer),
            }
        }
        Some(peer)
    }
}

/// The `for=` parameter of one `Forwarded` element.
fn forwarded_for(element: &str) -> Option<&str> {
    element.split(';').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("for")
            .then(|| v.trim().trim_matches('"'))
    })
}

/// `192.0.2.1`, `192.0.2.1:443`, `[2001:db8::1]:443`, `2001:db8::1`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    let (a, port) = hop.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    a.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    #[test]
    fn a_visitor_cannot_choose_their_address() {
        let p = Proxies::loopback();
        let spoof = headers(&[
            ("x-forwarded-for", "203.0.113.9"),
            ("forwarded", "for=198.51.100.1"),
        ]);
        // Not from the proxy: the headers are ignored.
        assert_eq!(p.client_ip(ip("192.0.2.44"), &spoof), ip("192.0.2.44"));
        // No proxy configured (the default without --behind-https-proxy).
        assert_eq!(
            Proxies::default().client_ip(ip("127.0.0.1"), &spoof),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn behind_the_proxy_the_right_most_untrusted_hop_counts() {
        let mut p = Proxies::loopback();
        p.trusted.push(Network::parse("10.0.0.0/8").unwrap());
        // The visitor prepends a fake hop; the proxy appends the real one.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 192.0.2.77")]);
        assert_eq!(p.client_ip(ip("127.0.0.1"), &h), ip("192.0.2.77"));
        // Two proxies in a row (a load balancer in 10/8, then nginx on loopback).
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 192.0.2.77, 10.1.2.3")]);
        assert_eq!(p.client_ip(ip("127.0.0.1"), &h), ip("192.0.2.77"));
        // Several header lines are one list.
        let h = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-for", "[2001:db8::7]:5555"),
        ]);
        assert_eq!(p.client_ip(ip("::1"), &h), ip("2001:db8::7"));
        // Nothing forwarded, or garbage: the proxy itself.
        assert_eq!(
            p.client_ip(ip("127.0.0.1"), &HeaderMap::new()),
            ip("127.0.0.1")
        );
        let h = headers(&[("x-forwarded-for", "1.2.3.4, unknown")]);
        assert_eq!(p.client_ip(ip("127.0.0.1"), &h), ip("127.0.0.1"));
        // XFF configured: a Forwarded header is the visitor's own.
        let h = headers(&[("forwarded", "for=198.51.100.1")]);
        assert_eq!(p.client_ip(ip("127.0.0.1"), &h), ip("127.0.0.1"));
    }

    #[test]
    fn only_the_proxies_when_they_are_required() {
        let mut p = Proxies::loopback();
        assert!(!p.refuses(ip("203.0.113.9")));
        p.required = true;
        assert!(p.refuses(ip("203.0.113.9")));
        assert!(p.refuses(None));
        assert!(!p.refuses(ip("127.0.0.1")));
        assert!(!p.refuses(ip("::1")));
    }

    #[test]
    fn forwarded_header_when_configured() {
        let p = Proxies {
            header: ForwardHeader::Forwarded,
            ..Proxies::loopback()
        };
        let h = headers(&[
            (
                "forwarded",
                "for=1.2.3.4, for=\"[2001:db8::9]:443\";proto=https",
            ),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(p.client_ip(ip("127.0.0.1"), &h), ip("2001:db8::9"));
    }

    #[test]
    fn networks() {
        let n = Network::parse("10.0.0.0/8").unwrap();
        assert!(n.contains("10.200.1.1".parse().unwrap()));
        assert!(!n.contains("11.0.0.1".parse().unwrap()));
        assert!(n.contains("::ffff:10.0.0.1".parse().unwrap()));
        assert!(Network::parse("10.0.0.0/33").is_none());
        assert!(Network::parse("0.0.0.0/0")
            .unwrap()
            .contains("8.8.8.8".parse().unwrap()));
        assert!(Network::parse("nope").is_none());
    }
}
