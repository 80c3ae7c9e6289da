//! [`TlsSession`]: one connection's TLS state (rustls's sans-I/O
//! connection), shared by the layer that decrypts what comes up and the
//! transport that encrypts what goes down; and the handle a protocol
//! reaches it by.

use std::cell::{Cell, RefCell};
use std::io;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, Connection, ServerConfig, ServerConnection};

use crate::Transport;
use crate::layer::WritePath;
use crate::time::{DelayedCall, Scheduler, Timers};
use crate::transport::CloseKind;

/// How a connection starts speaking TLS: as a server or as a client,
/// with its configuration.
#[derive(Clone, Debug)]
pub enum TlsRole {
    /// Answer a client's handshake.
    Server(Arc<ServerConfig>),
    /// Start a handshake with the server named `server_name` (used for
    /// SNI and checked against the server's certificate).
    Client(Arc<ClientConfig>, ServerName<'static>),
}

impl TlsRole {
    fn connect(self) -> Result<Connection, rustls::Error> {
        Ok(match self {
            TlsRole::Server(config) => Connection::Server(ServerConnection::new(config)?),
            TlsRole::Client(config, name) => {
                Connection::Client(ClientConnection::new(config, name)?)
            }
        })
    }
}

/// Why [`TlsSession::start_tls`] refused.
#[derive(Debug, thiserror::Error)]
pub enum StartTlsError {
    /// The connection already speaks TLS (or started to).
    #[error("the connection already speaks TLS")]
    AlreadyTls,
    /// rustls could not start a session with this configuration.
    #[error("cannot start TLS: {0}")]
    Rustls(#[from] rustls::Error),
}

/// One connection's TLS session, as the protocols above a
/// [`TlsLayer`](super::TlsLayer) see it: find it with
/// [`TlsSession::of`] on their transport.
///
/// It answers what the handshake agreed on ([`alpn_protocol`](Self::alpn_protocol),
/// [`peer_certificates`](Self::peer_certificates)) and switches a plaintext
/// connection to TLS ([`start_tls`](Self::start_tls)).
pub struct TlsSession {
    lower: Transport,
    timers: Timers,
    handshake_timeout: Duration,
    /// rustls's connection; `None` while the connection is plaintext.
    connection: RefCell<Option<Connection>>,
    /// The handshake completed.
    established: Cell<bool>,
    /// Plaintext written during the handshake, encrypted when it ends.
    early: RefCell<Vec<u8>>,
    /// A close asked for during the handshake with `early` bytes to send:
    /// carried out when the handshake ends.
    deferred_close: RefCell<Option<CloseKind>>,
    /// The peer's `close_notify` arrived.
    peer_closed: Cell<bool>,
    /// Why the handshake or the session failed, once it did.
    failure: RefCell<Option<Rc<str>>>,
    /// The first byte the peer sent in TLS, to tell plaintext from TLS.
    first_byte: Cell<Option<u8>>,
    /// Closes the connection if the handshake is not done in time.
    deadline: RefCell<Option<DelayedCall>>,
}

impl TlsSession {
    pub(super) fn new(lower: &Transport, timers: Timers, handshake_timeout: Duration) -> Self {
        TlsSession {
            lower: lower.clone(),
            timers,
            handshake_timeout,
            connection: RefCell::new(None),
            established: Cell::new(false),
            early: RefCell::new(Vec::new()),
            deferred_close: RefCell::new(None),
            peer_closed: Cell::new(false),
            failure: RefCell::new(None),
            first_byte: Cell::new(None),
            deadline: RefCell::new(None),
        }
    }

    /// The TLS session of the nearest TLS layer under `transport`, if any.
    pub fn of(transport: &Transport) -> Option<Rc<TlsSession>> {
        transport.layer::<TlsSession>()
    }

    /// Switches this connection to TLS in place (STARTTLS, Twisted's
    /// `transport.startTLS`): what was written before goes out as
    /// plaintext, what is written from now on is encrypted (and held until
    /// the handshake is done), and what arrives from now on is read as
    /// TLS. A client sends its hello at once. The handshake timeout runs
    /// from here. When the handshake ends, the protocol above hears
    /// [`TlsEvent::Established`](super::TlsEvent::Established).
    ///
    /// Bytes that arrived in the same read as the request that led to
    /// this call were already delivered as plaintext: a peer must wait
    /// for the answer to its STARTTLS before sending its hello, as the
    /// protocols that have STARTTLS require.
    pub fn start_tls(&self, role: TlsRole) -> Result<(), StartTlsError> {
        if self.connection.borrow().is_some() {
            return Err(StartTlsError::AlreadyTls);
        }
        self.begin(role)?;
        Ok(())
    }

