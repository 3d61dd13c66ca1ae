//! What a request is counted under: an API key, the client's address, or your own rule.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::{ConnectInfo, Request};
use http::{HeaderMap, HeaderName, HeaderValue};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::store::ConfigError;

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

/// The one header [`ClientIp`] reads the client from when the peer is a trusted proxy. Every
/// other header is ignored: a client that writes `Forwarded` to a service whose proxies append
/// `X-Forwarded-For` changes nothing.
///
/// Pick the header your trusted proxies append to (or set); a header they merely pass through
/// is the client's to write.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2`, what nginx (`$proxy_add_x_forwarded_for`),
    /// HAProxy (`option forwardfor`), Envoy and most cloud load balancers append. Nodes are
    /// `192.0.2.1`, `192.0.2.1:80`, `2001:db8::1` or `[2001:db8::1]:443`.
    XForwardedFor,
    /// `Forwarded: for=client, for=proxy1` (RFC 7239): the `for=` parameter of each element,
    /// quoted strings honoured. `for=_hidden` (an obfuscated node) is the client `_hidden`.
    Forwarded,
    /// Another header in `X-Forwarded-For`'s syntax (one address, or a comma-separated list),
    /// such as `X-Real-IP` or `CF-Connecting-IP` set by the proxy in front.
    Header(HeaderName),
}

impl ForwardedHeader {
    /// `Header(forwarded)` is `Forwarded` and `Header(x-forwarded-for)` is `XForwardedFor`, so
    /// one header has one name.
    fn normalized(self) -> ForwardedHeader {
        match self {
            ForwardedHeader::Header(name) if name == http::header::FORWARDED => {
                ForwardedHeader::Forwarded
            }
            ForwardedHeader::Header(name) if name.as_str() == "x-forwarded-for" => {
                ForwardedHeader::XForwardedFor
            }
            other => other,
        }
    }

    fn name(&self) -> &str {
        match self {
            ForwardedHeader::XForwardedFor => "x-forwarded-for",
            ForwardedHeader::Forwarded => "forwarded",
            ForwardedHeader::Header(name) => name.as_str(),
        }
    }
}

impl fmt::Display for ForwardedHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ForwardedHeader::XForwardedFor => f.write_str("X-Forwarded-For"),
            ForwardedHeader::Forwarded => f.write_str("Forwarded"),
            ForwardedHeader::Header(name) => f.write_str(name.as_str()),
        }
    }
}

/// At most this many hops of the forwarded header are read, from the right.
const MAX_HOPS: usize = 32;
/// At most this many bytes of the forwarded header are read, from the right.
const MAX_HEADER_BYTES: usize = 8 * 1024;
/// The longest obfuscated node (`_` and its identifier) taken as a key.
const MAX_OBFUSCATED: usize = 64;

/// The client's IP address, keyed per network: the connection's peer or, when the peer is a
/// trusted proxy, the address it reports in the one [`ForwardedHeader`] you chose.
///
/// - **No trusted proxy** (`ClientIp::new()`): the peer is the client; headers are ignored.
/// - **Behind proxies** ([`behind_proxies`](ClientIp::behind_proxies)): the chosen header's
///   hops are read from the right, skipping trusted proxies; the first address not trusted is
///   the client. A client cannot spoof it: what it writes sits to the left of what the trusted
///   proxies appended, and other headers are never read (no fallback between headers).
/// - **Bounded**: at most 32 hops and 8 KiB of the header are read, from the right. A hop a
///   trusted proxy wrote that is not an address (garbage, `unknown`, a `Forwarded` element
///   without `for=`, a hop past either bound) ends the walk: the client is that proxy, never
///   a key taken from the garbage. If every hop read is trusted, the leftmost is the client.
/// - **Keyed per network**: IPv6 per /64 by default ([`ipv6_prefix`](ClientIp::ipv6_prefix)),
///   since one host gets a /64; IPv4 per address ([`ipv4_prefix`](ClientIp::ipv4_prefix)).
///   IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) count as IPv4. The key is the network,
///   `2001:db8:1:2::/64` or `198.51.100.0/24`, or the bare address at full length
///   (`203.0.113.9`).
///
/// The server must be run with `into_make_service_with_connect_info::<SocketAddr>()`; without
/// it every request counts as one client and a warning is logged once.
///
/// ```
/// use std::net::SocketAddr;
/// use axum::extract::{ConnectInfo, Request};
/// use errcat::axum::{ClientIp, ForwardedHeader, KeyExtractor};
///
/// let by_ip = ClientIp::new()
///     .behind_proxies(ForwardedHeader::XForwardedFor, ["10.0.0.0/8"])?;
/// let mut req = Request::builder()
///     .header("x-forwarded-for", "6.6.6.6, 2001:db8:1:2::77, 10.1.2.3")
///     .header("forwarded", "for=198.51.100.1") // not the chosen header: ignored
///     .body(axum::body::Body::empty())?;
/// req.extensions_mut().insert(ConnectInfo("10.0.0.1:4000".parse::<SocketAddr>()?));
/// assert_eq!(by_ip.key(&req).as_deref(), Some("2001:db8:1:2::/64"));
/// assert_eq!(by_ip.address(&req), Some("2001:db8:1:2::77".parse()?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct ClientIp {
    /// The header read behind trusted proxies; `None` until one is chosen.
    header: Option<ForwardedHeader>,
    trusted: Vec<IpNet>,
    ipv4_prefix: u8,
    ipv6_prefix: u8,
}

