//! What a request is counted under: an API key, the client's address, or your own rule.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::{ConnectInfo, Request};
use http::HeaderName;
use ipnet::IpNet;

/// Picks the key a request is counted under, in tower-http's strategy-trait manner.
///
/// `None` means the policy does not apply to the request (no API key, say), so another policy
/// can cover it. Any `Fn(&Request) -> Option<String>` is a key extractor.
///
/// ```
/// use axum::extract::Request;
/// use errcat::axum::KeyExtractor;
///
/// let by_tenant = |req: &Request| req.headers().get("x-tenant")?.to_str().ok().map(str::to_owned);
/// let req = Request::builder().header("x-tenant", "acme").body(axum::body::Body::empty()).unwrap();
/// assert_eq!(by_tenant.key(&req).as_deref(), Some("acme"));
/// ```
pub trait KeyExtractor: Send + Sync + 'static {
    /// The key, or `None` when the policy does not apply.
    fn key(&self, req: &Request) -> Option<String>;
}

impl<F> KeyExtractor for F
where
    F: Fn(&Request) -> Option<String> + Send + Sync + 'static,
{
    fn key(&self, req: &Request) -> Option<String> {
        self(req)
    }
}

/// The value of a header holding a credential (by default `Authorization`), hashed: stores never
/// see the secret, only the first 128 bits of its SHA-256.
///
/// ```
/// use axum::extract::Request;
/// use errcat::axum::{ApiKey, KeyExtractor};
///
/// let req = Request::builder().header("authorization", "Bearer sk_1").body(axum::body::Body::empty()).unwrap();
/// let key = ApiKey::authorization().key(&req).unwrap();
/// assert_eq!(key.len(), 32);
/// assert!(!key.contains("sk_1"));
/// assert_eq!(ApiKey::header("x-api-key").key(&req), None);
/// ```
#[derive(Debug, Clone)]
pub struct ApiKey {
    header: HeaderName,
}

impl ApiKey {
    /// The `Authorization` header.
    pub fn authorization() -> ApiKey {
        ApiKey {
            header: http::header::AUTHORIZATION,
        }
    }

    /// Another header, such as `X-Api-Key`.
    pub fn header(name: &'static str) -> ApiKey {
        ApiKey {
            header: HeaderName::from_static(name),
        }
    }
}

impl KeyExtractor for ApiKey {
    fn key(&self, req: &Request) -> Option<String> {
        let value = req.headers().get(&self.header)?;
        Some(errcat_store::digest_key(value.as_bytes()))
    }
}

/// The client's IP address: the connection's peer, or, when the peer is a trusted proxy, the
/// address that proxy reports in `Forwarded` (RFC 7239) or `X-Forwarded-For`.
///
/// The forwarded chain is read from the right, skipping trusted proxies; the first address not
/// trusted is the client. A client cannot spoof it: anything it writes into the headers sits to
/// the left of what the trusted proxies appended. The server must be run with
/// `into_make_service_with_connect_info::<SocketAddr>()`; without it every request counts as
/// one client and a warning is logged once.
///
/// ```
/// use std::net::SocketAddr;
/// use axum::extract::{ConnectInfo, Request};
/// use errcat::axum::{ClientIp, KeyExtractor};
///
/// let by_ip = ClientIp::new().trust_proxies(["10.0.0.0/8"]).unwrap();
/// let mut req = Request::builder()
///     .header("x-forwarded-for", "6.6.6.6, 203.0.113.9, 10.1.2.3")
///     .body(axum::body::Body::empty())
///     .unwrap();
/// req.extensions_mut().insert(ConnectInfo("10.0.0.1:4000".parse::<SocketAddr>().unwrap()));
/// assert_eq!(by_ip.key(&req).as_deref(), Some("203.0.113.9"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct ClientIp {
    trusted: Vec<IpNet>,
}

static WARNED_NO_PEER: AtomicBool = AtomicBool::new(false);

impl ClientIp {
    /// The peer's address; no proxy trusted.
    pub fn new() -> ClientIp {
        ClientIp::default()
    }

    /// Trusts proxies in these networks (`10.0.0.0/8`, `::1/128`, or a bare address).
    ///
    /// # Errors
    ///
    /// A network that does not parse, named in the message.
    pub fn trust_proxies<I, S>(mut self, networks: I) -> Result<ClientIp, String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for n in networks {
            let n = n.as_ref().trim();
            let net = n
                .parse::<IpNet>()
                .or_else(|_| n.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!("trusted proxy `{n}` is not an IP network: write it as 10.0.0.0/8, 2001:db8::/32 or a single address")
                })?;
            self.trusted.push(net);
        }
        Ok(self)
    }

    fn trusted(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.trusted.iter().any(|n| n.contains(&ip))
    }

    /// The client address for a peer and the request's headers.
    fn client(&self, peer: IpAddr, req: &Request) -> String {
        if !self.trusted(peer) {
            return peer.to_canonical().to_string();
        }
        let hops = forwarded_hops(req);
        let mut leftmost = None;
        for hop in hops.iter().rev() {
            match parse_node(hop) {
                Some(ip) if self.trusted(ip) => leftmost = Some(ip.to_canonical().to_string()),
                Some(ip) => return ip.to_canonical().to_string(),
                // An obfuscated or unknown node named by a trusted proxy: it is the client.
                None => return hop.to_string(),
            }
        }
        leftmost.unwrap_or_else(|| peer.to_canonical().to_string())
    }
}

