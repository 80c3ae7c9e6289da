//! Factories that put a TLS layer under every connection of another
//! factory: what the `ssl:` and `tls:` endpoints run.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ServerConfig};

use super::{AfterHandshake, TlsConfigError, TlsLayer, TlsProtocol, TlsRole, TlsServerOptions};
use crate::endpoints::TlsConnectOptions;
use crate::layer::Layered;
use crate::time::{Scheduler, Timers};
use crate::{Address, ClientFactory, CloseReason, ConnectError, Factory, MovedLayers};

/// Serves every connection of `factory` over TLS (the `ssl:` endpoint).
///
/// The factory is asked for a protocol when a connection is accepted, so
/// that it can refuse one before any TLS work; the protocol's
/// `connection_made` comes once the handshake is done, and a connection
/// whose handshake fails is dropped without reaching it (see
/// [`AfterHandshake`]). A connection handed over by another reactor with
/// its TLS session goes on with that session, without a new handshake
/// ([`TlsLayer::adopting`]).
pub struct TlsServerFactory<F> {
    factory: F,
    config: Arc<ServerConfig>,
    timers: Timers,
    handshake_timeout: Duration,
}

impl<F: Factory> TlsServerFactory<F> {
    /// Wraps `factory`, with handshakes timed on `scheduler`.
    pub fn new(
        config: Arc<ServerConfig>,
        handshake_timeout: Duration,
        scheduler: &impl Scheduler,
        factory: F,
    ) -> Self {
        TlsServerFactory {
            factory,
            config,
            timers: scheduler.timers(),
            handshake_timeout,
        }
    }

    /// Wraps `factory` as an `ssl:` endpoint's `options` say, reading
    /// their key and certificate files now.
    pub fn for_options(
        options: &TlsServerOptions,
        scheduler: &impl Scheduler,
        factory: F,
    ) -> Result<Self, TlsConfigError> {
        Ok(Self::new(
            options.load()?,
            options.handshake_timeout,
            scheduler,
            factory,
        ))
    }
}

impl<F: Factory> TlsServerFactory<F> {
    /// `protocol` over a TLS layer that answers a client's handshake,
    /// connected once it is done.
    fn handshake_first(&self, protocol: F::Protocol) -> TlsProtocol<AfterHandshake<F::Protocol>> {
        let layer = TlsLayer::new(TlsRole::Server(self.config.clone()), &self.timers)
            .with_handshake_timeout(self.handshake_timeout);
        Layered::wrap(layer, AfterHandshake::holding(protocol))
    }
}

impl<F: Factory> Factory for TlsServerFactory<F> {
    type Protocol = TlsProtocol<AfterHandshake<F::Protocol>>;

    fn build_protocol(&mut self, peer: &Address) -> Option<Self::Protocol> {
        let protocol = self.factory.build_protocol(peer)?;
        Some(self.handshake_first(protocol))
    }

    fn adopt_protocol(
        &mut self,
        peer: &Address,
        moved: &mut MovedLayers,
    ) -> Option<Self::Protocol> {
        let resumed = TlsLayer::adopting(moved, &self.timers);
        let protocol = self.factory.adopt_protocol(peer, moved)?;
        Some(match resumed {
            Some(layer) => Layered::wrap(layer, AfterHandshake::established(protocol)),
            None => self.handshake_first(protocol),
        })
    }
}

/// Connects `factory`'s protocol over TLS (the `tls:` endpoint): the
/// factory's `build_protocol` is called once the handshake is done, and
/// a failed handshake is its `connection_failed`, with
/// [`ConnectError::Tls`] naming the reason (an untrusted or expired
/// certificate, a name that does not match).
pub struct TlsClientFactory<F> {
    factory: Rc<RefCell<F>>,
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    target: Rc<str>,
    timers: Timers,
    handshake_timeout: Duration,
    /// The handshake succeeded and the factory built a protocol.
    connected: Rc<Cell<bool>>,
}

impl<F: ClientFactory> TlsClientFactory<F> {
    /// Wraps `factory` for a connection to `server_name` (`target` names
    /// the destination in errors), with the handshake timed on
    /// `scheduler`.
    pub fn new(
        config: Arc<ClientConfig>,
        server_name: ServerName<'static>,
        target: &str,
        handshake_timeout: Duration,
        scheduler: &impl Scheduler,
        factory: F,
    ) -> Self {
        TlsClientFactory {
            factory: Rc::new(RefCell::new(factory)),
            config,
            server_name,
            target: Rc::from(target),
            timers: scheduler.timers(),
            handshake_timeout,
            connected: Rc::new(Cell::new(false)),
        }
    }
}

impl<F: ClientFactory> TlsClientFactory<F> {
    /// Wraps `factory` for the `tls:` endpoint described by `options`:
    /// loads its trust roots and client certificate, and takes the
    /// server's name from its host.
    pub fn for_endpoint(
        options: &TlsConnectOptions,
        scheduler: &impl Scheduler,
        factory: F,
    ) -> Result<Self, TlsConfigError> {
        let server_name =
            ServerName::try_from(options.host.clone()).map_err(|_| TlsConfigError::ServerName {
                host: options.host.clone(),
            })?;
        Ok(Self::new(
            options.tls.load()?,
            server_name,
            &format!("{}:{}", options.host, options.port),
            options.tls.handshake_timeout(),
            scheduler,
            factory,
        ))
    }
}

impl<F: ClientFactory> ClientFactory for TlsClientFactory<F> {
    type Protocol = TlsProtocol<AfterHandshake<F::Protocol>>;

    fn build_protocol(&mut self, _peer: &Address) -> Option<Self::Protocol> {
        let role = TlsRole::Client(self.config.clone(), self.server_name.clone());
        let layer =
            TlsLayer::new(role, &self.timers).with_handshake_timeout(self.handshake_timeout);
        let (factory, connected) = (self.factory.clone(), self.connected.clone());
        let build = move |peer: &Address| {
            let protocol = factory.borrow_mut().build_protocol(peer);
            connected.set(protocol.is_some());
            protocol
        };
        let (factory, target) = (self.factory.clone(), self.target.clone());
        let failed = move |reason: Rc<str>| {
            factory.borrow_mut().connection_failed(ConnectError::Tls {
                target: target.to_string(),
                reason: reason.to_string(),
            });
        };
        Some(Layered::wrap(
            layer,
            AfterHandshake::building(build, failed),
        ))
    }

    fn connection_failed(&mut self, error: ConnectError) {
        self.factory.borrow_mut().connection_failed(error);
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        if self.connected.get() {
            self.factory.borrow_mut().connection_lost(reason);
        }
    }
}