    /// Whether the connection speaks TLS (or is shaking hands to).
    pub fn is_tls(&self) -> bool {
        self.connection.borrow().is_some()
    }

    /// Whether the handshake is done.
    pub fn is_established(&self) -> bool {
        self.established.get()
    }

    /// The protocol agreed on by ALPN, once established.
    pub fn alpn_protocol(&self) -> Option<Vec<u8>> {
        let connection = self.connection.borrow();
        connection.as_ref()?.alpn_protocol().map(<[u8]>::to_vec)
    }

    /// The certificate chain the peer presented (the peer's own first),
    /// once established; `None` when it presented none.
    pub fn peer_certificates(&self) -> Option<Vec<CertificateDer<'static>>> {
        let connection = self.connection.borrow();
        let chain = connection.as_ref()?.peer_certificates()?;
        Some(chain.iter().map(|c| c.clone().into_owned()).collect())
    }

    /// The server name the client asked for by SNI (server side).
    pub fn server_name(&self) -> Option<String> {
        match self.connection.borrow().as_ref()? {
            Connection::Server(server) => server.server_name().map(str::to_owned),
            Connection::Client(_) => None,
        }
    }

    /// Why the TLS session failed, once it did (a handshake error, a bad
    /// record, a timeout, the peer leaving mid-handshake).
    pub fn failure(&self) -> Option<Rc<str>> {
        self.failure.borrow().clone()
    }

    /// Starts a session in `role`: the hello of a client goes out, and the
    /// handshake deadline is set.
    pub(super) fn begin(&self, role: TlsRole) -> Result<(), rustls::Error> {
        let mut connection = role.connect()?;
        connection.set_buffer_limit(None);
        *self.connection.borrow_mut() = Some(connection);
        let lower = self.lower.clone();
        let timeout = self.handshake_timeout;
        let deadline = self.timers.call_later(timeout, move || {
            let why = format!("TLS handshake not done within {timeout:?}");
            lower.lose_connection_because(&why);
        });
        *self.deadline.borrow_mut() = Some(deadline);
        self.flush();
        Ok(())
    }

    /// The lower transport.
    pub(super) fn lower(&self) -> &Transport {
        &self.lower
    }

    pub(super) fn peer_closed(&self) -> bool {
        self.peer_closed.get()
    }

    /// Feeds TLS bytes from the peer, up to what rustls takes at once;
    /// returns how many were taken and what the session now holds.
    /// Called only on a connection that speaks TLS.
    pub(super) fn read(&self, data: &[u8]) -> Result<Progress, Rc<str>> {
        let mut connection = self.connection.borrow_mut();
        let Some(connection) = connection.as_mut() else {
            return Ok(Progress::default());
        };
        if self.first_byte.get().is_none() {
            self.first_byte.set(data.first().copied());
        }
        let mut rest = data;
        let taken = connection
            .read_tls(&mut rest)
            .map_err(|error| Rc::from(format!("TLS: {error}")))?;
        let state = connection
            .process_new_packets()
            .map_err(|error| self.describe(&error, data))?;
        let finished_handshake = !connection.is_handshaking() && !self.established.get();
        if state.peer_has_closed() {
            self.peer_closed.set(true);
        }
        Ok(Progress {
            taken,
            plaintext: state.plaintext_bytes_to_read(),
            finished_handshake,
        })
    }

    /// Copies decrypted bytes into `buffer`; returns how many.
    pub(super) fn take_plaintext(&self, buffer: &mut [u8]) -> usize {
        let mut connection = self.connection.borrow_mut();
        let Some(connection) = connection.as_mut() else {
            return 0;
        };
        io::Read::read(&mut connection.reader(), buffer).unwrap_or(0)
    }

    /// The handshake is done: the deadline is cancelled, held plaintext
    /// is encrypted and sent, and a close asked for meanwhile is carried
    /// out.
    pub(super) fn establish(&self) {
        self.established.set(true);
        if let Some(deadline) = self.deadline.borrow_mut().take() {
            deadline.cancel();
        }
        let early = std::mem::take(&mut *self.early.borrow_mut());
        if !early.is_empty() {
            self.encrypt(&early);
        }
        if let Some(kind) = self.deferred_close.borrow_mut().take() {
            self.close_notify_then(kind);
        }
    }

