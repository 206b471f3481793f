//! Who may do what: the rules every request passes before a handler sees it.
//!
//! - **Host.** The `Host` header must name this server: a loopback name (`localhost`,
//!   `127.0.0.1`, `[::1]`) or the address it was bound to. A page on another site that rebinds
//!   its DNS name to 127.0.0.1 sends its own name and gets 403 (as Ollama's CVE-2024-28224).
//! - **Token.** With an access token set, every route needs it: `Authorization: Bearer` or the
//!   `nightshift_token` cookie, which a browser gets by giving the token to `/login` (the one
//!   route open without it). Without a token, the server listens on loopback only ([`bind`]).
//! - **Origin.** A request that changes state (anything but GET, HEAD, OPTIONS) must carry the
//!   token in its `Authorization` header, or come from this server's own pages (`Origin` equal
//!   to its own, or `Sec-Fetch-Site: same-origin`), or come from a loopback client that sends
//!   neither header (curl, a script): a browser always sends `Origin` on a cross-site POST, so
//!   no page the user visits can queue a task or pause the agent — not even with a "simple"
//!   `text/plain` request, which needs no CORS preflight. There are no CORS headers at all.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::connect_info::MockConnectInfo;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;

use crate::error::ApiError;

/// The page a browser gives the token to, for a cookie: the only route open without it.
pub(crate) const LOGIN_PATH: &str = "/login";
/// The cookie that carries the token.
pub(crate) const TOKEN_COOKIE: &str = "nightshift_token";

/// Shortest access token accepted: a short one could be guessed.
pub const MIN_TOKEN_CHARS: usize = 16;

/// Who may reach the server and change things.
#[derive(Debug, Clone)]
pub struct Access {
    token: Option<String>,
    /// Host names (lower case, no port) requests may name.
    hosts: Vec<String>,
}

impl Access {
    /// The rules for a server bound to `addr`, with `token` (if any) required on every route.
    pub fn new(addr: SocketAddr, token: Option<String>) -> Self {
        let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "[::1]"]
            .map(str::to_owned)
            .to_vec();
        if !addr.ip().is_unspecified() && !addr.ip().is_loopback() {
            hosts.push(match addr.ip() {
                IpAddr::V4(ip) => ip.to_string(),
                IpAddr::V6(ip) => format!("[{ip}]"),
            });
        }
        Self { token, hosts }
    }

    /// Also accepts requests that name the server `host` (a name it is reached by).
    #[must_use]
    pub fn with_host(mut self, host: &str) -> Self {
        self.hosts.push(host.to_ascii_lowercase());
        self
    }

    /// Whether `host` (a `Host` header: name, optional port) names this server.
    fn is_ours(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        let name = match host.rfind(':') {
            // A port follows the last colon, unless the colon is inside an IPv6 literal.
            Some(colon) if !host[colon..].contains(']') => &host[..colon],
            _ => host.as_str(),
        };
        self.hosts.iter().any(|h| h == name)
    }

    /// Whether a token is required.
    pub(crate) fn needs_token(&self) -> bool {
        self.token.is_some()
    }

    /// Whether `given` is the token (compared in constant time).
    pub(crate) fn is_token(&self, given: Option<&str>) -> bool {
        match (&self.token, given) {
            (Some(token), Some(given)) => {
                token.len() == given.len()
                    && token
                        .bytes()
                        .zip(given.bytes())
                        .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                        == 0
            }
            _ => false,
        }
    }
}

/// Why the server does not start.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    /// A non-loopback address without a token would hand the agent to the network.
    #[error(
        "refusing to listen on {0}, which is not a loopback address, without an access token: \
         set `access_token` (at least {MIN_TOKEN_CHARS} characters) in your own configuration, \
         or bind to 127.0.0.1"
    )]
    NoToken(SocketAddr),
    /// The token is too short to keep anyone out.
    #[error("the access token has {0} characters; it needs at least {MIN_TOKEN_CHARS}")]
    ShortToken(usize),
    /// The address cannot be had.
    #[error(
        "cannot listen on {addr}: {source} (another nightshift serving there? FLASK_PORT sets the port)"
    )]
    Io {
        /// The address.
        addr: SocketAddr,
        /// What the system said.
        source: std::io::Error,
    },
}

