//! Who may call the HTTP API. A web page that a validator's operator happens to open can send
//! requests to 127.0.0.1 too; as kubo does, the API refuses them:
//!
//! - a request from a page carries an `Origin`: it is served only if that origin is on the
//!   allow-list (or is the API's own address);
//! - its `Host` must be an IP address, `localhost` or an allowed name: a DNS-rebinding page reaches
//!   127.0.0.1 under a domain of its own, and names that domain;
//! - `pin/rm`, after which the next garbage collection deletes a record's ciphertext, is served
//!   only when turned on.

use axum::http::{header, HeaderMap};

/// The API's access rules.
#[derive(Clone, Debug, Default)]
pub struct Access {
    /// Web origins (`scheme://host[:port]`) whose pages may call the API, besides its own.
    pub origins: Vec<String>,
    /// Host names the API answers to, besides IP addresses and `localhost`.
    pub hosts: Vec<String>,
    /// Whether `pin/rm` is served.
    pub unpin: bool,
}

impl Access {
    /// Whether a request with these headers may be served; if not, why.
    pub fn check(&self, headers: &HeaderMap) -> Result<(), String> {
        let host = match headers.get(header::HOST) {
            None => None,
            Some(h) => Some(
                h.to_str()
                    .map_err(|_| "403 - Forbidden: the Host header is not text".to_string())?,
            ),
        };
        if let Some(host) = host {
            if !self.host_allowed(host) {
                return Err(format!(
                    "403 - Forbidden: this API does not answer to host '{host}' (allow it with --ipfs-api-allow-host on medchain-node, --allow-host on medchain ipfs serve)"
                ));
            }
        }
        if let Some(origin) = headers.get(header::ORIGIN) {
            let origin = origin
                .to_str()
                .map_err(|_| "403 - Forbidden: the Origin header is not text".to_string())?;
            let own = host.is_some_and(|h| {
                origin.strip_prefix("http://") == Some(h)
                    || origin.strip_prefix("https://") == Some(h)
            });
            let allowed = self
                .origins
                .iter()
                .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin));
            if !own && !allowed {
                return Err(format!(
                    "403 - Forbidden: pages from {origin} may not call this API (allow it with --ipfs-api-allow-origin on medchain-node, --allow-origin on medchain ipfs serve)"
                ));
            }
        }
        Ok(())
    }

    fn host_allowed(&self, host: &str) -> bool {
        let name = host_name(host);
        name.eq_ignore_ascii_case("localhost")
            || name.parse::<std::net::IpAddr>().is_ok()
            || self
                .hosts
                .iter()
                .any(|h| h.eq_ignore_ascii_case(name) || h.eq_ignore_ascii_case(host))
    }
}

/// The name in a `Host` header: without its port, and an IPv6 address without its brackets.
fn host_name(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default();
    }
    match host.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(host: Option<&str>, origin: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(host) = host {
            h.insert(header::HOST, HeaderValue::from_str(host).expect("header"));
        }
        if let Some(origin) = origin {
            h.insert(
                header::ORIGIN,
                HeaderValue::from_str(origin).expect("header"),
            );
        }
        h
    }

    #[test]
    fn clients_without_a_page_are_served_on_addresses_and_localhost() {
        let a = Access::default();
        for host in [
            "127.0.0.1:5001",
            "localhost:5001",
            "[::1]:5001",
            "10.0.0.7",
            "LOCALHOST",
        ] {
            assert_eq!(a.check(&headers(Some(host), None)), Ok(()), "{host}");
        }
        assert_eq!(a.check(&headers(None, None)), Ok(()));
    }

    #[test]
    fn a_rebinding_domain_is_refused_unless_allowed() {
        let a = Access::default();
        let rebound = headers(Some("evil.example:5001"), Some("http://evil.example:5001"));
        assert!(a
            .check(&rebound)
            .is_err_and(|e| e.contains("host 'evil.example:5001'")));
        let named = Access {
            hosts: vec!["ipfs.hospital.example".into()],
            ..Access::default()
        };
        assert_eq!(
            named.check(&headers(Some("ipfs.hospital.example:5001"), None)),
            Ok(())
        );
        assert!(named.check(&headers(Some("other.example"), None)).is_err());
    }

    #[test]
    fn pages_of_other_origins_are_refused_unless_allowed() {
        let a = Access {
            origins: vec!["http://127.0.0.1:8080/".into()],
            ..Access::default()
        };
        let from = |o| a.check(&headers(Some("127.0.0.1:5001"), Some(o)));
        assert!(from("https://evil.example").is_err_and(|e| e.contains("evil.example")));
        assert!(from("null").is_err());
        assert_eq!(from("http://127.0.0.1:8080"), Ok(()));
        // The API's own address is its own origin.
        assert_eq!(from("http://127.0.0.1:5001"), Ok(()));
    }
}
