//! [`Gateway`]: the `Send` handle through which code on a tokio runtime
//! opens connections served by a factory on a reactor.

use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crate::{Address, Protocol, Reactor, ReactorGone, Remote};

use super::backend::{self, BuildProtocol, Key};
use super::link::Link;
use super::outgoing::Outgoing;

/// Opens bridged connections to one factory on one reactor
/// (`Send + Sync + Clone`; see the [module docs](super)).
///
/// `H` is the *hello*: what the tokio side knows of a connection when it
/// opens it and the factory needs to build its protocol (a user name, a
/// window size); `()` when there is nothing to say.
pub struct Gateway<H> {
    remote: Remote,
    id: u64,
    /// Connections opened so far through this gateway.
    opened: Arc<AtomicU64>,
    /// Links alive now.
    live: Arc<AtomicUsize>,
    hello: PhantomData<fn(H)>,
}

impl<H> Clone for Gateway<H> {
    fn clone(&self) -> Self {
        Gateway {
            remote: self.remote.clone(),
            id: self.id,
            opened: self.opened.clone(),
            live: self.live.clone(),
            hello: PhantomData,
        }
    }
}

impl<H: Send + 'static> Gateway<H> {
    /// On `reactor`'s thread: a gateway whose connections are served by
    /// the protocols `factory` builds from a connection's peer address
    /// and hello (`None` refuses the connection: its link ends at once).
    /// The factory lives on this thread as long as the thread does.
    pub fn new<F, P>(reactor: &Reactor, mut factory: F) -> Gateway<H>
    where
        F: FnMut(&Address, H) -> Option<P> + 'static,
        P: Protocol,
    {
        let build: BuildProtocol<H> = Box::new(move |peer, hello| {
            factory(peer, hello).map(|p| Box::new(p) as Box<dyn Protocol>)
        });
        Gateway {
            remote: reactor.remote(),
            id: backend::register(build),
            opened: Arc::default(),
            live: Arc::default(),
            hello: PhantomData,
        }
    }

    /// From any thread: opens a connection from `peer` to `local` whose
    /// protocol the factory builds with `hello`, on the reactor's next
    /// loop iteration; returns its link, to [`run`](Link::run) over a
    /// stream. Fails once the reactor has stopped.
    pub fn open(&self, peer: Address, local: Address, hello: H) -> Result<Link, ReactorGone> {
        let key = Key {
            gateway: self.id,
            connection: self.opened.fetch_add(1, Ordering::Relaxed),
        };
        let out = Arc::new(Outgoing::new());
        let shared = out.clone();
        self.remote.call_from_thread(move |reactor| {
            backend::open(reactor, key, (peer, local), hello, shared);
        })?;
        Ok(Link::new(self.remote.clone(), key, out, self.live.clone()))
    }

    /// Links of this gateway alive now (a link lives until its last
    /// clone is dropped).
    pub fn connections(&self) -> usize {
        self.live.load(Ordering::Relaxed)
    }
}
