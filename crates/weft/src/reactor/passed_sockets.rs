//! Listening sockets systemd passed to this process (socket activation,
//! as `sd_listen_fds` reads them): which file descriptors they are, each
//! taken once, and checked to be what the endpoint says.
//!
//! systemd opens the sockets of a socket unit, starts the service with
//! them as file descriptors 3, 4, … and says so in the environment:
//! `LISTEN_PID` (the process they are for), `LISTEN_FDS` (how many) and
//! `LISTEN_FDNAMES` (their names, `:`-separated, from the unit's
//! `FileDescriptorName=`). The server listens on them from the start, so
//! it can restart without refusing a connection.

use std::collections::BTreeSet;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::sync::{Mutex, PoisonError};

use socket2::{Domain, Socket, Type};

use super::listener::Bound;
use super::stream::ListenSocket;
use crate::Error;
use crate::endpoints::{PassedSocket, ServerEndpoint, SocketDomain, SystemdListenOptions};

/// The first file descriptor systemd passes (`SD_LISTEN_FDS_START`).
const FIRST_FD: RawFd = 3;

/// The descriptors an endpoint of this process took already.
static TAKEN: Mutex<BTreeSet<RawFd>> = Mutex::new(BTreeSet::new());

/// A socket systemd passed: its descriptor, and its name if it has one.
#[derive(Debug, PartialEq, Eq)]
struct Passed {
    fd: RawFd,
    name: Option<String>,
}

/// What systemd's variables say, as found in the environment.
struct Environment {
    listen_pid: Option<String>,
    listen_fds: Option<String>,
    names: Option<String>,
    pid: u32,
}

impl Environment {
    fn of_this_process() -> Environment {
        let var = |name| std::env::var(name).ok();
        Environment {
            listen_pid: var("LISTEN_PID"),
            listen_fds: var("LISTEN_FDS"),
            names: var("LISTEN_FDNAMES"),
            pid: std::process::id(),
        }
    }

    /// The sockets it says were passed to this process, or why none were.
    fn passed(&self) -> Result<Vec<Passed>, String> {
        let Some(count) = &self.listen_fds else {
            return Err("systemd passed no socket: LISTEN_FDS is not set \
                        (run under a socket unit, or systemd-socket-activate)"
                .into());
        };
        let count: usize = count
            .parse()
            .map_err(|_| format!("LISTEN_FDS '{count}' is not a number"))?;
        match &self.listen_pid {
            Some(pid) if pid.parse() == Ok(self.pid) => {}
            Some(pid) => {
                return Err(format!(
                    "the sockets are for process {pid}, not this one ({}): LISTEN_PID",
                    self.pid
                ));
            }
            None => return Err("LISTEN_FDS is set but LISTEN_PID is not".into()),
        }
        let mut names = self.names.as_deref().map(|names| names.split(':'));
        (0..count)
            .map(|index| {
                let fd = RawFd::try_from(index)
                    .ok()
                    .and_then(|index| FIRST_FD.checked_add(index))
                    .ok_or_else(|| format!("LISTEN_FDS {count} is more than can be"))?;
                let name = names.as_mut().and_then(Iterator::next).map(str::to_owned);
                Ok(Passed { fd, name })
            })
            .collect()
    }
}

/// The passed socket `options` names, taken for this endpoint and checked
/// to be a listening socket of its domain.
pub(crate) fn take(options: &SystemdListenOptions) -> Result<Bound, Error> {
    let fail = |why: String| Error::Listen {
        address: ServerEndpoint::Systemd(options.clone()).to_string(),
        source: io::Error::new(io::ErrorKind::InvalidInput, why),
    };
    let passed = Environment::of_this_process().passed().map_err(fail)?;
    let fd = choose(&passed, &options.socket).map_err(fail)?;
    let socket = own(fd).map_err(fail)?;
    listening(socket, options.domain).map_err(fail)
}

/// The descriptor of the socket `wanted` names among `passed`.
fn choose(passed: &[Passed], wanted: &PassedSocket) -> Result<RawFd, String> {
    let found = match wanted {
        PassedSocket::Index(index) => passed.get(*index),
        PassedSocket::Name(name) => passed.iter().find(|p| p.name.as_ref() == Some(name)),
    };
    found.map(|p| p.fd).ok_or_else(|| match wanted {
        PassedSocket::Index(index) => format!(
            "index {index} asked for, but systemd passed {} socket(s)",
            passed.len()
        ),
        PassedSocket::Name(name) => {
            let names: Vec<&str> = passed
                .iter()
                .map(|p| p.name.as_deref().unwrap_or("(no name)"))
                .collect();
            format!(
                "no socket named '{name}' was passed (the names: {})",
                names.join(", ")
            )
        }
    })
}

