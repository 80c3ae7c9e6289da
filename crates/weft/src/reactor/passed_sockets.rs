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
use std::os::fd::{BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::sync::{Mutex, PoisonError};

use socket2::{Domain, SockRef, Socket, Type};

use super::listener::Bound;
use super::stream::ListenSocket;
use crate::Error;
use crate::endpoints::{PassedSocket, ServerEndpoint, SocketDomain, SystemdListenOptions};

/// The first file descriptor systemd passes (`SD_LISTEN_FDS_START`).
const FIRST_FD: RawFd = 3;

/// The descriptors an endpoint of this process took already.
static TAKEN: Mutex<BTreeSet<RawFd>> = Mutex::new(BTreeSet::new());

/// The sockets systemd passed: how many (descriptors 3, 4, …) and their
/// names, if it gave names.
#[derive(Debug, PartialEq, Eq)]
struct Passed {
    count: RawFd,
    names: Vec<String>,
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
    fn passed(&self) -> Result<Passed, String> {
        let Some(count) = &self.listen_fds else {
            return Err("systemd passed no socket: LISTEN_FDS is not set \
                        (run under a socket unit, or systemd-socket-activate)"
                .into());
        };
        let count: RawFd = count
            .parse()
            .ok()
            .filter(|count: &RawFd| *count >= 0 && count.checked_add(FIRST_FD).is_some())
            .ok_or_else(|| format!("LISTEN_FDS '{count}' is not a count of descriptors"))?;
        let limit = open_file_limit();
        if i64::from(count) > limit {
            return Err(format!(
                "LISTEN_FDS {count} is more descriptors than this process may have ({limit})"
            ));
        }
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
        let names = self.names.as_deref().map_or_else(Vec::new, |names| {
            names.split(':').map(str::to_owned).collect()
        });
        Ok(Passed { count, names })
    }
}

/// How many descriptors this process may have open (its soft
/// `RLIMIT_NOFILE`).
fn open_file_limit() -> i64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the limit into the struct it is given.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } < 0 {
        return i64::from(i32::MAX);
    }
    i64::try_from(limit.rlim_cur).unwrap_or(i64::MAX)
}

/// The passed socket `options` names, taken for this endpoint and checked
/// to be a listening socket of its domain.
pub(crate) fn take(options: &SystemdListenOptions) -> Result<Bound, Error> {
    let fail = |why: String| Error::Listen {
        address: ServerEndpoint::Systemd(options.clone()).to_string(),
        source: io::Error::new(io::ErrorKind::InvalidInput, why),
    };
    let passed = Environment::of_this_process().passed().map_err(fail)?;
    keep_from_children(&passed);
    let fd = choose(&passed, &options.socket).map_err(fail)?;
    own(fd, options.domain).map_err(fail)
}

/// Marks every passed descriptor close-on-exec (as `sd_listen_fds` does),
/// once per process, so that child processes do not inherit the sockets.
fn keep_from_children(passed: &Passed) {
    static DONE: std::sync::Once = std::sync::Once::new();
    DONE.call_once(|| {
        for fd in FIRST_FD..FIRST_FD + passed.count {
            // SAFETY: fcntl on a descriptor number changes at most that
            // descriptor's flags; one that is not open gives EBADF.
            unsafe {
                let flags = libc::fcntl(fd, libc::F_GETFD);
                if flags >= 0 {
                    libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
                }
            }
        }
    });
}

/// The descriptor of the socket `wanted` names among `passed`.
fn choose(passed: &Passed, wanted: &PassedSocket) -> Result<RawFd, String> {
    let index = match wanted {
        PassedSocket::Index(index) => RawFd::try_from(*index).ok().filter(|i| *i < passed.count),
        PassedSocket::Name(name) => passed
            .names
            .iter()
            .position(|given| given == name)
            .and_then(|i| RawFd::try_from(i).ok())
            .filter(|i| *i < passed.count),
    };
    index
        .map(|index| FIRST_FD + index)
        .ok_or_else(|| match wanted {
            PassedSocket::Index(index) => format!(
                "index {index} asked for, but systemd passed {} socket(s)",
                passed.count
            ),
            PassedSocket::Name(name) => format!(
                "no socket named '{name}' was passed (the names: {})",
                passed.names.join(", ")
            ),
        })
}