impl Default for ClientIp {
    fn default() -> ClientIp {
        ClientIp {
            header: None,
            trusted: Vec::new(),
            ipv4_prefix: 32,
            ipv6_prefix: 64,
        }
    }
}

static WARNED_NO_PEER: AtomicBool = AtomicBool::new(false);

/// Who the walk found.
#[derive(Debug, PartialEq, Eq)]
enum Client {
    Addr(IpAddr),
    /// An obfuscated node (`for=_hidden`) a trusted proxy named.
    Obfuscated(String),
}

impl ClientIp {
    /// The peer's address is the client; no proxy trusted, no header read. IPv6 per /64,
    /// IPv4 per address.
    pub fn new() -> ClientIp {
        ClientIp::default()
    }

    /// Trusts proxies in these networks (`10.0.0.0/8`, `::1/128`, or a bare address) and reads
    /// the client from `header`, and from no other header. Calls add networks; they must all
    /// name the same header.
    ///
    /// ```
    /// use errcat::axum::{ClientIp, ForwardedHeader};
    /// use http::HeaderName;
    ///
    /// let rfc7239 = ClientIp::new().behind_proxies(ForwardedHeader::Forwarded, ["10.0.0.0/8", "::1"])?;
    /// let nginx = ClientIp::new()
    ///     .behind_proxies(ForwardedHeader::Header(HeaderName::from_static("x-real-ip")), ["127.0.0.1"])?;
    /// assert!(rfc7239.behind_proxies(ForwardedHeader::XForwardedFor, ["192.0.2.1"]).is_err());
    /// # let _ = nginx;
    /// # Ok::<(), errcat::axum::ConfigError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A network that does not parse, named in the message; or a header other than the one an
    /// earlier call chose.
    pub fn behind_proxies<I, S>(
        mut self,
        header: ForwardedHeader,
        networks: I,
    ) -> Result<ClientIp, ConfigError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let header = header.normalized();
        if let Some(chosen) = &self.header
            && *chosen != header
        {
            return Err(ConfigError(format!(
                "ClientIp reads the client from {chosen} already, and reads one header only: trusting proxies that write {header} as well would let a client choose its own address; give every trusted proxy the same header"
            )));
        }
        for n in networks {
            let n = n.as_ref().trim();
            let net = n
                .parse::<IpNet>()
                .or_else(|_| n.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    ConfigError(format!("trusted proxy `{n}` is not an IP network: write it as 10.0.0.0/8, 2001:db8::/32 or a single address"))
                })?;
            self.trusted.push(canonical_net(net));
        }
        self.header = Some(header);
        Ok(self)
    }

    /// Trusts proxies in these networks and reads the client from `X-Forwarded-For`: the same
    /// as [`behind_proxies(ForwardedHeader::XForwardedFor, networks)`](ClientIp::behind_proxies),
    /// kept for code written before the header was a choice.
    ///
    /// `X-Forwarded-For` is the default, documented here: `Forwarded` is **not** read (earlier
    /// versions preferred it when present, which let a client behind a proxy that only appends
    /// `X-Forwarded-For` choose its address). Behind proxies that write `Forwarded`, use
    /// `behind_proxies(ForwardedHeader::Forwarded, ..)`.
    ///
    /// # Errors
    ///
    /// A network that does not parse, named in the message; or an earlier call that chose
    /// another header.
    pub fn trust_proxies<I, S>(self, networks: I) -> Result<ClientIp, ConfigError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.behind_proxies(ForwardedHeader::XForwardedFor, networks)
    }

    /// Counts IPv6 clients per network of this prefix length (64, the default, is what one
    /// host or one home gets; 128 counts each address alone; 48 or 56 a whole site).
    ///
    /// ```
    /// # use errcat::axum::ClientIp;
    /// let per_site = ClientIp::new().ipv6_prefix(56)?;
    /// assert!(ClientIp::new().ipv6_prefix(0).is_err());
    /// assert!(ClientIp::new().ipv6_prefix(129).is_err());
    /// # let _ = per_site;
    /// # Ok::<(), errcat::axum::ConfigError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A length outside 1..=128.
    pub fn ipv6_prefix(mut self, len: u8) -> Result<ClientIp, ConfigError> {
        if !(1..=128).contains(&len) {
            return Err(ConfigError(format!(
                "ClientIp::ipv6_prefix({len}): an IPv6 prefix is 1 to 128 bits (64, the default, is one host's network; 128 counts each address alone)"
            )));
        }
        self.ipv6_prefix = len;
        Ok(self)
    }

    /// Counts IPv4 clients (and IPv4-mapped IPv6 ones) per network of this prefix length
    /// (32, the default, is one address; 24 counts a /24 as one client).
    ///
    /// # Errors
    ///
    /// A length outside 1..=32.
    pub fn ipv4_prefix(mut self, len: u8) -> Result<ClientIp, ConfigError> {
        if !(1..=32).contains(&len) {
            return Err(ConfigError(format!(
                "ClientIp::ipv4_prefix({len}): an IPv4 prefix is 1 to 32 bits (32, the default, counts each address alone)"
            )));
        }
        self.ipv4_prefix = len;
        Ok(self)
    }

    /// The client's address itself, before it is widened to its network: what an allow-list
    /// of networks should be checked against. `None` without a peer address, or when a trusted
    /// proxy named the client by an obfuscated node (`for=_hidden`).
    pub fn address(&self, req: &Request) -> Option<IpAddr> {
        let ConnectInfo(peer) = req.extensions().get::<ConnectInfo<SocketAddr>>()?;
        match self.client(peer.ip(), req.headers()) {
            Client::Addr(ip) => Some(ip),
            Client::Obfuscated(_) => None,
        }
    }

    fn trusted(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|n| n.contains(&ip))
    }

    /// The client for a peer and the request's headers; addresses canonical (IPv4-mapped
    /// IPv6 as IPv4).
    fn client(&self, peer: IpAddr, headers: &HeaderMap) -> Client {
        let peer = peer.to_canonical();
        let Some(header) = &self.header else {
            return Client::Addr(peer);
        };
        if !self.trusted(peer) {
            return Client::Addr(peer);
        }
        // `current` is always a trusted proxy; the hop read next is the one it wrote.
        let mut current = peer;
        for hop in Hops::new(headers, header) {
            match hop {
                Hop::Addr(ip) if self.trusted(ip) => current = ip,
                Hop::Addr(ip) => return Client::Addr(ip),
                Hop::Obfuscated(id) => return Client::Obfuscated(id),
                Hop::Unusable => break,
            }
        }
        Client::Addr(current)
    }

    /// The key of an address: its network at the configured prefix, or the bare address at
    /// full length.
    fn key_of(&self, ip: IpAddr) -> String {
        match ip.to_canonical() {
            IpAddr::V4(v4) if self.ipv4_prefix < 32 => Ipv4Net::new(v4, self.ipv4_prefix)
                .map_or_else(
                    |_| v4_text(v4, None),
                    |n| v4_text(n.network(), Some(n.prefix_len())),
                ),
            IpAddr::V6(v6) if self.ipv6_prefix < 128 => Ipv6Net::new(v6, self.ipv6_prefix)
                .map_or_else(|_| v6.to_string(), |n| n.trunc().to_string()),
            IpAddr::V4(v4) => v4_text(v4, None),
            ip => ip.to_string(),
        }
    }
}

