//! Listening sockets: binding, accepting (with back-off when the process
//! runs out of file descriptors), and the [`ListeningPort`] handle.

use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::rc::{Rc, Weak};
use std::time::{Duration, Instant};

use socket2::{Domain, Socket, Type};

use super::Inner;
use super::sources::{Source, SourceKey};
use super::stream::ListenSocket;
use crate::endpoints::{TcpListenOptions, UnixListenOptions};
use crate::panic_guard::catch_panic;
use crate::{Address, Error, Factory, Protocol};

/// Accepts one listener makes per loop iteration before other work.
const ACCEPTS_PER_TURN: usize = 64;
/// First pause after the process ran out of descriptors; doubles up to
/// [`MAX_BACKOFF`] while the shortage lasts.
const FIRST_BACKOFF: Duration = Duration::from_millis(10);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

type ErasedFactory = Box<dyn FnMut(&Address) -> Option<Box<dyn Protocol>>>;

/// A listening socket ready to be served, and the socket file to remove
/// when it stops: that of a Unix socket this reactor bound, never that of
/// one it was passed (its service manager keeps the file for the next
/// start).
pub(crate) struct Bound {
    socket: ListenSocket,
    file: Option<SocketFile>,
}

impl Bound {
    /// A socket this reactor did not bind: its file, if any, is left alone.
    pub(crate) fn passed(socket: ListenSocket) -> Bound {
        Bound { socket, file: None }
    }
}

/// A listening socket in the reactor's table.
pub(crate) struct Listener {
    socket: ListenSocket,
    /// `None` only while the factory runs.
    factory: Option<ErasedFactory>,
    address: Address,
    /// The socket file to remove when listening stops (Unix sockets).
    unlink: Option<SocketFile>,
    /// Accepting is paused after an accept failure.
    paused: bool,
    /// The loop iteration of this listener's last accept turn.
    accept_turn: u64,
    /// In the reactor's list of listeners to accept on next iteration.
    accept_queued: bool,
    /// The pause after the next failure: doubles while failures go on,
    /// back to [`FIRST_BACKOFF`] after a success.
    backoff: Duration,
}

/// A port the reactor listens on (Twisted's `IListeningPort`).
///
/// Dropping the handle does not stop listening; [`stop_listening`](Self::stop_listening)
/// does, and the reactor's stop does for every port.
#[derive(Clone, Debug)]
pub struct ListeningPort {
    reactor: Weak<Inner>,
    key: SourceKey,
    address: Address,
}

impl ListeningPort {
    /// The address actually bound (with the real port when 0 was asked).
    pub fn address(&self) -> &Address {
        &self.address
    }

    /// Stops accepting connections and closes the socket (removing a Unix
    /// socket's file). Open connections are not affected. Returns `false`
    /// if the port was already closed.
    pub fn stop_listening(&self) -> bool {
        match self.reactor.upgrade() {
            Some(inner) => inner.close_listener(self.key),
            None => false,
        }
    }

    /// Whether the port still listens.
    pub fn is_listening(&self) -> bool {
        self.reactor.upgrade().is_some_and(|inner| {
            matches!(
                inner.sources.borrow().get(self.key),
                Some(Source::Listener(_))
            )
        })
    }
}

/// Binds and listens on TCP as `options` say.
pub(crate) fn bind_tcp(options: &TcpListenOptions) -> Result<Bound, Error> {
    let fail = |source: io::Error| Error::Listen {
        address: options.address.to_string(),
        source,
    };
    let socket = Socket::new(
        Domain::for_address(options.address),
        Type::STREAM.nonblocking().cloexec(),
        None,
    )
    .map_err(fail)?;
    socket.set_reuse_address(true).map_err(fail)?;
    if options.reuse_port {
        socket.set_reuse_port(true).map_err(fail)?;
    }
    socket.bind(&options.address.into()).map_err(fail)?;
    socket.listen(backlog(options.backlog)).map_err(fail)?;
    let listener = std::net::TcpListener::from(socket);
    Ok(Bound::passed(ListenSocket::Tcp(
        mio::net::TcpListener::from_std(listener),
    )))
}

