//! [`AfterHandshake`]: the protocol above a TLS layer that an endpoint
//! puts there, so that the application's protocol sees the connection
//! only once the handshake is done.

use std::rc::Rc;

use super::{TlsEvent, TlsSession};
use crate::{Address, CloseReason, HalfClose, LayerEvent, Protocol, Transport};

/// Makes the application's protocol when the handshake is done.
type Build<P> = Box<dyn FnOnce(&Address) -> Option<P>>;
/// Hears why the handshake failed.
type Failed = Box<dyn FnOnce(Rc<str>)>;

/// Stands between a TLS layer and the application's protocol until the
/// handshake is done, so that the application sees only connections that
/// speak TLS: its protocol's `connection_made` comes after the handshake
/// (made then, or made earlier and held), and a connection whose
/// handshake fails never reaches it; the failure goes to whoever asked
/// to hear it (a client factory's `connection_failed`). Afterwards it
/// passes every call through.
pub struct AfterHandshake<P> {
    transport: Option<Transport>,
    upper: Upper<P>,
}

enum Upper<P> {
    /// The handshake is under way.
    Waiting { build: Build<P>, failed: Failed },
    /// The application's protocol runs.
    Running(P),
    /// It refused the connection, or the connection ended.
    Gone,
}

impl<P: Protocol> AfterHandshake<P> {
    /// Holds `protocol` (already made) until the handshake is done; a
    /// failed handshake drops it unused.
    pub fn holding(protocol: P) -> Self {
        Self::building(move |_| Some(protocol), |_| {})
    }

    /// Runs `protocol` at once: the connection is established already (a
    /// TLS session handed over by another reactor).
    pub fn established(protocol: P) -> Self {
        AfterHandshake {
            transport: None,
            upper: Upper::Running(protocol),
        }
    }

    /// Calls `build` with the peer's address when the handshake is done
    /// (`None` closes the connection), or `failed` with the reason if the
    /// connection ends before.
    pub fn building(
        build: impl FnOnce(&Address) -> Option<P> + 'static,
        failed: impl FnOnce(Rc<str>) + 'static,
    ) -> Self {
        AfterHandshake {
            transport: None,
            upper: Upper::Waiting {
                build: Box::new(build),
                failed: Box::new(failed),
            },
        }
    }

    /// The application's protocol, once it runs.
    pub fn inner(&self) -> Option<&P> {
        match &self.upper {
            Upper::Running(protocol) => Some(protocol),
            _ => None,
        }
    }

    fn start(&mut self) {
        let Some(transport) = self.transport.clone() else {
            return;
        };
        let Upper::Waiting { build, .. } = std::mem::replace(&mut self.upper, Upper::Gone) else {
            return;
        };
        match build(&transport.peer_address()) {
            Some(mut protocol) => {
                protocol.connection_made(transport);
                self.upper = Upper::Running(protocol);
            }
            None => transport.lose_connection(),
        }
    }
}

impl<P: Protocol> Protocol for AfterHandshake<P> {
    fn connection_made(&mut self, transport: Transport) {
        if let Upper::Running(protocol) = &mut self.upper {
            protocol.connection_made(transport.clone());
        }
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        if let Upper::Running(protocol) = &mut self.upper {
            protocol.data_received(data);
        }
    }

    fn layer_event(&mut self, event: &LayerEvent<'_>) {
        match (&mut self.upper, event) {
            (Upper::Waiting { .. }, LayerEvent::Tls(TlsEvent::Established)) => self.start(),
            (Upper::Running(protocol), event) => protocol.layer_event(event),
            _ => {}
        }
    }

    fn eof_received(&mut self) -> HalfClose {
        match &mut self.upper {
            Upper::Running(protocol) => protocol.eof_received(),
            _ => HalfClose::Close,
        }
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        match std::mem::replace(&mut self.upper, Upper::Gone) {
            Upper::Running(mut protocol) => protocol.connection_lost(reason),
            Upper::Waiting { failed, .. } => {
                let session = self.transport.as_ref().and_then(TlsSession::of);
                let why = session
                    .and_then(|s| s.failure())
                    .unwrap_or_else(|| Rc::from(reason.to_string()));
                failed(why);
            }
            Upper::Gone => {}
        }
    }

    fn pause_writing(&mut self) {
        if let Upper::Running(protocol) = &mut self.upper {
            protocol.pause_writing();
        }
    }

    fn resume_writing(&mut self) {
        if let Upper::Running(protocol) = &mut self.upper {
            protocol.resume_writing();
        }
    }
}