impl KeyExtractor for ClientIp {
    fn key(&self, req: &Request) -> Option<String> {
        match req.extensions().get::<ConnectInfo<SocketAddr>>() {
            Some(ConnectInfo(peer)) => Some(self.client(peer.ip(), req)),
            None => {
                if !WARNED_NO_PEER.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        "ClientIp found no peer address: serve with into_make_service_with_connect_info::<SocketAddr>(); until then every request counts as one client"
                    );
                }
                Some("unknown".to_owned())
            }
        }
    }
}

/// The hops of `Forwarded` (its `for=` values) if present, else of `X-Forwarded-For`, left to
/// right, across every field line.
fn forwarded_hops(req: &Request) -> Vec<String> {
    let headers = req.headers();
    let mut hops = Vec::new();
    for line in headers.get_all(http::header::FORWARDED) {
        let Ok(line) = line.to_str() else { continue };
        for element in line.split(',') {
            for pair in element.split(';') {
                let Some((name, value)) = pair.split_once('=') else {
                    continue;
                };
                if name.trim().eq_ignore_ascii_case("for") {
                    hops.push(value.trim().trim_matches('"').to_owned());
                }
            }
        }
    }
    if !hops.is_empty() {
        return hops;
    }
    for line in headers.get_all("x-forwarded-for") {
        let Ok(line) = line.to_str() else { continue };
        hops.extend(
            line.split(',')
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .map(str::to_owned),
        );
    }
    hops
}

/// An address from a forwarded node: `192.0.2.1`, `192.0.2.1:80`, `[2001:db8::1]:443`,
/// `2001:db8::1`.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sock) = node.parse::<SocketAddr>() {
        return Some(sock.ip());
    }
    let inner = node.strip_prefix('[')?;
    let end = inner.find(']')?;
    inner[..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(headers: &[(&str, &str)], peer: Option<&str>) -> Request {
        let mut b = Request::builder();
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let mut r = b.body(axum::body::Body::empty()).unwrap();
        if let Some(p) = peer {
            r.extensions_mut()
                .insert(ConnectInfo(p.parse::<SocketAddr>().unwrap()));
        }
        r
    }

    #[test]
    fn untrusted_peer_is_the_client_whatever_the_headers_say() {
        let ip = ClientIp::new().trust_proxies(["10.0.0.0/8"]).unwrap();
        let r = req(&[("x-forwarded-for", "1.2.3.4")], Some("198.51.100.7:5000"));
        assert_eq!(ip.key(&r).as_deref(), Some("198.51.100.7"));
    }

    #[test]
    fn forwarded_beats_x_forwarded_for_and_ipv6_nodes_parse() {
        let ip = ClientIp::new()
            .trust_proxies(["::1", "10.0.0.0/8"])
            .unwrap();
        let r = req(
            &[
                (
                    "forwarded",
                    r#"for=192.0.2.60;proto=http, for="[2001:db8:cafe::17]:4711""#,
                ),
                ("x-forwarded-for", "1.2.3.4"),
            ],
            Some("[::1]:8080"),
        );
        assert_eq!(ip.key(&r).as_deref(), Some("2001:db8:cafe::17"));
    }

    #[test]
    fn all_hops_trusted_gives_the_leftmost_and_no_header_the_peer() {
        let ip = ClientIp::new().trust_proxies(["10.0.0.0/8"]).unwrap();
        let r = req(
            &[("x-forwarded-for", "10.9.9.9, 10.1.1.1")],
            Some("10.0.0.2:1"),
        );
        assert_eq!(ip.key(&r).as_deref(), Some("10.9.9.9"));
        let r = req(&[], Some("10.0.0.2:1"));
        assert_eq!(ip.key(&r).as_deref(), Some("10.0.0.2"));
    }

    #[test]
    fn obfuscated_node_named_by_a_trusted_proxy_is_the_key() {
        let ip = ClientIp::new().trust_proxies(["10.0.0.0/8"]).unwrap();
        let r = req(&[("forwarded", "for=_hidden")], Some("10.0.0.2:1"));
        assert_eq!(ip.key(&r).as_deref(), Some("_hidden"));
    }

    #[test]
    fn ipv4_mapped_peers_match_ipv4_networks() {
        let ip = ClientIp::new().trust_proxies(["127.0.0.1"]).unwrap();
        let r = req(
            &[("x-forwarded-for", "203.0.113.1")],
            Some("[::ffff:127.0.0.1]:9"),
        );
        assert_eq!(ip.key(&r).as_deref(), Some("203.0.113.1"));
    }

    #[test]
    fn bad_network_is_named() {
        let err = ClientIp::new().trust_proxies(["10.0.0.0/33"]).unwrap_err();
        assert!(err.contains("10.0.0.0/33"), "{err}");
    }

    #[test]
    fn missing_peer_counts_as_one_client() {
        let r = req(&[], None);
        assert_eq!(ClientIp::new().key(&r).as_deref(), Some("unknown"));
    }
}