/// Binds and listens on a Unix socket as `options` say, first removing a
/// stale socket file (one no server answers on).
pub(crate) fn bind_unix(options: &UnixListenOptions) -> Result<Bound, Error> {
    let path = options.path.as_path();
    let fail = |source: io::Error| Error::Listen {
        address: format!("unix:{}", path.display()),
        source,
    };
    remove_stale_socket(path)?;
    let socket =
        Socket::new(Domain::UNIX, Type::STREAM.nonblocking().cloexec(), None).map_err(fail)?;
    let address = socket2::SockAddr::unix(path).map_err(fail)?;
    socket.bind(&address).map_err(fail)?;
    let file = SocketFile::of(path);
    if let Some(mode) = options.mode {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(fail)?;
    }
    socket.listen(backlog(options.backlog)).map_err(fail)?;
    let listener = std::os::unix::net::UnixListener::from(std::os::fd::OwnedFd::from(socket));
    Ok(Bound {
        socket: ListenSocket::Unix(mio::net::UnixListener::from_std(listener)),
        file,
    })
}

/// The file of a Unix socket this reactor bound, as it was when bound:
/// it is removed when listening stops only if the path still names that
/// very file (same device and inode), never a socket another server put
/// there since.
struct SocketFile {
    path: PathBuf,
    device: u64,
    inode: u64,
}

impl SocketFile {
    fn of(path: &Path) -> Option<SocketFile> {
        let metadata = std::fs::symlink_metadata(path).ok()?;
        Some(SocketFile {
            path: path.to_path_buf(),
            device: metadata.dev(),
            inode: metadata.ino(),
        })
    }

    fn remove_if_ours(&self) {
        let ours = std::fs::symlink_metadata(&self.path)
            .is_ok_and(|now| now.dev() == self.device && now.ino() == self.inode);
        if ours {
            let _ = std::fs::remove_file(&self.path);
        } else {
            tracing::info!(path = %self.path.display(),
                "not removing the socket file: another one replaced it");
        }
    }
}

fn backlog(requested: u32) -> i32 {
    i32::try_from(requested).unwrap_or(i32::MAX)
}

fn remove_stale_socket(path: &Path) -> Result<(), Error> {
    use std::os::unix::fs::FileTypeExt;
    let Ok(metadata) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    if !metadata.file_type().is_socket() {
        return Err(Error::Listen {
            address: format!("unix:{}", path.display()),
            source: io::Error::new(
                io::ErrorKind::AlreadyExists,
                "the path exists and is not a socket; remove it or choose another path",
            ),
        });
    }
    match std::os::unix::net::UnixStream::connect(path) {
        Ok(_) => Err(Error::Listen {
            address: format!("unix:{}", path.display()),
            source: io::Error::new(
                io::ErrorKind::AddrInUse,
                "another server is listening on this socket; stop it or choose another path",
            ),
        }),
        Err(_) => {
            tracing::info!(path = %path.display(), "removing a stale socket file");
            std::fs::remove_file(path).map_err(|source| Error::Listen {
                address: format!("unix:{}", path.display()),
                source,
            })
        }
    }
}

/// Registers a bound socket with the reactor and starts accepting.
pub(crate) fn start<F: Factory>(
    inner: &Rc<Inner>,
    bound: Bound,
    mut factory: F,
) -> Result<ListeningPort, Error> {
    let Bound {
        mut socket,
        file: unlink,
    } = bound;
    let address = socket.local_address().map_err(|source| Error::Listen {
        address: "a new listening socket".into(),
        source,
    })?;
    let mut sources = inner.sources.borrow_mut();
    let key = sources.next_key();
    socket
        .register(&inner.registry, key.token())
        .map_err(|source| Error::Listen {
            address: address.to_string(),
            source,
        })?;
    let factory: ErasedFactory = Box::new(move |peer: &Address| {
        factory
            .build_protocol(peer)
            .map(|p| Box::new(p) as Box<dyn Protocol>)
    });
    let listener = Listener {
        socket,
        factory: Some(factory),
        address: address.clone(),
        unlink,
        paused: false,
        accept_turn: u64::MAX,
        accept_queued: false,
        backoff: FIRST_BACKOFF,
    };
    sources.insert(|_| Source::Listener(Box::new(listener)));
    tracing::info!(%address, "listening");
    Ok(ListeningPort {
        reactor: Rc::downgrade(inner),
        key,
        address,
    })
}