/// Takes ownership of `fd`, once per process, after checking that it is
/// a listening stream socket of `domain`: a descriptor refused is left
/// open and untaken.
fn own(fd: RawFd, domain: SocketDomain) -> Result<Bound, String> {
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
    // SAFETY: the descriptor is open (checked above) and stays so while
    // borrowed here: this process closes it only through the owner made
    // below, once, under TAKEN.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    check(SockRef::from(&borrowed), fd, domain)?;
    taken.insert(fd);
    // SAFETY: the descriptor is open, systemd passed it to this very
    // process (LISTEN_PID), and TAKEN makes this the only owner the
    // process ever makes of it.
    let socket = Socket::from(unsafe { OwnedFd::from_raw_fd(fd) });
    listening(socket, domain)
}

/// Whether `socket` (descriptor `fd`) is a listening stream socket of
/// `domain`; if not, why.
fn check(socket: SockRef<'_>, fd: RawFd, domain: SocketDomain) -> Result<(), String> {
    let io = |error: io::Error| error.to_string();
    let family = socket.domain().map_err(io)?;
    if family != domain_of(domain) || socket.r#type().map_err(io)? != Type::STREAM {
        return Err(format!(
            "file descriptor {fd} is not a stream socket of domain {}",
            domain.name()
        ));
    }
    if !socket.is_listener().map_err(io)? {
        return Err(format!("file descriptor {fd} is not listening"));
    }
    Ok(())
}

/// `socket`, checked already, made non-blocking and closed on exec, as
/// the reactor's listening socket.
fn listening(socket: Socket, domain: SocketDomain) -> Result<Bound, String> {
    let io = |error: io::Error| error.to_string();
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
    fn the_passed_sockets_start_at_three_and_are_found_by_index_or_name() {
        let passed = environment("4242", "2", Some("telnet:web"))
            .passed()
            .unwrap();
        assert_eq!(passed.count, 2);
        assert_eq!(choose(&passed, &PassedSocket::Index(1)), Ok(4));
        assert_eq!(choose(&passed, &PassedSocket::Name("telnet".into())), Ok(3));
        assert_eq!(choose(&passed, &PassedSocket::Name("web".into())), Ok(4));
    }

    #[test]
    fn sockets_for_another_process_or_none_at_all_are_refused_with_the_reason() {
        let other = environment("17", "1", None).passed().unwrap_err();
        assert!(
            other.contains("for process 17, not this one (4242)"),
            "{other}"
        );
        for garbled in ["two", "-1", "4000000000"] {
            let why = environment("4242", garbled, None).passed().unwrap_err();
            assert!(why.contains("is not a count of descriptors"), "{why}");
        }
        let huge = environment("4242", "2000000000", None)
            .passed()
            .unwrap_err();
        assert!(
            huge.contains("more descriptors than this process may have"),
            "{huge}"
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
    fn a_socket_of_the_wrong_kind_is_named_and_left_open() {
        let udp = Socket::new(Domain::IPV4, Type::DGRAM, None).unwrap();
        let why = check(SockRef::from(&udp), 9, SocketDomain::Inet).unwrap_err();
        assert_eq!(
            why,
            "file descriptor 9 is not a stream socket of domain INET"
        );
        let unbound = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        let why = check(SockRef::from(&unbound), 9, SocketDomain::Inet).unwrap_err();
        assert_eq!(why, "file descriptor 9 is not listening");
        let why = check(SockRef::from(&unbound), 9, SocketDomain::Unix).unwrap_err();
        assert_eq!(
            why,
            "file descriptor 9 is not a stream socket of domain UNIX"
        );
        // Refused by `own`, a descriptor stays open and can be taken as
        // what it is.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let fd = std::os::fd::IntoRawFd::into_raw_fd(listener);
        let why = own(fd, SocketDomain::Unix).err().unwrap();
        assert!(
            why.ends_with("is not a stream socket of domain UNIX"),
            "{why}"
        );
        assert!(own(fd, SocketDomain::Inet).is_ok(), "still open, not taken");
    }
}