    /// The session failed for `why`: the alert rustls prepared goes out,
    /// and the connection closes once it is flushed.
    pub(super) fn fail(&self, why: Rc<str>) {
        tracing::debug!(peer = %self.lower.peer_address(), "{why}");
        self.failure.borrow_mut().get_or_insert(why.clone());
        self.flush();
        self.lower.lose_connection_because(&why);
    }

    /// The connection is gone: the deadline is cancelled; a handshake
    /// cut short is recorded as the failure.
    pub(super) fn end(&self) {
        if let Some(deadline) = self.deadline.borrow_mut().take() {
            deadline.cancel();
        }
        if self.is_tls() && !self.established.get() {
            self.failure
                .borrow_mut()
                .get_or_insert_with(|| Rc::from("the peer left during the TLS handshake"));
        }
    }

    /// Sends rustls's pending output (handshake messages, alerts,
    /// records) to the transport below.
    pub(super) fn flush(&self) {
        let mut connection = self.connection.borrow_mut();
        if let Some(connection) = connection.as_mut() {
            let mut below = Below(&self.lower);
            while connection.wants_write() {
                if connection.write_tls(&mut below).is_err() {
                    break;
                }
            }
        }
    }

    fn encrypt(&self, data: &[u8]) {
        if let Some(connection) = self.connection.borrow_mut().as_mut() {
            // Without a buffer limit, rustls takes every byte.
            let _ = io::Write::write_all(&mut connection.writer(), data);
        }
        self.flush();
    }

    fn close_notify_then(&self, kind: CloseKind) {
        if let Some(connection) = self.connection.borrow_mut().as_mut() {
            connection.send_close_notify();
        }
        self.flush();
        self.lower.close(kind);
    }

    /// Names what went wrong, saying so when the peer does not speak TLS
    /// at all (its first byte is not a TLS record's).
    fn describe(&self, error: &rustls::Error, data: &[u8]) -> Rc<str> {
        let speaks_tls = matches!(self.first_byte.get(), None | Some(0x14..=0x18));
        if !speaks_tls && !self.established.get() {
            let start = String::from_utf8_lossy(&data[..data.len().min(16)]).into_owned();
            return Rc::from(format!(
                "TLS: the peer does not speak TLS (it sent {start:?}): {error}"
            ));
        }
        Rc::from(format!("TLS: {error}"))
    }

    fn handshaking(&self) -> bool {
        self.is_tls() && !self.established.get()
    }
}

/// What one [`TlsSession::read`] did.
#[derive(Default)]
pub(super) struct Progress {
    /// Bytes of the input taken.
    pub(super) taken: usize,
    /// Decrypted bytes waiting to be delivered.
    pub(super) plaintext: usize,
    /// The handshake has just completed.
    pub(super) finished_handshake: bool,
}

impl WritePath for TlsSession {
    fn write(&self, data: &[u8], lower: &Transport) {
        if !self.is_tls() {
            lower.write(data);
        } else if self.handshaking() {
            self.early.borrow_mut().extend_from_slice(data);
        } else {
            self.encrypt(data);
        }
    }

    fn close(&self, kind: CloseKind, lower: &Transport) {
        match kind {
            CloseKind::Flush(_) if self.handshaking() && !self.early.borrow().is_empty() => {
                *self.deferred_close.borrow_mut() = Some(kind);
            }
            CloseKind::Flush(_) if self.is_tls() => self.close_notify_then(kind),
            _ => lower.close(kind),
        }
    }

    fn shutdown_write(&self, lower: &Transport) {
        if let Some(connection) = self.connection.borrow_mut().as_mut() {
            connection.send_close_notify();
        }
        self.flush();
        lower.shutdown_write();
    }

    fn pending_bytes(&self, lower: &Transport) -> usize {
        lower.pending_bytes() + self.early.borrow().len()
    }
}

/// The transport below as an [`io::Write`], for rustls's `write_tls`:
/// every byte is taken (the transport queues what the socket does not).
struct Below<'a>(&'a Transport);

impl io::Write for Below<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.0.write(data);
        Ok(data.len())
    }

    fn write_vectored(&mut self, parts: &[io::IoSlice<'_>]) -> io::Result<usize> {
        let slices: Vec<&[u8]> = parts.iter().map(|p| &**p).collect();
        self.0.write_vectored(&slices);
        Ok(slices.iter().map(|s| s.len()).sum())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