/// An IPv4 address (and prefix) as `Display` writes it, `a.b.c.d[/p]`, without the formatting
/// machinery: this runs on every request.
fn v4_text(addr: Ipv4Addr, prefix: Option<u8>) -> String {
    let mut out = String::with_capacity(18);
    let mut digits = itoa::Buffer::new();
    for (i, octet) in addr.octets().into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        out.push_str(digits.format(octet));
    }
    if let Some(prefix) = prefix {
        out.push('/');
        out.push_str(digits.format(prefix));
    }
    out
}

impl KeyExtractor for ClientIp {
    fn key(&self, req: &Request) -> Option<String> {
        match req.extensions().get::<ConnectInfo<SocketAddr>>() {
            Some(ConnectInfo(peer)) => Some(match self.client(peer.ip(), req.headers()) {
                Client::Addr(ip) => self.key_of(ip),
                Client::Obfuscated(id) => id,
            }),
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

/// An IPv4-mapped IPv6 network (`::ffff:10.0.0.0/104`) as the IPv4 network it is, since
/// addresses are compared in canonical form.
fn canonical_net(net: IpNet) -> IpNet {
    if let IpNet::V6(v6) = net
        && v6.prefix_len() >= 96
        && let Some(v4) = v6.addr().to_ipv4_mapped()
        && let Ok(v4) = Ipv4Net::new(v4, v6.prefix_len() - 96)
    {
        return IpNet::V4(v4);
    }
    net
}

/// One hop of a forwarded header.
#[derive(Debug, PartialEq, Eq)]
enum Hop {
    /// An address, canonical.
    Addr(IpAddr),
    /// An obfuscated node of `Forwarded` (`_hidden`), without its port.
    Obfuscated(String),
    /// Not an address: garbage, `unknown`, an element without `for=`.
    Unusable,
}

/// The hops of one header, right to left across its field lines, at most [`MAX_HOPS`] of them
/// from the last [`MAX_HEADER_BYTES`] bytes. Empty list elements are skipped.
struct Hops<'a> {
    lines: http::header::ValueIter<'a, HeaderValue>,
    /// What is left of the line being read (its left part), if one is.
    line: Option<&'a [u8]>,
    forwarded: bool,
    budget: usize,
    read: usize,
    done: bool,
}

impl<'a> Hops<'a> {
    fn new(headers: &'a HeaderMap, header: &ForwardedHeader) -> Hops<'a> {
        Hops {
            lines: headers.get_all(header.name()).iter(),
            line: None,
            forwarded: *header == ForwardedHeader::Forwarded,
            budget: MAX_HEADER_BYTES,
            read: 0,
            done: false,
        }
    }
}

impl Iterator for Hops<'_> {
    type Item = Hop;

    fn next(&mut self) -> Option<Hop> {
        loop {
            // Past either bound the walk ends, at the last hop read.
            if self.done || self.read == MAX_HOPS {
                return None;
            }
            let line = match self.line {
                Some(line) => line,
                None => self.lines.next_back()?.as_bytes(),
            };
            let Some((rest, element)) = split_last(line, self.budget, self.forwarded) else {
                self.done = true;
                return None;
            };
            self.budget = self
                .budget
                .saturating_sub(element.len() + usize::from(rest.is_some()));
            self.line = rest;
            let element = trim_ows(element);
            if element.is_empty() {
                continue;
            }
            self.read += 1;
            return Some(if self.forwarded {
                forwarded_hop(element)
            } else {
                list_hop(element)
            });
        }
    }
}

/// Splits the last list element off `line`, reading at most `limit` bytes from its right:
/// `(rest, element)`, `rest` being `None` when the element starts the line. Commas inside
/// quoted strings do not split when `quoted`. `None` when `limit` bytes hold no whole element.
fn split_last(line: &[u8], limit: usize, quoted: bool) -> Option<(Option<&[u8]>, &[u8])> {
    let floor = line.len().saturating_sub(limit);
    let mut in_quotes = false;
    let mut i = line.len();
    while i > floor {
        i -= 1;
        match line[i] {
            b'"' if quoted => {
                if !in_quotes {
                    in_quotes = true;
                } else {
                    // A quote preceded by an odd run of backslashes is escaped.
                    let run = line[floor..i]
                        .iter()
                        .rev()
                        .take_while(|b| **b == b'\\')
                        .count();
                    if run % 2 == 0 {
                        in_quotes = false;
                    }
                }
            }
            b',' if !in_quotes => return Some((Some(&line[..i]), &line[i + 1..])),
            _ => {}
        }
    }
    (floor == 0).then_some((None, line))
}

fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// A hop of `X-Forwarded-For`'s syntax.
fn list_hop(element: &[u8]) -> Hop {
    std::str::from_utf8(element)
        .ok()
        .and_then(parse_node)
        .map_or(Hop::Unusable, |ip| Hop::Addr(ip.to_canonical()))
}

/// An address from a list node: `192.0.2.1`, `192.0.2.1:80`, `2001:db8::1`, `[2001:db8::1]`,
/// `[2001:db8::1]:443`; anything else (zones, trailing bytes) is `None`.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(inner) = node.strip_prefix('[') {
        let (v6, after) = inner.split_once(']')?;
        let ip = v6.parse::<Ipv6Addr>().ok()?;
        return (after.is_empty() || after.strip_prefix(':').is_some_and(is_port))
            .then_some(IpAddr::V6(ip));
    }
    let (v4, port) = node.split_once(':')?;
    let ip = v4.parse::<Ipv4Addr>().ok()?;
    is_port(port).then_some(IpAddr::V4(ip))
}