/// Listens on `addr`: any loopback address; another only with a token.
pub async fn bind(addr: SocketAddr, token: Option<&str>) -> Result<TcpListener, BindError> {
    if let Some(token) = token
        && token.chars().count() < MIN_TOKEN_CHARS
    {
        return Err(BindError::ShortToken(token.chars().count()));
    }
    if !addr.ip().is_loopback() && token.is_none() {
        return Err(BindError::NoToken(addr));
    }
    TcpListener::bind(addr)
        .await
        .map_err(|source| BindError::Io { addr, source })
}

/// The middleware enforcing [`Access`] (see the module's documentation).
pub(crate) async fn guard(
    State(access): State<Arc<Access>>,
    request: Request,
    next: Next,
) -> Response {
    match check(&access, &request) {
        Ok(()) => next.run(request).await,
        Err(err) => err.into_response(),
    }
}

fn check(access: &Access, request: &Request) -> Result<(), ApiError> {
    let headers = request.headers();
    let host = text(headers, header::HOST.as_str()).unwrap_or_default();
    if !access.is_ours(host) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("host {host:?} does not name this server"),
        ));
    }
    let bearer = text(headers, header::AUTHORIZATION.as_str())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim);
    let by_header = access.is_token(bearer);
    let login = request.uri().path() == LOGIN_PATH;
    if access.token.is_some() && !by_header && !login && !access.is_token(cookie(headers)) {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "this server needs its access token: `Authorization: Bearer <token>`, or log in at /login",
        ));
    }
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if safe || by_header {
        return Ok(());
    }
    let origin = text(headers, header::ORIGIN.as_str());
    let site = text(headers, "sec-fetch-site");
    // The peer as the server saw it (or as a test set it, by axum's `MockConnectInfo`).
    let extensions = request.extensions();
    let from_loopback = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| *peer)
        .or_else(|| {
            extensions
                .get::<MockConnectInfo<SocketAddr>>()
                .map(|MockConnectInfo(peer)| *peer)
        })
        .is_some_and(|peer| peer.ip().is_loopback());
    let allowed = match (origin, site) {
        (Some(origin), _) => origin.eq_ignore_ascii_case(&format!("http://{host}")),
        (None, Some(site)) => site == "same-origin",
        (None, None) => from_loopback,
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "a request that changes state must come from this server's own pages, carry the \
             access token, or come from this machine without an Origin",
        ))
    }
}

/// A header's value as text, if it is there and is text.
fn text<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// The `nightshift_token` cookie.
fn cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| {
            pair.trim()
                .strip_prefix(TOKEN_COOKIE)
                .and_then(|rest| rest.strip_prefix('='))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_named_with_or_without_a_port() {
        let access = Access::new("127.0.0.1:5000".parse().unwrap(), None);
        for ours in [
            "127.0.0.1:5000",
            "localhost",
            "LOCALHOST:80",
            "[::1]:5000",
            "[::1]",
        ] {
            assert!(access.is_ours(ours), "{ours}");
        }
        for theirs in [
            "evil.example:5000",
            "127.0.0.1.evil.example",
            "",
            "::1",
            "10.0.0.2",
        ] {
            assert!(!access.is_ours(theirs), "{theirs}");
        }
        let public = Access::new("10.0.0.2:5000".parse().unwrap(), None).with_host("box.lan");
        assert!(public.is_ours("10.0.0.2:5000") && public.is_ours("box.lan:5000"));
    }

    #[test]
    fn tokens_match_whole() {
        let access = Access::new(
            "127.0.0.1:0".parse().unwrap(),
            Some("0123456789abcdef".to_owned()),
        );
        assert!(access.is_token(Some("0123456789abcdef")));
        for wrong in [
            "0123456789abcde",
            "0123456789abcdeF",
            "0123456789abcdef0",
            "",
        ] {
            assert!(!access.is_token(Some(wrong)), "{wrong}");
        }
        assert!(!access.is_token(None));
    }
}