impl Inner {
    /// Gives listener `key` its accept turn for this iteration: up to
    /// [`ACCEPTS_PER_TURN`] connections; a listener with more waiting, or
    /// asking for a second turn, waits (once) for the next iteration.
    pub(crate) fn accept(self: &Rc<Self>, key: SourceKey) {
        let iteration = self.iteration.get();
        let Some(first_turn) = self.listener(key, |l| {
            std::mem::replace(&mut l.accept_turn, iteration) != iteration
        }) else {
            return;
        };
        if !first_turn || !self.accept_turn(key) {
            self.queue_accept(key);
        }
    }

    /// Up to [`ACCEPTS_PER_TURN`] accepts; whether the turn ended for a
    /// reason other than the budget.
    fn accept_turn(self: &Rc<Self>, key: SourceKey) -> bool {
        for _ in 0..ACCEPTS_PER_TURN {
            let accepted = self.listener(key, |l| (!l.paused).then(|| l.socket.accept()));
            let Some(Some(accepted)) = accepted else {
                return true;
            };
            match accepted {
                Ok((stream, peer)) => {
                    self.listener(key, |l| l.backoff = FIRST_BACKOFF);
                    if let Some(protocol) = self.build_protocol(key, &peer) {
                        self.adopt(stream, peer, protocol, None);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
                Err(e) if is_transient(&e) => {}
                Err(e) => {
                    self.back_off(key, e);
                    return true;
                }
            }
        }
        false
    }

    /// A listener's turn from the queue of [`queue_accept`](Self::queue_accept).
    pub(crate) fn accept_queued(self: &Rc<Self>, key: SourceKey) {
        self.listener(key, |l| l.accept_queued = false);
        self.accept(key);
    }

    fn queue_accept(&self, key: SourceKey) {
        let first = self.listener(key, |l| !std::mem::replace(&mut l.accept_queued, true));
        if first == Some(true) {
            self.accept_again.borrow_mut().push(key);
        }
    }

    /// Stops accepting for a while after an accept error such as
    /// running out of descriptors, then tries again: no busy loop, and
    /// recovery as soon as descriptors free up.
    fn back_off(self: &Rc<Self>, key: SourceKey, error: io::Error) {
        let Some(delay) = self.listener(key, |l| {
            l.paused = true;
            let delay = l.backoff;
            l.backoff = (delay * 2).min(MAX_BACKOFF);
            delay
        }) else {
            return;
        };
        tracing::warn!(%error, ?delay, "cannot accept connections; pausing accepts");
        let weak = Rc::downgrade(self);
        let retry = move || {
            if let Some(inner) = weak.upgrade() {
                inner.listener(key, |l| l.paused = false);
                inner.queue_accept(key);
            }
        };
        self.timers
            .schedule(Instant::now() + delay, Box::new(retry));
    }

    fn build_protocol(&self, key: SourceKey, peer: &Address) -> Option<Box<dyn Protocol>> {
        let mut factory = self.listener(key, |l| l.factory.take())??;
        let built = catch_panic("build_protocol", || factory(peer))
            .ok()
            .flatten();
        self.listener(key, |l| l.factory = Some(factory));
        if built.is_none() {
            tracing::debug!(%peer, "the factory refused a connection");
        }
        built
    }

    fn listener<R>(&self, key: SourceKey, f: impl FnOnce(&mut Listener) -> R) -> Option<R> {
        match self.sources.borrow_mut().get_mut(key) {
            Some(Source::Listener(l)) => Some(f(l)),
            _ => None,
        }
    }

    /// Closes listener `key`; `false` if it was already gone.
    pub(crate) fn close_listener(&self, key: SourceKey) -> bool {
        let removed = {
            let mut sources = self.sources.borrow_mut();
            match sources.get(key) {
                Some(Source::Listener(_)) => sources.remove(key),
                _ => return false,
            }
        };
        if let Some(Source::Listener(mut listener)) = removed {
            listener.socket.deregister(&self.registry);
            tracing::info!(address = %listener.address, "stopped listening");
            if let Some(file) = listener.unlink.take() {
                file.remove_if_ours();
            }
        }
        true
    }

    /// Keys of every listener.
    pub(crate) fn listener_keys(&self) -> Vec<SourceKey> {
        self.sources
            .borrow()
            .keys()
            .filter_map(|(key, source)| matches!(source, Source::Listener(_)).then_some(key))
            .collect()
    }
}

/// Accept errors that concern one connection only (it went away before we
/// accepted it, or a signal interrupted the call).
fn is_transient(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::PermissionDenied
    ) || error.raw_os_error() == Some(libc::EPROTO)
}
