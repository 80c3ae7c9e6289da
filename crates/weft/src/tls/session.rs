//! [`TlsSession`]: one connection's TLS state (rustls's unbuffered
//! connection, driven by an [`Engine`]), shared by the layer that
//! decrypts what comes up and the transport that encrypts what goes
//! down; and the handle a protocol reaches it by.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ServerConfig};

use super::engine::{Engine, Failure};
use crate::layer::WritePath;
use crate::time::{DelayedCall, Scheduler, Timers};
use crate::transport::CloseKind;
use crate::{HandOver, HandOverError, Transport};

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
    engine: RefCell<Option<Engine>>,
    /// The handshake completed.
    established: Cell<bool>,
    /// Plaintext written during the handshake, encrypted when it ends.
    early: RefCell<Vec<u8>>,
    /// A close asked for during the handshake with `early` bytes to send:
    /// carried out when the handshake ends.
    deferred_close: RefCell<Option<CloseKind>>,
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
            engine: RefCell::new(None),
            established: Cell::new(false),
            early: RefCell::new(Vec::new()),
            deferred_close: RefCell::new(None),
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
        if self.is_tls() {
            return Err(StartTlsError::AlreadyTls);
        }
        self.begin(role)?;
        Ok(())
    }

    /// Whether the connection speaks TLS (or is shaking hands to).
    pub fn is_tls(&self) -> bool {
        self.engine.borrow().is_some()
    }

    /// Whether the handshake is done.
    pub fn is_established(&self) -> bool {
        self.established.get()
    }

    /// The protocol agreed on by ALPN, once established.
    pub fn alpn_protocol(&self) -> Option<Vec<u8>> {
        let engine = self.engine.borrow();
        engine.as_ref()?.alpn_protocol().map(<[u8]>::to_vec)
    }

    /// The certificate chain the peer presented (the peer's own first),
    /// once established; `None` when it presented none.
    pub fn peer_certificates(&self) -> Option<Vec<CertificateDer<'static>>> {
        let engine = self.engine.borrow();
        let chain = engine.as_ref()?.peer_certificates()?;
        Some(chain.iter().map(|c| c.clone().into_owned()).collect())
    }

    /// The server name the client asked for by SNI (server side).
    pub fn server_name(&self) -> Option<String> {
        self.engine
            .borrow()
            .as_ref()?
            .server_name()
            .map(str::to_owned)
    }

    /// Why the TLS session failed, once it did (a handshake error, a bad
    /// record, a timeout, the peer leaving mid-handshake).
    pub fn failure(&self) -> Option<Rc<str>> {
        self.failure.borrow().clone()
    }

    /// Starts a session in `role`: the hello of a client goes out, and the
    /// handshake deadline is set.
    pub(super) fn begin(&self, role: TlsRole) -> Result<(), rustls::Error> {
        *self.engine.borrow_mut() = Some(Engine::new(role)?);
        let lower = self.lower.clone();
        let timeout = self.handshake_timeout;
        let deadline = self.timers.call_later(timeout, move || {
            let why = format!("TLS handshake not done within {timeout:?}");
            lower.lose_connection_because(&why);
        });
        *self.deadline.borrow_mut() = Some(deadline);
        self.with_engine(|engine| engine.start(&self.lower));
        Ok(())
    }

    /// Goes on with a session established on another reactor (its
    /// connection was handed over): no handshake, no deadline.
    pub(super) fn resume(&self, engine: Engine) {
        *self.engine.borrow_mut() = Some(engine);
        self.established.set(true);
    }

    /// The lower transport.
    pub(super) fn lower(&self) -> &Transport {
        &self.lower
    }

    /// Reads TLS bytes from the peer: decrypted bytes are appended to
    /// `plaintext`, rustls's answers go out, and what the bytes did is
    /// returned. A session that failed reads nothing more; one that is
    /// not TLS (yet) is not read from.
    pub(super) fn read(&self, data: &[u8], plaintext: &mut Vec<u8>) -> Result<Progress, Rc<str>> {
        if self.failure.borrow().is_some() {
            return Ok(Progress::default());
        }
        let mut engine = self.engine.borrow_mut();
        let Some(engine) = engine.as_mut() else {
            return Ok(Progress::default());
        };
        if self.first_byte.get().is_none() {
            self.first_byte.set(data.first().copied());
        }
        let received = engine
            .read(data, plaintext, &self.lower)
            .map_err(|failure| self.describe(&failure, data))?;
        Ok(Progress {
            finished_handshake: !engine.is_handshaking() && !self.established.get(),
            peer_closed: received.peer_closed,
        })
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

    /// The session failed for `why` (the alert rustls prepared, if any,
    /// is already sent): the connection closes once its output is
    /// flushed, and nothing more is read.
    pub(super) fn fail(&self, why: Rc<str>) {
        tracing::debug!(peer = %self.lower.peer_address(), "{why}");
        self.failure.borrow_mut().get_or_insert(why.clone());
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

    /// Runs `f` on the engine, if the connection speaks TLS and has not
    /// failed; fails the session if `f` does.
    fn with_engine(&self, f: impl FnOnce(&mut Engine) -> Result<(), Failure>) {
        if self.failure.borrow().is_some() {
            return;
        }
        let result = match self.engine.borrow_mut().as_mut() {
            Some(engine) => f(engine),
            None => Ok(()),
        };
        if let Err(failure) = result {
            self.fail(Rc::from(format!("TLS: {failure}")));
        }
    }

    fn encrypt(&self, data: &[u8]) {
        self.with_engine(|engine| engine.encrypt(data, &self.lower));
    }

    fn close_notify_then(&self, kind: CloseKind) {
        self.with_engine(|engine| engine.close_notify(&self.lower));
        self.lower.close(kind);
    }

    /// Names what went wrong, saying so when the peer does not speak TLS
    /// at all (its first byte is not a TLS record's).
    fn describe(&self, failure: &Failure, data: &[u8]) -> Rc<str> {
        let speaks_tls = matches!(self.first_byte.get(), None | Some(0x14..=0x18));
        if !speaks_tls && !self.established.get() {
            let start = String::from_utf8_lossy(&data[..data.len().min(16)]).into_owned();
            return Rc::from(format!(
                "TLS: the peer does not speak TLS (it sent {start:?}): {failure}"
            ));
        }
        Rc::from(format!("TLS: {failure}"))
    }

    fn handshaking(&self) -> bool {
        self.is_tls() && !self.established.get()
    }
}

/// A TLS session on its way to another reactor with its connection
/// (pushed onto the hand-over's [`MovedLayers`](crate::MovedLayers), and
/// taken by [`TlsLayer::adopting`](super::TlsLayer::adopting)): the rustls
/// state (keys, sequence numbers, what the handshake agreed on) and the
/// plaintext the protocol above had read and not used.
pub(super) struct MovedSession {
    pub(super) engine: Engine,
    pub(super) plaintext: Vec<u8>,
}

/// What one [`TlsSession::read`] did, besides the plaintext it decrypted.
#[derive(Default)]
pub(super) struct Progress {
    /// The handshake has just completed.
    pub(super) finished_handshake: bool,
    /// The peer's `close_notify` came: no more input will.
    pub(super) peer_closed: bool,
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
        self.with_engine(|engine| engine.close_notify(lower));
        lower.shutdown_write();
    }

    fn pending_bytes(&self, lower: &Transport) -> usize {
        lower.pending_bytes() + self.early.borrow().len()
    }

    /// An established session moves with its connection: the bytes of an
    /// incomplete record go down as bytes not used (the other side reads
    /// them again), and the rustls state and the plaintext `unused` go as
    /// this layer's state in the hand-over's
    /// [`MovedLayers`](crate::MovedLayers). A connection that has not
    /// started TLS is handed over as the transport below is, since the
    /// layer passes its bytes through. During the handshake, or once the
    /// session failed, it is refused ([`HandOverError::Unsupported`]).
    fn hand_over(&self, unused: &[u8], lower: &Transport) -> Result<HandOver, HandOverError> {
        if !self.is_tls() {
            return lower.hand_over(unused);
        }
        if self.handshaking() || self.failure.borrow().is_some() {
            return Err(HandOverError::Unsupported);
        }
        let unread = self
            .engine
            .borrow()
            .as_ref()
            .map(|engine| engine.unread().to_vec())
            .unwrap_or_default();
        let mut hand_over = lower.hand_over(&unread)?;
        // The connection here is closing now: whatever the old protocol
        // still writes (in plaintext, with the engine gone) is dropped
        // below.
        let mut engine = self
            .engine
            .borrow_mut()
            .take()
            .expect("the session speaks TLS");
        engine.forget_unread();
        hand_over.layers_mut().push(MovedSession {
            engine,
            plaintext: unused.to_vec(),
        });
        Ok(hand_over)
    }
}