fn is_port(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u16>().is_ok()
}

/// RFC 7239's obfuscated identifier: `_` and one or more of ALPHA, DIGIT, `.`, `_`, `-`.
fn is_obfuscated(s: &str) -> bool {
    s.strip_prefix('_').is_some_and(|id| {
        !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    })
}

/// A hop of `Forwarded`: its element's one `for=` node.
fn forwarded_hop(element: &[u8]) -> Hop {
    let Some(node) = forwarded_for(element) else {
        return Hop::Unusable;
    };
    if let Some(inner) = node.strip_prefix('[') {
        return match inner.split_once(']') {
            Some((v6, after))
                if after.is_empty()
                    || after
                        .strip_prefix(':')
                        .is_some_and(|p| is_port(p) || is_obfuscated(p)) =>
            {
                v6.parse::<Ipv6Addr>()
                    .map_or(Hop::Unusable, |ip| Hop::Addr(IpAddr::V6(ip).to_canonical()))
            }
            _ => Hop::Unusable,
        };
    }
    // Not RFC 7239 (IPv6 must be bracketed), but unambiguous.
    if let Ok(ip) = node.parse::<Ipv6Addr>() {
        return Hop::Addr(IpAddr::V6(ip).to_canonical());
    }
    let (name, port) = match node.split_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (node.as_str(), None),
    };
    if port.is_some_and(|p| !is_port(p) && !is_obfuscated(p)) {
        return Hop::Unusable;
    }
    if let Ok(ip) = name.parse::<Ipv4Addr>() {
        return Hop::Addr(IpAddr::V4(ip));
    }
    if is_obfuscated(name) && name.len() <= MAX_OBFUSCATED {
        return Hop::Obfuscated(name.to_owned());
    }
    // `unknown`, or garbage.
    Hop::Unusable
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The value of the one `for` parameter of a `Forwarded` element, unquoted; `None` when the
/// element does not parse, has no `for`, or has two.
fn forwarded_for(element: &[u8]) -> Option<String> {
    let mut found = None;
    let mut i = 0;
    let len = element.len();
    loop {
        while i < len && matches!(element[i], b' ' | b'\t' | b';') {
            i += 1;
        }
        if i == len {
            return found;
        }
        let start = i;
        while i < len && is_tchar(element[i]) {
            i += 1;
        }
        let name = &element[start..i];
        if name.is_empty() || element.get(i) != Some(&b'=') {
            return None;
        }
        i += 1;
        let mut value = Vec::new();
        if element.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match *element.get(i)? {
                    b'"' => break,
                    b'\\' => {
                        i += 1;
                        value.push(*element.get(i)?);
                    }
                    b => value.push(b),
                }
                i += 1;
            }
            i += 1;
        } else {
            // A token; `:`, `[` and `]` too, for the unquoted `192.0.2.1:80` proxies write.
            while i < len && (is_tchar(element[i]) || matches!(element[i], b':' | b'[' | b']')) {
                value.push(element[i]);
                i += 1;
            }
            if value.is_empty() {
                return None;
            }
        }
        while i < len && matches!(element[i], b' ' | b'\t') {
            i += 1;
        }
        if i < len && element[i] != b';' {
            return None;
        }
        if name.eq_ignore_ascii_case(b"for") {
            if found.is_some() {
                return None;
            }
            found = Some(String::from_utf8(value).ok()?);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_keys_read_as_display_writes_them() {
        let mut rng = fastrand::Rng::with_seed(7);
        let edges = [
            [0, 0, 0, 0],
            [255, 255, 255, 255],
            [10, 0, 9, 100],
            [1, 22, 133, 4],
        ];
        let random = (0..500).map(|_| rng.u32(..).to_be_bytes());
        for octets in edges.into_iter().chain(random) {
            let addr = Ipv4Addr::from(octets);
            assert_eq!(v4_text(addr, None), addr.to_string());
            for prefix in [0, 8, 24, 31] {
                let net = Ipv4Net::new(addr, prefix).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(
                    v4_text(net.network(), Some(prefix)),
                    net.trunc().to_string()
                );
            }
        }
    }

    fn req(headers: &[(&str, &str)], peer: Option<&str>) -> Request {
        let bytes: Vec<(&str, &[u8])> = headers.iter().map(|(k, v)| (*k, v.as_bytes())).collect();
        req_bytes(&bytes, peer)
    }

    fn req_bytes(headers: &[(&str, &[u8])], peer: Option<&str>) -> Request {
        let mut b = Request::builder();
        for (k, v) in headers {
            b = b.header(*k, HeaderValue::from_bytes(v).unwrap());
        }
        let mut r = b.body(axum::body::Body::empty()).unwrap();
        if let Some(p) = peer {
            r.extensions_mut()
                .insert(ConnectInfo(p.parse::<SocketAddr>().unwrap()));
        }
        r
    }

    fn xff(nets: &[&str]) -> ClientIp {
        ClientIp::new()
            .behind_proxies(ForwardedHeader::XForwardedFor, nets)
            .unwrap()
    }

    fn rfc7239(nets: &[&str]) -> ClientIp {
        ClientIp::new()
            .behind_proxies(ForwardedHeader::Forwarded, nets)
            .unwrap()
    }

    #[test]
    fn untrusted_peer_is_the_client_whatever_the_headers_say() {
        let ip = ClientIp::new().trust_proxies(["10.0.0.0/8"]).unwrap();
        let r = req(&[("x-forwarded-for", "1.2.3.4")], Some("198.51.100.7:5000"));
        assert_eq!(ip.key(&r).as_deref(), Some("198.51.100.7"));
    }

    // Was `forwarded_beats_x_forwarded_for_and_ipv6_nodes_parse`: issue 15 (6) asks that the
    // header be one setting with no fallback, and IPv6 be keyed per /64.
    #[test]
    fn the_chosen_header_alone_is_read_and_ipv6_nodes_parse() {
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
        let nets = ["::1", "10.0.0.0/8"];
        assert_eq!(
            rfc7239(&nets).key(&r).as_deref(),
            Some("2001:db8:cafe::/64")
        );
        assert_eq!(
            rfc7239(&nets).address(&r),
            Some("2001:db8:cafe::17".parse().unwrap())
        );
        assert_eq!(xff(&nets).key(&r).as_deref(), Some("1.2.3.4"));
        let real_ip = ClientIp::new()
            .behind_proxies(
                ForwardedHeader::Header(HeaderName::from_static("x-real-ip")),
                nets,
            )
            .unwrap();
        // Neither header is the chosen one: the proxy itself is the client, per /64.
        assert_eq!(real_ip.key(&r).as_deref(), Some("::/64"));
    }

    #[test]
    fn trust_proxies_reads_x_forwarded_for_and_never_forwarded() {
        let ip = ClientIp::new().trust_proxies(["10.0.0.0/8"]).unwrap();
        let r = req(&[("forwarded", "for=198.51.100.1")], Some("10.0.0.2:1"));
        assert_eq!(ip.key(&r).as_deref(), Some("10.0.0.2"));
        let r = req(
            &[
                ("forwarded", "for=198.51.100.1"),
                ("x-forwarded-for", "203.0.113.4"),
            ],
            Some("10.0.0.2:1"),
        );
        assert_eq!(ip.key(&r).as_deref(), Some("203.0.113.4"));
    }

    #[test]
    fn one_header_only_and_networks_add_up() {
        let err = rfc7239(&["10.0.0.0/8"])
            .trust_proxies(["192.168.0.0/16"])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("Forwarded") && err.contains("X-Forwarded-For"),
            "{err}"
        );
        // `Header(forwarded)` is `Forwarded`, so this is the same header.
        let same = rfc7239(&["10.0.0.0/8"]).behind_proxies(
            ForwardedHeader::Header(http::header::FORWARDED),
            ["192.168.0.0/16"],
        );
        assert!(same.is_ok());
        let ip = xff(&["10.0.0.0/8"])
            .behind_proxies(ForwardedHeader::XForwardedFor, ["192.168.0.0/16"])
            .unwrap();
        let r = req(
            &[("x-forwarded-for", "203.0.113.8, 192.168.1.1")],
            Some("10.0.0.2:1"),
        );
        assert_eq!(ip.key(&r).as_deref(), Some("203.0.113.8"));
    }

    #[test]
    fn a_custom_header_is_read_in_list_syntax() {
        let ip = ClientIp::new()
            .behind_proxies(
                ForwardedHeader::Header(HeaderName::from_static("x-real-ip")),
                ["127.0.0.1"],
            )
            .unwrap();
        let r = req(
            &[
                ("x-real-ip", "203.0.113.50"),
                ("x-forwarded-for", "198.51.100.1"),
            ],
            Some("127.0.0.1:9"),
        );
        assert_eq!(ip.key(&r).as_deref(), Some("203.0.113.50"));
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

    // The proxies are now trusted for `Forwarded` by name (`trust_proxies` reads
    // X-Forwarded-For only); the key is as before.
    #[test]
    fn obfuscated_node_named_by_a_trusted_proxy_is_the_key() {
        let ip = rfc7239(&["10.0.0.0/8"]);
        let r = req(&[("forwarded", "for=_hidden")], Some("10.0.0.2:1"));
        assert_eq!(ip.key(&r).as_deref(), Some("_hidden"));
        assert_eq!(ip.address(&r), None);
        // Its port is not part of it.
        let r = req(&[("forwarded", r#"for="_hidden:_p7""#)], Some("10.0.0.2:1"));
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
    fn ipv4_mapped_clients_and_networks_count_as_ipv4() {
        let r = req(&[], Some("[::ffff:198.51.100.7]:1"));
        assert_eq!(ClientIp::new().key(&r).as_deref(), Some("198.51.100.7"));
        let per_24 = ClientIp::new().ipv4_prefix(24).unwrap();
        assert_eq!(per_24.key(&r).as_deref(), Some("198.51.100.0/24"));
        assert_eq!(per_24.address(&r), Some("198.51.100.7".parse().unwrap()));

        let ip = xff(&["::ffff:10.0.0.0/104"]);
        let r = req(
            &[("x-forwarded-for", "::ffff:203.0.113.7")],
            Some("10.1.2.3:1"),
        );
        assert_eq!(ip.key(&r).as_deref(), Some("203.0.113.7"));
        let r = req(
            &[("forwarded", r#"for="[::ffff:203.0.113.7]:80""#)],
            Some("10.1.2.3:1"),
        );
        assert_eq!(
            rfc7239(&["10.0.0.0/8"]).key(&r).as_deref(),
            Some("203.0.113.7")
        );
    }

    #[test]
    fn ipv6_is_keyed_per_64_by_default_and_prefixes_are_configurable() {
        let key = |ip: &ClientIp, peer: &str| ip.key(&req(&[], Some(peer))).unwrap();
        let ip = ClientIp::new();
        assert_eq!(key(&ip, "[2001:db8:1:2:aaaa::1]:1"), "2001:db8:1:2::/64");
        assert_eq!(
            key(&ip, "[2001:db8:1:2:ffff:ffff:ffff:ffff]:1"),
            "2001:db8:1:2::/64"
        );
        assert_eq!(key(&ip, "[2001:db8:1:3::1]:1"), "2001:db8:1:3::/64");
        assert_eq!(key(&ip, "198.51.100.7:1"), "198.51.100.7");
        let each = ClientIp::new().ipv6_prefix(128).unwrap();
        assert_eq!(
            key(&each, "[2001:db8:1:2:aaaa::1]:1"),
            "2001:db8:1:2:aaaa::1"
        );
        let site = ClientIp::new().ipv6_prefix(48).unwrap();
        assert_eq!(key(&site, "[2001:db8:1:2:aaaa::1]:1"), "2001:db8:1::/48");
        let ip = ClientIp::new().ipv4_prefix(24).unwrap();
        assert_eq!(key(&ip, "198.51.100.7:1"), "198.51.100.0/24");
        assert_eq!(key(&ip, "[2001:db8:1:2:aaaa::1]:1"), "2001:db8:1:2::/64");
    }

    #[test]
    fn prefix_lengths_outside_their_range_are_refused() {
        for len in [0, 129, 255] {
            let err = ClientIp::new().ipv6_prefix(len).unwrap_err().to_string();
            assert!(
                err.contains(&format!("ipv6_prefix({len})")) && err.contains("1 to 128"),
                "{err}"
            );
        }
        for len in [0, 33] {
            let err = ClientIp::new().ipv4_prefix(len).unwrap_err().to_string();
            assert!(
                err.contains(&format!("ipv4_prefix({len})")) && err.contains("1 to 32"),
                "{err}"
            );
        }
        assert!(ClientIp::new().ipv6_prefix(1).is_ok() && ClientIp::new().ipv6_prefix(128).is_ok());
        assert!(ClientIp::new().ipv4_prefix(1).is_ok() && ClientIp::new().ipv4_prefix(32).is_ok());
        let r = req(&[], Some("[2001:db8::1]:1"));
        assert_eq!(
            ClientIp::new().ipv6_prefix(1).unwrap().key(&r).as_deref(),
            Some("::/1")
        );
    }

    #[test]
    fn a_malformed_hop_ends_the_walk_at_the_proxy_that_wrote_it() {
        let ip = xff(&["10.0.0.0/8"]);
        for (value, client) in [
            ("203.0.113.1, garbage", "10.0.0.2"),
            ("203.0.113.1, garbage, 10.0.0.5", "10.0.0.5"),
            ("203.0.113.1, 203.0.113.9:99999", "10.0.0.2"),
            ("203.0.113.1, [2001:db8::1]x", "10.0.0.2"),
            ("203.0.113.1, fe80::1%eth0", "10.0.0.2"),
            ("203.0.113.1, _hidden", "10.0.0.2"),
            ("203.0.113.1, 10.0.0.7 10.0.0.8", "10.0.0.2"),
            // Empty elements are skipped, as RFC 9110 asks of a list.
            ("203.0.113.1, , 10.0.0.5,", "203.0.113.1"),
        ] {
            let r = req(&[("x-forwarded-for", value)], Some("10.0.0.2:1"));
            assert_eq!(
                ip.key(&r).as_deref(),
                Some(client),
                "X-Forwarded-For: {value}"
            );
        }
        let ip = rfc7239(&["10.0.0.0/8"]);
        for (value, client) in [
            ("for=203.0.113.1, by=10.0.0.1;proto=https", "10.0.0.2"),
            ("for=203.0.113.1, for=unknown", "10.0.0.2"),
            (r#"for=203.0.113.1, for="[2001:db8::1""#, "10.0.0.2"),
            (
                "for=203.0.113.1, for=203.0.113.5;for=203.0.113.6",
                "10.0.0.2",
            ),
            ("for=203.0.113.1, for=203.0.113.5 proto=http", "10.0.0.2"),
            ("for=203.0.113.1, for=", "10.0.0.2"),
            ("for=203.0.113.1, =x", "10.0.0.2"),
            (r#"for=203.0.113.1, for="_a:_b:_c""#, "10.0.0.2"),
            ("for=203.0.113.1, for=10.0.0.9, for=junk", "10.0.0.2"),
            ("for=203.0.113.1, for=junk, for=10.0.0.9", "10.0.0.9"),
        ] {
            let r = req(&[("forwarded", value)], Some("10.0.0.2:1"));
            assert_eq!(ip.key(&r).as_deref(), Some(client), "Forwarded: {value}");
        }
        let long = format!("for=_{}", "a".repeat(MAX_OBFUSCATED));
        let r = req(&[("forwarded", &long)], Some("10.0.0.2:1"));
        assert_eq!(ip.key(&r).as_deref(), Some("10.0.0.2"));
    }

    #[test]
    fn bytes_left_of_the_client_are_never_read() {
        let ip = xff(&["10.0.0.0/8"]);
        let r = req_bytes(
            &[("x-forwarded-for", b"\xfe\xff\"], 203.0.113.4")],
            Some("10.0.0.2:1"),
        );
        assert_eq!(ip.key(&r).as_deref(), Some("203.0.113.4"));
        // Opaque bytes where the proxy's hop should be: the proxy is the client.
        let r = req_bytes(
            &[("x-forwarded-for", b"203.0.113.4, \xfe")],
            Some("10.0.0.2:1"),
        );
        assert_eq!(ip.key(&r).as_deref(), Some("10.0.0.2"));
        // An unclosed quote a client wrote does not swallow what the proxy appended.
        let r = req(
            &[("forwarded", r#"for="198.51.100.1, for=203.0.113.4"#)],
            Some("10.0.0.2:1"),
        );
        assert_eq!(
            rfc7239(&["10.0.0.0/8"]).key(&r).as_deref(),
            Some("203.0.113.4")
        );
    }

    #[test]
    fn quoted_commas_and_escapes_in_forwarded_do_not_split_elements() {
        let ip = rfc7239(&["10.0.0.0/8"]);
        for value in [
            r#"for=198.51.100.1, for=203.0.113.9;ext="a,for=6.6.6.6", for=10.0.0.7"#,
            r#"for=198.51.100.1, for=203.0.113.9;ext="x\",for=6.6.6.6", for=10.0.0.7"#,
            r#"for=198.51.100.1, for=203.0.113.9;ext="x\\", for=10.0.0.7"#,
            r#"for=198.51.100.1, FOR="203.0.113.9" ; proto=https, for="10.0.0.7:8080""#,
        ] {
            let r = req(&[("forwarded", value)], Some("10.0.0.2:1"));
            assert_eq!(
                ip.key(&r).as_deref(),
                Some("203.0.113.9"),
                "Forwarded: {value}"
            );
        }
    }

    #[test]
    fn the_walk_crosses_field_lines_from_the_last() {
        let r = req(
            &[
                ("x-forwarded-for", "198.51.100.1, 203.0.113.1"),
                ("x-forwarded-for", "10.0.0.9"),
            ],
            Some("10.0.0.2:1"),
        );
        assert_eq!(xff(&["10.0.0.0/8"]).key(&r).as_deref(), Some("203.0.113.1"));
    }

    #[test]
    fn at_most_32_hops_are_read() {
        let ip = xff(&["10.0.0.0/8"]);
        let chain = |trusted: usize| {
            let mut hops = vec!["203.0.113.1".to_owned()];
            hops.extend((0..trusted).map(|i| format!("10.0.1.{i}")));
            req(&[("x-forwarded-for", &hops.join(", "))], Some("10.0.0.2:1"))
        };
        // 31 trusted hops and the client: 32 read, the client found.
        assert_eq!(ip.key(&chain(31)).as_deref(), Some("203.0.113.1"));
        // 40 trusted hops: the walk ends at the 32nd from the right, 10.0.1.8.
        assert_eq!(ip.key(&chain(40)).as_deref(), Some("10.0.1.8"));
    }

    #[test]
    fn at_most_8_kib_is_read() {
        let ip = xff(&["10.0.0.0/8"]);
        // A client's 100 KB to the left is never read.
        let bloat = format!("{}, 203.0.113.5", "6.6.6.6, ".repeat(10_000));
        let r = req(&[("x-forwarded-for", &bloat)], Some("10.0.0.2:1"));
        assert_eq!(ip.key(&r).as_deref(), Some("203.0.113.5"));
        // A hop longer than what is left of 8 KiB ends the walk at the proxy.
        let long = format!("203.0.113.5, {}", " ".repeat(MAX_HEADER_BYTES));
        let r = req(&[("x-forwarded-for", &long)], Some("10.0.0.2:1"));
        assert_eq!(ip.key(&r).as_deref(), Some("10.0.0.2"));
        let forwarded = format!(
            r#"for=203.0.113.5, for=10.0.0.3;x="{}""#,
            "a".repeat(MAX_HEADER_BYTES)
        );
        let r = req(&[("forwarded", &forwarded)], Some("10.0.0.2:1"));
        assert_eq!(
            rfc7239(&["10.0.0.0/8"]).key(&r).as_deref(),
            Some("10.0.0.2")
        );
    }

    #[test]
    fn bad_network_is_named() {
        let err = ClientIp::new()
            .trust_proxies(["10.0.0.0/33"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("10.0.0.0/33"), "{err}");
    }

    #[test]
    fn missing_peer_counts_as_one_client() {
        let r = req(&[], None);
        assert_eq!(ClientIp::new().key(&r).as_deref(), Some("unknown"));
        assert_eq!(ClientIp::new().address(&r), None);
    }

    /// Bytes a header value may hold: visible ASCII, space, tab and obs-text.
    fn header_bytes(max: usize) -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        proptest::collection::vec(
            prop_oneof![Just(b'\t'), 0x20u8..=0x7e, 0x80u8..=0xff],
            0..max,
        )
    }

    proptest::proptest! {
        /// Whatever a client writes, the hop the trusted proxy appended decides the key.
        #[test]
        fn what_a_client_writes_left_of_the_proxy_hop_is_ignored(prefix in header_bytes(300)) {
            let mut value = prefix.clone();
            value.extend_from_slice(b", 203.0.113.7");
            let r = req_bytes(&[("x-forwarded-for", &value)], Some("10.0.0.2:1"));
            let key = xff(&["10.0.0.0/8"]).key(&r);
            proptest::prop_assert_eq!(key.as_deref(), Some("203.0.113.7"));
            let mut value = prefix;
            value.extend_from_slice(b", for=203.0.113.7");
            let r = req_bytes(&[("forwarded", &value)], Some("10.0.0.2:1"));
            let key = rfc7239(&["10.0.0.0/8"]).key(&r);
            proptest::prop_assert_eq!(key.as_deref(), Some("203.0.113.7"));
        }

        /// Any value at all gives a key that is an address, a network, an obfuscated node or
        /// the proxy, and never panics.
        #[test]
        fn any_value_gives_a_well_formed_key(value in header_bytes(300)) {
            for (name, ip) in [("x-forwarded-for", xff(&["10.0.0.0/8"])), ("forwarded", rfc7239(&["10.0.0.0/8"]))] {
                let r = req_bytes(&[(name, &value)], Some("10.0.0.2:1"));
                let key = ip.key(&r).unwrap_or_default();
                proptest::prop_assert!(
                    key.parse::<IpAddr>().is_ok() || key.parse::<IpNet>().is_ok() || is_obfuscated(&key),
                    "{}: {:?} gave {}", name, String::from_utf8_lossy(&value), key
                );
            }
        }
    }
}
