//! [`TlsLayer`]: TLS as a [`Layer`], so that any protocol runs over it
//! and it runs over any transport.

use std::rc::Rc;
use std::time::Duration;

use super::config::DEFAULT_HANDSHAKE_TIMEOUT;
use super::scratch::{self, PLAINTEXT};
use super::session::MovedSession;
use super::{TlsEvent, TlsRole, TlsSession};
use crate::layer::{Above, Layer, LayerEvent, Layered, WritePath};
use crate::time::{Scheduler, Timers};
use crate::transport::CloseKind;
use crate::{CloseReason, HalfClose, MovedLayers, Protocol, Transport};

/// The TLS layer: decrypts what comes up and encrypts what the protocol
/// above writes, with rustls's unbuffered connection inside
/// ([`TlsSession`], which the protocol above reaches through its
/// transport).
///
/// Contracts, beyond those of every [layer](crate::layer):
///
/// - **Handshake.** Writes made before the handshake ends are held (and
///   counted in [`Transport::pending_bytes`]) and sent encrypted when it
///   ends; then the protocol above hears
///   [`TlsEvent::Established`]. A handshake not done within the timeout
///   (10 s by default) closes the connection with a reason that says so.
/// - **Failure.** A handshake error or a bad record sends the alert rustls
///   prepared, then closes the connection; the protocol above sees
///   [`CloseReason::Protocol`] with rustls's reason (and
///   [`TlsSession::failure`] keeps it). Other connections are untouched.
/// - **Close.** A close asked for from above sends `close_notify` first;
///   an abort sends nothing. A half-close sends `close_notify`, which TLS
///   1.3 peers read as the end of input.
/// - **End of input.** The peer's `close_notify` is the end of input: the
///   protocol above hears `eof_received` and decides, as with TCP. A TCP
///   end of input *without* `close_notify` may be a truncation attack:
///   the protocol above first hears [`TlsEvent::Truncated`], then
///   `eof_received`.
/// - **Plaintext first.** Built with [`plaintext`](Self::plaintext), the
///   layer passes bytes through untouched until
///   [`TlsSession::start_tls`] (STARTTLS).
/// - **Memory.** Records are decrypted in place in a buffer the thread's
///   sessions share, and encoded in another, so a connection keeps no
///   read or write buffer of its own: between records it holds only
///   rustls's session state, and while a record (or a handshake message
///   split over records) has partly arrived, its bytes, at most 96 KiB
///   (a peer that makes it hold more is refused with a reason that says
///   so). What the socket does not take waits in the transport's own
///   write queue. Everything decrypted from one read is delivered in one
///   call.
/// - **Close during the handshake.** A close asked for before the
///   handshake ends, with nothing written, closes at once without
///   `close_notify` (rustls can send one only once the handshake is
///   done); with writes held, it waits for the handshake, sends them,
///   then `close_notify`.
/// - **Early data.** With a [`ServerConfig`](super::ServerConfig) that
///   accepts 0-RTT data (`max_early_data_size`, off by default and in
///   every configuration weft loads), what a client sends early is
///   delivered as it comes, before
///   [`TlsEvent::Established`]: a peer can replay it.
/// - **Hand-over.** An established session moves with its connection
///   to another reactor ([`Transport::hand_over`]): its rustls state and
///   the plaintext the protocol above left unused go with it, and a layer
///   made there with [`adopting`](Self::adopting) goes on with them, with
///   no new handshake (the protocol above hears no
///   [`TlsEvent::Established`]; [`TlsSession::is_established`] is true
///   from the start), delivering that plaintext first. A session in its
///   handshake cannot be handed over.
pub struct TlsLayer {
    start: Start,
    /// Plaintext to deliver as soon as the protocol above is connected:
    /// what a session handed over carried.
    carried: Vec<u8>,
    timers: Timers,
    handshake_timeout: Duration,
    session: Option<Rc<TlsSession>>,
    /// What the protocol above answered to the end of input, once asked.
    eof: Option<HalfClose>,
}

/// How a layer's session starts when the connection is made.
enum Start {
    /// In plaintext, until [`TlsSession::start_tls`].
    Plaintext,
    /// With a handshake in this role.
    Handshake(TlsRole),
    /// Where a session handed over by another reactor left off (boxed:
    /// rustls's state is large, and rarely here).
    Resume(Box<MovedSession>),
}

/// A protocol over TLS.
pub type TlsProtocol<P> = Layered<TlsLayer, P>;

impl<P: Protocol> TlsProtocol<P> {
    /// Runs `protocol` over TLS in `role`, with the handshake timed on
    /// `scheduler` (the reactor, or a test clock).
    pub fn new(role: TlsRole, scheduler: &impl Scheduler, protocol: P) -> Self {
        Layered::wrap(TlsLayer::new(role, scheduler), protocol)
    }