/// Takes ownership of `fd`, once per process.
fn own(fd: RawFd) -> Result<Socket, String> {
    let mut taken = TAKEN.lock().unwrap_or_else(PoisonError::into_inner);
    if taken.contains(&fd) {
        return Err(format!(
            "file descriptor {fd} is served by another endpoint already"
        ));
    }
    // SAFETY: fcntl with F_GETFD only reads the descriptor's flags.
    if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
        return Err(format!("file descriptor {fd} is not open"));
    }
    taken.insert(fd);
    // SAFETY: the descriptor is open (checked above), systemd passed it to
    // this very process (LISTEN_PID), and TAKEN makes this the only owner
    // the process ever makes of it.
    Ok(Socket::from(unsafe { OwnedFd::from_raw_fd(fd) }))
}

/// `socket`, checked to be a listening stream socket of `domain`, made
/// non-blocking and closed on exec.
fn listening(socket: Socket, domain: SocketDomain) -> Result<Bound, String> {
    let io = |error: io::Error| error.to_string();
    let fd = std::os::fd::AsRawFd::as_raw_fd(&socket);
    let (family, expected) = (socket.domain().map_err(io)?, domain_of(domain));
    if family != expected || socket.r#type().map_err(io)? != Type::STREAM {
        return Err(format!(
            "file descriptor {fd} is not a stream socket of domain {}",
            domain.name()
        ));
    }
    if !socket.is_listener().map_err(io)? {
        return Err(format!("file descriptor {fd} is not listening"));
    }
    socket.set_nonblocking(true).map_err(io)?;
    socket.set_cloexec(true).map_err(io)?;
    let socket = match domain {
        SocketDomain::Inet | SocketDomain::Inet6 => ListenSocket::Tcp(
            mio::net::TcpListener::from_std(std::net::TcpListener::from(socket)),
        ),
        SocketDomain::Unix => ListenSocket::Unix(mio::net::UnixListener::from_std(
            std::os::unix::net::UnixListener::from(OwnedFd::from(socket)),
        )),
    };
    Ok(Bound::passed(socket))
}

fn domain_of(domain: SocketDomain) -> Domain {
    match domain {
        SocketDomain::Inet => Domain::IPV4,
        SocketDomain::Inet6 => Domain::IPV6,
        SocketDomain::Unix => Domain::UNIX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn environment(pid: &str, fds: &str, names: Option<&str>) -> Environment {
        Environment {
            listen_pid: Some(pid.into()),
            listen_fds: Some(fds.into()),
            names: names.map(str::to_owned),
            pid: 4242,
        }
    }

    #[test]
    fn the_passed_sockets_start_at_three_and_carry_their_names() {
        let passed = environment("4242", "2", Some("telnet:web"))
            .passed()
            .unwrap();
        assert_eq!(
            passed,
            [
                Passed {
                    fd: 3,
                    name: Some("telnet".into())
                },
                Passed {
                    fd: 4,
                    name: Some("web".into())
                },
            ]
        );
        assert_eq!(choose(&passed, &PassedSocket::Index(1)), Ok(4));
        assert_eq!(choose(&passed, &PassedSocket::Name("telnet".into())), Ok(3));
    }

    #[test]
    fn sockets_for_another_process_or_none_at_all_are_refused_with_the_reason() {
        let other = environment("17", "1", None).passed().unwrap_err();
        assert!(
            other.contains("for process 17, not this one (4242)"),
            "{other}"
        );
        let garbled = environment("4242", "two", None).passed().unwrap_err();
        assert!(
            garbled.contains("LISTEN_FDS 'two' is not a number"),
            "{garbled}"
        );
        let unset = Environment {
            listen_pid: None,
            listen_fds: None,
            names: None,
            pid: 4242,
        };
        assert!(
            unset
                .passed()
                .unwrap_err()
                .contains("LISTEN_FDS is not set")
        );
    }

    #[test]
    fn a_socket_that_was_not_passed_is_named_with_what_was() {
        let passed = environment("4242", "1", Some("telnet")).passed().unwrap();
        let past = choose(&passed, &PassedSocket::Index(1)).unwrap_err();
        assert_eq!(past, "index 1 asked for, but systemd passed 1 socket(s)");
        let unknown = choose(&passed, &PassedSocket::Name("web".into())).unwrap_err();
        assert_eq!(
            unknown,
            "no socket named 'web' was passed (the names: telnet)"
        );
    }

    #[test]
    fn a_socket_of_the_wrong_kind_is_named() {
        let udp = Socket::new(Domain::IPV4, Type::DGRAM, None).unwrap();
        let why = listening(udp, SocketDomain::Inet).err().unwrap();
        assert!(
            why.ends_with("is not a stream socket of domain INET"),
            "{why}"
        );
        let unbound = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        let why = listening(unbound, SocketDomain::Inet).err().unwrap();
        assert!(why.ends_with("is not listening"), "{why}");
        let tcp = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        let why = listening(tcp, SocketDomain::Unix).err().unwrap();
        assert!(
            why.ends_with("is not a stream socket of domain UNIX"),
            "{why}"
        );
    }
}
