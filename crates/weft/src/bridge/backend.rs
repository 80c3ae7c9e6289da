//! The reactor side of bridged connections: each protocol's transport
//! ([`Backend`]), the table that finds a connection when a remote call
//! from its link arrives, and what each such call does.
//!
//! The table is the reactor thread's own (a thread-local: a reactor and
//! everything it runs live on one thread), so protocols and factories
//! need not be `Send`; a link names its connection by [`Key`].

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::io;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use crate::layer::LayerEvent;
use crate::{
    Address, CloseKind, CloseReason, HalfClose, Protocol, Reactor, Transport, TransportBackend,
    WriteLimits, catch_panic,
};

use super::outgoing::{Ending, Outgoing};

/// Names one bridged connection on its reactor: its gateway, and its
/// number there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    pub(crate) gateway: u64,
    pub(crate) connection: u64,
}

/// Builds a protocol for a bridged connection from its peer and hello.
pub(crate) type BuildProtocol<H> = Box<dyn FnMut(&Address, H) -> Option<Box<dyn Protocol>>>;

/// What a link tells its connection, in order.
pub(crate) enum Incoming {
    /// Bytes read from the stream.
    Data(Vec<u8>),
    /// A message for [`Protocol::layer_event`].
    Message(Box<dyn Any + Send>),
    /// The stream's end of input.
    Eof,
    /// Pending output fell to the low-water mark.
    ResumeWriting,
    /// The link ended: the stream was closed as asked, or failed.
    Ended(io::Result<()>),
}

/// This thread's bridged factories and connections.
#[derive(Default)]
struct Table {
    gateways: u64,
    /// By gateway: a [`BuildProtocol`] of the gateway's hello type.
    factories: HashMap<u64, Box<dyn Any>>,
    connections: HashMap<Key, Rc<Bridged>>,
}

thread_local! {
    static TABLE: RefCell<Table> = RefCell::new(Table::default());
}

/// Registers a gateway's factory on this thread; returns its number.
pub(crate) fn register<H: 'static>(factory: BuildProtocol<H>) -> u64 {
    TABLE.with(|table| {
        let mut table = table.borrow_mut();
        table.gateways += 1;
        let id = table.gateways;
        table.factories.insert(id, Box::new(factory));
        id
    })
}

/// Builds the protocol of a new connection with its gateway's factory and
/// makes the connection; a refused connection (or a gateway this thread
/// does not know) is aborted.
pub(crate) fn open<H: 'static>(
    reactor: &Reactor,
    key: Key,
    addresses: (Address, Address),
    hello: H,
    out: Arc<Outgoing>,
) {
    let (peer, local) = addresses;
    let factory = TABLE.with(|table| table.borrow_mut().factories.remove(&key.gateway));
    let Some(mut factory) = factory else {
        tracing::warn!(gateway = key.gateway, "no bridged factory; closing");
        out.end(Ending::Abort);
        return;
    };
    let built = factory
        .downcast_mut::<BuildProtocol<H>>()
        .and_then(|build| {
            catch_panic("build_protocol", || build(&peer, hello))
                .ok()
                .flatten()
        });
    TABLE.with(|table| table.borrow_mut().factories.insert(key.gateway, factory));
    let Some(protocol) = built else {
        out.end(Ending::Abort);
        return;
    };
    let backend = Rc::new(Backend {
        key,
        reactor: reactor.clone(),
        limits: Cell::new(WriteLimits::default()),
        out,
        peer,
        local,
        reading: Cell::new(true),
        pause: Cell::new(Pause::Writing),
        ending: Cell::new(Ending::Open),
        reason: RefCell::new(None),
    });
    let bridged = Rc::new(Bridged {
        protocol: RefCell::new(protocol),
        backend: backend.clone(),
        held: RefCell::new(VecDeque::new()),
    });
    TABLE.with(|table| table.borrow_mut().connections.insert(key, bridged.clone()));
    let transport = Transport::new(backend);
    bridged.call("connection_made", |p| p.connection_made(transport));
}