    /// Runs `protocol` in plaintext until it calls
    /// [`TlsSession::start_tls`].
    pub fn plaintext(scheduler: &impl Scheduler, protocol: P) -> Self {
        Layered::wrap(TlsLayer::plaintext(scheduler), protocol)
    }
}

impl TlsLayer {
    /// A layer that speaks TLS in `role` from the start.
    pub fn new(role: TlsRole, scheduler: &impl Scheduler) -> Self {
        TlsLayer {
            start: Start::Handshake(role),
            ..TlsLayer::plaintext(scheduler)
        }
    }

    /// A layer that goes on with the TLS session that came with a
    /// connection handed over by another reactor, taken from `moved`
    /// (in [`Factory::adopt_protocol`](crate::Factory::adopt_protocol));
    /// `None` if none came.
    pub fn adopting(moved: &mut MovedLayers, scheduler: &impl Scheduler) -> Option<Self> {
        let session = moved.take::<MovedSession>()?;
        Some(TlsLayer {
            start: Start::Resume(Box::new(session)),
            ..TlsLayer::plaintext(scheduler)
        })
    }

    /// A layer that passes bytes through until
    /// [`TlsSession::start_tls`].
    pub fn plaintext(scheduler: &impl Scheduler) -> Self {
        TlsLayer {
            start: Start::Plaintext,
            carried: Vec::new(),
            timers: scheduler.timers(),
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            session: None,
            eof: None,
        }
    }

    /// Sets how long a handshake may take (default 10 s).
    pub fn with_handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// Decrypts `data` and hands what it carries up, in order: the end
    /// of the handshake, the plaintext, the peer's `close_notify`; or
    /// fails the session. The plaintext is decrypted into the thread's
    /// shared buffer, and delivered in one call.
    fn receive<P: Protocol>(
        &mut self,
        session: &TlsSession,
        data: &[u8],
        above: &mut Above<'_, P>,
    ) {
        scratch::with(&PLAINTEXT, |plaintext| {
            plaintext.clear();
            let progress = match session.read(data, plaintext) {
                Ok(progress) => progress,
                Err(why) => return session.fail(why),
            };
            if progress.finished_handshake {
                session.establish();
                if !above.event(&LayerEvent::Tls(TlsEvent::Established)) {
                    return;
                }
            }
            if !plaintext.is_empty() && !above.deliver(plaintext) {
                return;
            }
            if progress.peer_closed && self.eof.is_none() {
                self.peer_ended(session, above);
            }
        });
    }

    /// The peer's `close_notify` arrived: the end of its input.
    fn peer_ended<P: Protocol>(&mut self, session: &TlsSession, above: &mut Above<'_, P>) {
        let answer = above.protocol().eof_received();
        self.eof = Some(answer);
        if answer == HalfClose::Close {
            session.close(CloseKind::Flush(None), above.lower());
        }
    }
}

impl Layer for TlsLayer {
    type Shared = TlsSession;

    fn connection_made(&mut self, lower: &Transport) -> Rc<TlsSession> {
        let session = Rc::new(TlsSession::new(
            lower,
            self.timers.clone(),
            self.handshake_timeout,
        ));
        match std::mem::replace(&mut self.start, Start::Plaintext) {
            Start::Plaintext => {}
            Start::Handshake(role) => {
                if let Err(error) = session.begin(role) {
                    session.fail(Rc::from(format!("TLS: cannot start: {error}")));
                }
            }
            Start::Resume(moved) => {
                session.resume(moved.engine);
                self.carried = moved.plaintext;
            }
        }
        self.session = Some(session.clone());
        session
    }

    fn connection_started<P: Protocol>(&mut self, above: &mut Above<'_, P>) {
        let carried = std::mem::take(&mut self.carried);
        if !carried.is_empty() {
            above.deliver(&carried);
        }
    }

    fn data_received<P: Protocol>(&mut self, data: &[u8], above: &mut Above<'_, P>) {
        let Some(session) = self.session.clone() else {
            return;
        };
        if session.is_tls() {
            self.receive(&session, data, above);
        } else {
            above.deliver(data);
        }
    }

    fn eof_received<P: Protocol>(&mut self, above: &mut Above<'_, P>) -> HalfClose {
        if let Some(answer) = self.eof {
            return answer;
        }
        let Some(session) = self.session.clone() else {
            return HalfClose::Close;
        };
        if session.is_tls() {
            if !session.is_established() {
                session.fail(Rc::from(
                    "TLS: the peer closed the connection during the handshake",
                ));
                return HalfClose::Close;
            }
            tracing::debug!(peer = %session.lower().peer_address(), "TLS: end of input without close_notify");
            if !above.event(&LayerEvent::Tls(TlsEvent::Truncated)) {
                return HalfClose::Close;
            }
        }
        let answer = above.protocol().eof_received();
        self.eof = Some(answer);
        answer
    }

    fn connection_lost(&mut self, _reason: &CloseReason) {
        if let Some(session) = &self.session {
            session.end();
        }
    }
}
