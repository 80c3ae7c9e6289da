//! `systemd:` descriptions: a listening socket the service manager
//! opened and passed on (socket activation).

use super::{Description, EndpointError, ServerEndpoint};

const SERVER_FORM: &str = "systemd:domain=INET|INET6|UNIX:index=N or systemd:domain=…:name=NAME";

/// A listening socket systemd passed to this process (`sd_listen_fds`):
/// the one at `socket` among those it passed, which must be of `domain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemdListenOptions {
    /// The kind of socket the endpoint expects.
    pub domain: SocketDomain,
    /// Which of the passed sockets.
    pub socket: PassedSocket,
}

/// The family of a passed listening socket (Twisted's `domain=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketDomain {
    /// TCP over IPv4.
    Inet,
    /// TCP over IPv6.
    Inet6,
    /// A Unix stream socket.
    Unix,
}

impl SocketDomain {
    /// The name the description uses.
    pub fn name(self) -> &'static str {
        match self {
            SocketDomain::Inet => "INET",
            SocketDomain::Inet6 => "INET6",
            SocketDomain::Unix => "UNIX",
        }
    }
}

/// Which of the sockets systemd passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PassedSocket {
    /// By position: 0 is the first (file descriptor 3).
    Index(usize),
    /// By the name the socket unit gives it (`FileDescriptorName=`,
    /// passed in `LISTEN_FDNAMES`).
    Name(String),
}

/// A socket passed by systemd.
pub(super) fn parse_server(d: &mut Description) -> Result<ServerEndpoint, EndpointError> {
    let form = SERVER_FORM;
    d.check(&[], &["domain", "index", "name"], form)?;
    let domain = match d.required("domain", form)? {
        "INET" => SocketDomain::Inet,
        "INET6" => SocketDomain::Inet6,
        "UNIX" => SocketDomain::Unix,
        other => {
            let fault = format!("domain '{other}' is not INET, INET6 or UNIX");
            return Err(d.error(fault, form));
        }
    };
    let socket = match (d.get("index"), d.get("name")) {
        (Some(index), None) => PassedSocket::Index(
            index
                .parse()
                .map_err(|_| d.error(format!("index '{index}' is not a number from 0"), form))?,
        ),
        (None, Some(name)) if !name.is_empty() => PassedSocket::Name(name.to_owned()),
        (None, Some(_)) => return Err(d.error("the name is empty".into(), form)),
        (None, None) => return Err(d.error("index= or name= is missing".into(), form)),
        (Some(_), Some(_)) => {
            return Err(d.error("give index= or name=, not both".into(), form));
        }
    };
    Ok(ServerEndpoint::Systemd(SystemdListenOptions {
        domain,
        socket,
    }))
}