/// Carries out what the link of connection `key` said.
pub(crate) fn dispatch(key: Key, incoming: Incoming) {
    match incoming {
        Incoming::Data(bytes) => with_connection(key, |bridged| bridged.received(bytes)),
        Incoming::Message(message) => {
            with_connection(key, |bridged| bridged.message(message.as_ref()));
        }
        Incoming::Eof => with_connection(key, Bridged::eof),
        Incoming::ResumeWriting => with_connection(key, Bridged::resume_writing),
        Incoming::Ended(outcome) => ended(key, outcome),
    }
}

/// Runs `act` with connection `key`, if it is still there.
fn with_connection(key: Key, act: impl FnOnce(&Bridged)) {
    if let Some(bridged) = find(key) {
        act(&bridged);
    }
}

fn find(key: Key) -> Option<Rc<Bridged>> {
    TABLE.with(|table| table.borrow().connections.get(&key).cloned())
}

/// The link ended: the connection leaves the table and its protocol is
/// told why, once.
fn ended(key: Key, outcome: io::Result<()>) {
    let Some(bridged) = TABLE.with(|table| table.borrow_mut().connections.remove(&key)) else {
        return;
    };
    let backend = &bridged.backend;
    backend.ending.set(Ending::Abort);
    let asked = backend.reason.borrow_mut().take();
    let reason = match (outcome, asked) {
        (
            _,
            Some(
                reason @ (CloseReason::Aborted
                | CloseReason::WriteBufferFull { .. }
                | CloseReason::Panicked(_)),
            ),
        ) => reason,
        (Err(error), _) => CloseReason::from(error),
        (Ok(()), Some(reason)) => reason,
        (Ok(()), None) => CloseReason::Done,
    };
    bridged.held.borrow_mut().clear();
    let _ = catch_panic("connection_lost", || {
        bridged.protocol.borrow_mut().connection_lost(&reason);
    });
}

/// One bridged connection on its reactor.
struct Bridged {
    protocol: RefCell<Box<dyn Protocol>>,
    backend: Rc<Backend>,
    /// Chunks that arrived while reading was paused, in order.
    held: RefCell<VecDeque<Vec<u8>>>,
}

impl Bridged {
    /// Runs a protocol callback; a panic aborts the connection.
    fn call(&self, what: &str, callback: impl FnOnce(&mut dyn Protocol)) {
        let result = catch_panic(what, || callback(self.protocol.borrow_mut().as_mut()));
        if let Err(message) = result {
            self.backend
                .end(Ending::Abort, CloseReason::Panicked(Rc::from(message)));
        }
    }

    /// A chunk arrived: delivered now if the protocol reads, kept if it
    /// paused reading, dropped if it is closing. Its credit goes back to
    /// the link once it is delivered or dropped.
    fn received(&self, bytes: Vec<u8>) {
        if self.backend.is_disconnecting() {
            self.backend.out.credits.add_permits(1);
        } else if self.backend.reading.get() && self.held.borrow().is_empty() {
            self.deliver(&bytes);
        } else {
            self.held.borrow_mut().push_back(bytes);
        }
    }

    fn deliver(&self, bytes: &[u8]) {
        self.call("data_received", |p| p.data_received(bytes));
        self.backend.out.credits.add_permits(1);
    }

    /// Reading resumed: the chunks kept meanwhile are delivered, in order,
    /// while it stays resumed.
    fn deliver_held(&self) {
        while self.backend.reading.get() {
            let Some(bytes) = self.held.borrow_mut().pop_front() else {
                return;
            };
            if self.backend.is_disconnecting() {
                self.backend.out.credits.add_permits(1);
            } else {
                self.deliver(&bytes);
            }
        }
    }

    /// A message from the link, unless the connection is closing.
    fn message(&self, message: &dyn Any) {
        if !self.backend.is_disconnecting() {
            let event = LayerEvent::Message(message);
            self.call("layer_event", |p| p.layer_event(&event));
        }
    }

    /// The link caught up with the output; a pause not delivered yet is
    /// simply dropped (calls alternate).
    fn resume_writing(&self) {
        if self.backend.pause.replace(Pause::Writing) == Pause::Told {
            self.call("resume_writing", |p| p.resume_writing());
        }
    }

    fn eof(&self) {
        let mut half = HalfClose::Close;
        self.call("eof_received", |p| half = p.eof_received());
        if half == HalfClose::Close {
            self.backend.end(Ending::Close, CloseReason::PeerClosed);
        }
    }
}

/// Where a bridged protocol stands with pausing its writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pause {
    /// Writing freely.
    Writing,
    /// Past the high-water mark; `pause_writing` is about to be called.
    Due,
    /// Told to pause; `resume_writing` comes when the link caught up.
    Told,
}

/// The transport of a bridged protocol: writes go to the shared queue the
/// link writes from; see the [module docs](super) for the contract.
struct Backend {
    key: Key,
    reactor: Reactor,
    out: Arc<Outgoing>,
    peer: Address,
    local: Address,
    limits: Cell<WriteLimits>,
    reading: Cell<bool>,
    /// Where the protocol stands with pausing its writes.
    pause: Cell<Pause>,
    ending: Cell<Ending>,
    /// Why the connection is ending, when the protocol asked for it.
    reason: RefCell<Option<CloseReason>>,
}

impl Backend {
    /// Asks the link for `ending`, unless as much was asked already.
    fn end(&self, ending: Ending, reason: CloseReason) {
        if ending <= self.ending.get() {
            return;
        }
        self.ending.set(ending);
        if ending != Ending::ShutdownWrite {
            *self.reason.borrow_mut() = Some(reason);
        }
        self.out.end(ending);
    }

    /// Calls the protocol of this connection later, on the reactor's loop
    /// (a transport never calls its protocol from inside its methods).
    fn soon(&self, what: &'static str, callback: impl FnOnce(&Bridged) + 'static) {
        let key = self.key;
        self.reactor.call_soon(move || {
            tracing::trace!(what, "bridged callback");
            with_connection(key, callback);
        });
    }
}

fn unsupported() -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "a bridged stream has no socket of its own",
    ))
}

impl TransportBackend for Backend {
    fn write(&self, data: &[u8]) {
        self.write_vectored(&[data]);
    }

    fn write_vectored(&self, parts: &[&[u8]]) {
        if self.ending.get() != Ending::Open {
            return;
        }
        let pending = self.out.push(parts);
        let limits = self.limits.get();
        if let Some(limit) = limits.max.filter(|&max| pending > max) {
            self.end(
                Ending::Abort,
                CloseReason::WriteBufferFull { pending, limit },
            );
        } else if pending > limits.high && self.pause.get() == Pause::Writing {
            self.pause.set(Pause::Due);
            self.out.pause(limits.low);
            self.soon("pause_writing", |bridged| {
                if bridged.backend.pause.replace(Pause::Told) == Pause::Due {
                    bridged.call("pause_writing", |p| p.pause_writing());
                } else {
                    bridged.backend.pause.set(Pause::Writing);
                }
            });
        }
    }

    fn close(&self, kind: CloseKind) {
        match kind {
            CloseKind::Flush(None) => self.end(Ending::Close, CloseReason::Done),
            CloseKind::Flush(Some(why)) => self.end(Ending::Close, CloseReason::Protocol(why)),
            CloseKind::Abort => self.end(Ending::Abort, CloseReason::Aborted),
        }
    }

    fn shutdown_write(&self) {
        self.end(Ending::ShutdownWrite, CloseReason::Done);
    }

    fn is_closing(&self) -> bool {
        self.ending.get() != Ending::Open
    }

    fn is_disconnecting(&self) -> bool {
        self.ending.get() >= Ending::Close
    }

    fn peer_address(&self) -> Address {
        self.peer.clone()
    }

    fn local_address(&self) -> Address {
        self.local.clone()
    }

    fn set_reading(&self, reading: bool) {
        if self.reading.replace(reading) || !reading {
            return;
        }
        self.soon("resume_reading", Bridged::deliver_held);
    }

    fn pending_bytes(&self) -> usize {
        self.out.pending()
    }

    fn set_write_limits(&self, limits: WriteLimits) {
        self.limits.set(limits);
    }

    fn write_limits(&self) -> WriteLimits {
        self.limits.get()
    }

    fn set_nodelay(&self, _nodelay: bool) -> io::Result<()> {
        unsupported()
    }

    fn set_keepalive(&self, _idle: Option<Duration>) -> io::Result<()> {
        unsupported()
    }

    fn set_send_buffer_size(&self, _bytes: usize) -> io::Result<()> {
        unsupported()
    }
}
