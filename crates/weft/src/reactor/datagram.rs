//! UDP sockets on the reactor: binding, reading datagrams to the
//! protocol, sending with a bounded queue, and telling the protocol of
//! refusals, pauses and the end after the callback that caused them.

use std::cell::{Cell, RefCell};
use std::io;
use std::net::SocketAddr;
use std::rc::{Rc, Weak};

use std::os::fd::AsRawFd;

use mio::Interest;
use mio::unix::SourceFd;
use socket2::{Domain, Socket, Type};

use super::Inner;
use super::sources::{Source, SourceKey};
use crate::Error;
use crate::endpoints::UdpListenOptions;
use crate::panic_guard::catch_panic;
use crate::udp::send_queue::{Pushed, SendQueue};
use crate::udp::{DatagramBackend, DatagramProtocol, DatagramTransport, SendLimits, SocketOption};

/// Datagrams one socket reads per loop iteration before other work.
const DATAGRAMS_PER_TURN: usize = 64;

/// Binds a UDP socket as `options` say.
pub(crate) fn bind_udp(options: &UdpListenOptions) -> Result<mio::net::UdpSocket, Error> {
    let fail = |source: io::Error| Error::Listen {
        address: format!("udp:{}", options.address),
        source,
    };
    let socket = Socket::new(
        Domain::for_address(options.address),
        Type::DGRAM.nonblocking().cloexec(),
        None,
    )
    .map_err(fail)?;
    if options.reuse_address {
        socket.set_reuse_address(true).map_err(fail)?;
    }
    socket.bind(&options.address.into()).map_err(fail)?;
    Ok(mio::net::UdpSocket::from_std(socket.into()))
}

/// Registers a bound socket, starts its protocol, and returns its
/// transport.
pub(crate) fn start<P: DatagramProtocol>(
    inner: &Rc<Inner>,
    socket: mio::net::UdpSocket,
    protocol: P,
) -> Result<DatagramTransport, Error> {
    let local = socket.local_addr().map_err(|source| Error::Listen {
        address: "udp".into(),
        source,
    })?;
    let datagrams = Rc::new(DatagramSocket {
        reactor: Rc::downgrade(inner),
        key: Cell::new(None),
        socket: RefCell::new(Some(socket)),
        #[cfg(test)]
        kernel_full: Cell::new(false),
        local,
        protocol: RefCell::new(Some(Box::new(protocol))),
        queue: RefCell::new(SendQueue::default()),
        peer: Cell::new(None),
        reading: Cell::new(true),
        closed: Cell::new(false),
        notices: Cell::new(Notices::default()),
        told_paused: Cell::new(false),
    });
    let key = inner
        .sources
        .borrow_mut()
        .insert(|_| Source::Datagram(datagrams.clone()));
    datagrams.key.set(Some(key));
    inner
        .registry
        .register(
            &mut SourceFd(&datagrams.fd()),
            key.token(),
            Interest::READABLE | Interest::WRITABLE,
        )
        .map_err(|source| {
            inner.sources.borrow_mut().remove(key);
            Error::Listen {
                address: format!("udp:{local}"),
                source,
            }
        })?;
    tracing::info!(address = %local, "listening for datagrams");
    let transport = DatagramTransport::new(Rc::new(Handle(datagrams.clone())));
    let handed = transport.clone();
    datagrams.call("started", |protocol| protocol.started(handed));
    inner.service_touched();
    Ok(transport)
}

/// What to tell the protocol once the current callback returns.
#[derive(Clone, Copy, Default)]
struct Notices {
    /// Queued for delivery already.
    queued: bool,
    refused: bool,
    /// The pause state changed (what to say is read when delivering).
    flow: bool,
    stopped: bool,
}

/// One UDP socket in the reactor's table.
pub(crate) struct DatagramSocket {
    reactor: Weak<Inner>,
    key: Cell<Option<SourceKey>>,
    /// `None` once closed.
    socket: RefCell<Option<mio::net::UdpSocket>>,
    /// In tests: the kernel takes no datagram (its send buffer is full).
    #[cfg(test)]
    kernel_full: Cell<bool>,
    local: SocketAddr,
    /// `None` while one of its methods runs, and once it was told it
    /// stopped.
    protocol: RefCell<Option<Box<dyn DatagramProtocol>>>,
    queue: RefCell<SendQueue>,
    peer: Cell<Option<SocketAddr>>,
    reading: Cell<bool>,
    closed: Cell<bool>,
    notices: Cell<Notices>,
    /// What the protocol was last told: paused or not.
    told_paused: Cell<bool>,
}

impl DatagramSocket {
    /// Runs `f` on the socket; an error of kind `NotConnected` once it is
    /// closed.
    fn with_socket<R>(
        &self,
        f: impl FnOnce(&mio::net::UdpSocket) -> io::Result<R>,
    ) -> io::Result<R> {
        match &*self.socket.borrow() {
            Some(socket) => f(socket),
            None => Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "the datagram socket is closed",
            )),
        }
    }

    fn fd(&self) -> std::os::fd::RawFd {
        self.socket
            .borrow()
            .as_ref()
            .map_or(-1, |socket| socket.as_raw_fd())
    }

    fn local_address(&self) -> SocketAddr {
        self.local
    }

    fn peer(&self) -> Option<SocketAddr> {
        self.peer.get()
    }

    fn is_closed(&self) -> bool {
        self.closed.get()
    }

    fn pending_bytes(&self) -> usize {
        self.queue.borrow().bytes()
    }

    fn dropped(&self) -> u64 {
        self.queue.borrow().dropped()
    }

    fn send_limits(&self) -> SendLimits {
        self.queue.borrow().limits()
    }

    fn set_send_limits(self: &Rc<Self>, limits: SendLimits) {
        if self.queue.borrow_mut().set_limits(limits).is_some() {
            self.notify(|n| n.flow = true);
        }
    }

    fn connect(&self, peer: SocketAddr) -> io::Result<()> {
        self.with_socket(|socket| socket.connect(peer))?;
        self.peer.set(Some(peer));
        Ok(())
    }

    fn set_reading(self: &Rc<Self>, reading: bool) {
        let resumed = reading && !self.reading.get();
        self.reading.set(reading);
        if resumed {
            // Readiness is edge-triggered: what waited will not be
            // signalled again.
            self.read_soon();
        }
    }

    /// Sends at once when nothing waits before it, else queues.
    fn send(self: &Rc<Self>, data: &[u8], to: Option<SocketAddr>) {
        if self.closed.get() {
            return;
        }
        if self.queue.borrow().is_empty() {
            match self.send_now(data, to) {
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                Err(error) => return self.not_sent(error),
                Ok(()) => return,
            }
        }
        let pushed = self.queue.borrow_mut().push(data, to);
        match pushed {
            Pushed::Queued => {}
            Pushed::QueuedAndPaused => self.notify(|n| n.flow = true),
            Pushed::Dropped => {
                tracing::debug!(local = %self.local, "send queue full; datagram dropped")
            }
        }
    }

    fn send_now(&self, data: &[u8], to: Option<SocketAddr>) -> io::Result<()> {
        #[cfg(test)]
        if self.kernel_full.get() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        self.with_socket(|socket| match to {
            Some(to) => socket.send_to(data, to),
            None => socket.send(data),
        })
        .map(|_| ())
    }

    /// A send failed for a reason other than a full buffer.
    fn not_sent(self: &Rc<Self>, error: io::Error) {
        if error.kind() == io::ErrorKind::ConnectionRefused {
            self.notify(|n| n.refused = true);
            return;
        }
        self.queue.borrow_mut().count_dropped();
        tracing::debug!(local = %self.local, %error, "datagram not sent; dropped");
    }

    /// The socket is writable: sends what waits, in order.
    fn flush(self: &Rc<Self>) {
        loop {
            let result = {
                let queue = self.queue.borrow();
                let Some((data, to)) = queue.front() else {
                    return;
                };
                self.send_now(data, to)
            };
            match result {
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => return,
                Err(error) => self.not_sent(error),
                Ok(()) => {}
            }
            if self.queue.borrow_mut().pop() {
                self.notify(|n| n.flow = true);
            }
        }
    }

    /// One read turn: datagrams to the protocol until the socket has no
    /// more, reading pauses, or the turn ends (then another comes soon).
    fn read_turn(self: &Rc<Self>, inner: &Rc<Inner>) {
        let mut buffer = inner.take_read_buffer();
        let mut drained = false;
        for _ in 0..DATAGRAMS_PER_TURN {
            if !self.reading.get() || self.closed.get() {
                drained = true;
                break;
            }
            let received = self.with_socket(|socket| socket.recv_from(&mut buffer));
            match received {
                Ok((length, from)) => self.call("datagram_received", |protocol| {
                    protocol.datagram_received(&buffer[..length], from);
                }),
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    drained = true;
                    break;
                }
                Err(error) if error.kind() == io::ErrorKind::ConnectionRefused => {
                    self.call("connection_refused", |protocol| {
                        protocol.connection_refused()
                    });
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => {
                    // Not retried at once: an error that persists must not
                    // spin the loop.
                    tracing::debug!(local = %self.local, %error, "datagram receive failed");
                    drained = true;
                    break;
                }
            }
            inner.service_touched();
        }
        inner.return_read_buffer(buffer);
        if !drained {
            self.read_soon();
        }
    }

    fn read_soon(self: &Rc<Self>) {
        let Some(inner) = self.reactor.upgrade() else {
            return;
        };
        let this = self.clone();
        let reactor = Rc::downgrade(&inner);
        inner.soon.borrow_mut().push_back(Box::new(move || {
            if let Some(inner) = reactor.upgrade() {
                this.read_turn(&inner);
            }
        }));
    }

    /// Closes the socket; `false` if it was closed already.
    fn close(self: &Rc<Self>) -> bool {
        if self.closed.replace(true) {
            return false;
        }
        if let (Some(inner), Some(key)) = (self.reactor.upgrade(), self.key.get()) {
            let _ = inner.registry.deregister(&mut SourceFd(&self.fd()));
            inner.sources.borrow_mut().remove(key);
        }
        self.socket.borrow_mut().take();
        *self.queue.borrow_mut() = SendQueue::default();
        tracing::info!(address = %self.local, "stopped listening for datagrams");
        self.notify(|n| n.stopped = true);
        true
    }

    /// Closes the socket and tells the protocol at once (the reactor is
    /// stopping: no later callback would).
    pub(crate) fn close_now(self: &Rc<Self>) {
        self.close();
        self.deliver_notices();
    }

    /// Runs `f` on the protocol, containing a panic (which closes the
    /// socket).
    fn call(self: &Rc<Self>, what: &str, f: impl FnOnce(&mut dyn DatagramProtocol)) {
        let Some(mut protocol) = self.protocol.borrow_mut().take() else {
            return;
        };
        let outcome = catch_panic(what, || f(&mut *protocol));
        *self.protocol.borrow_mut() = Some(protocol);
        if outcome.is_err() {
            self.close();
        }
    }

    /// Records a notice and makes sure it is delivered after the current
    /// callback.
    fn notify(self: &Rc<Self>, record: impl FnOnce(&mut Notices)) {
        let mut notices = self.notices.get();
        record(&mut notices);
        let queue = !notices.queued;
        notices.queued = true;
        self.notices.set(notices);
        if !queue {
            return;
        }
        let Some(inner) = self.reactor.upgrade() else {
            return;
        };
        let this = self.clone();
        inner
            .soon
            .borrow_mut()
            .push_back(Box::new(move || this.deliver_notices()));
    }

    fn deliver_notices(self: &Rc<Self>) {
        let notices = self.notices.take();
        if notices.refused {
            self.call("connection_refused", |protocol| {
                protocol.connection_refused()
            });
        }
        if notices.flow {
            let paused = self.queue.borrow().is_paused();
            if paused != self.told_paused.replace(paused) {
                if paused {
                    self.call("pause_writing", |protocol| protocol.pause_writing());
                } else {
                    self.call("resume_writing", |protocol| protocol.resume_writing());
                }
            }
        }
        if notices.stopped || self.closed.get() {
            let protocol = self.protocol.borrow_mut().take();
            if let Some(mut protocol) = protocol {
                let _ = catch_panic("stopped", || protocol.stopped());
            }
        }
    }
}

/// The reactor's socket as a [`DatagramTransport`]'s backend.
struct Handle(Rc<DatagramSocket>);

impl DatagramBackend for Handle {
    fn send(&self, data: &[u8], to: Option<SocketAddr>) {
        self.0.send(data, to);
    }

    fn connect(&self, peer: SocketAddr) -> io::Result<()> {
        self.0.connect(peer)
    }

    fn peer(&self) -> Option<SocketAddr> {
        self.0.peer()
    }

    fn local_address(&self) -> SocketAddr {
        self.0.local_address()
    }

    fn set_reading(&self, reading: bool) {
        self.0.set_reading(reading);
    }

    fn pending_bytes(&self) -> usize {
        self.0.pending_bytes()
    }

    fn dropped(&self) -> u64 {
        self.0.dropped()
    }

    fn set_send_limits(&self, limits: SendLimits) {
        self.0.set_send_limits(limits);
    }

    fn send_limits(&self) -> SendLimits {
        self.0.send_limits()
    }

    fn set_option(&self, option: SocketOption) -> io::Result<()> {
        self.0.with_socket(|socket| apply(socket, option))
    }

    fn close(&self) -> bool {
        self.0.close()
    }

    fn is_closed(&self) -> bool {
        self.0.is_closed()
    }
}

/// Applies `option` to `socket`.
fn apply(socket: &mio::net::UdpSocket, option: SocketOption) -> io::Result<()> {
    let raw = socket2::SockRef::from(socket);
    match option {
        SocketOption::JoinV4 { group, interface } => socket.join_multicast_v4(&group, &interface),
        SocketOption::LeaveV4 { group, interface } => socket.leave_multicast_v4(&group, &interface),
        SocketOption::MulticastLoopV4(on) => socket.set_multicast_loop_v4(on),
        SocketOption::MulticastTtlV4(ttl) => socket.set_multicast_ttl_v4(ttl),
        SocketOption::MulticastInterfaceV4(interface) => raw.set_multicast_if_v4(&interface),
        SocketOption::JoinV6 { group, interface } => socket.join_multicast_v6(&group, interface),
        SocketOption::LeaveV6 { group, interface } => socket.leave_multicast_v6(&group, interface),
        SocketOption::MulticastLoopV6(on) => socket.set_multicast_loop_v6(on),
        SocketOption::MulticastInterfaceV6(interface) => raw.set_multicast_if_v6(interface),
    }
}

impl Inner {
    /// A UDP socket is ready.
    pub(super) fn datagram_ready(
        self: &Rc<Self>,
        socket: &Rc<DatagramSocket>,
        event: &mio::event::Event,
    ) {
        if event.is_writable() {
            socket.flush();
        }
        if event.is_readable() || event.is_error() {
            socket.read_turn(self);
        }
    }

    /// Every UDP socket.
    pub(crate) fn datagram_sockets(&self) -> Vec<Rc<DatagramSocket>> {
        self.sources
            .borrow()
            .keys()
            .filter_map(|(_, source)| match source {
                Source::Datagram(socket) => Some(socket.clone()),
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::{Reactor, RunUntil};

    /// Records the flow-control calls and the datagrams it receives.
    #[derive(Default)]
    struct Flow(Rc<RefCell<Vec<String>>>);

    impl DatagramProtocol for Flow {
        fn datagram_received(&mut self, data: &[u8], _from: SocketAddr) {
            self.0
                .borrow_mut()
                .push(String::from_utf8_lossy(data).into_owned());
        }

        fn pause_writing(&mut self) {
            self.0.borrow_mut().push("pause".into());
        }

        fn resume_writing(&mut self) {
            self.0.borrow_mut().push("resume".into());
        }
    }

    const LOOPBACK: &str = "udp:port=0:interface=127.0.0.1";

    #[test]
    fn a_full_kernel_buffer_queues_pauses_drops_past_the_limit_then_sends_in_order_and_resumes() {
        let reactor = Reactor::new().unwrap();
        let sender_seen = Rc::new(RefCell::new(Vec::new()));
        let sender = reactor
            .listen_udp(LOOPBACK, Flow(sender_seen.clone()))
            .unwrap();
        let receiver_seen = Rc::new(RefCell::new(Vec::new()));
        let receiver = reactor
            .listen_udp(LOOPBACK, Flow(receiver_seen.clone()))
            .unwrap();
        sender.set_send_limits(SendLimits {
            high: 8,
            low: 4,
            max: 12,
        });
        let socket = reactor
            .inner
            .datagram_sockets()
            .into_iter()
            .find(|socket| socket.local_address() == sender.local_address())
            .unwrap();
        socket.kernel_full.set(true);
        for datagram in ["one", "two", "six", "dropped"] {
            sender.write_to(datagram.as_bytes(), receiver.local_address());
        }
        assert_eq!((sender.pending_bytes(), sender.dropped()), (9, 1));
        let told = |seen: &Rc<RefCell<Vec<String>>>, what: &str| {
            let seen = seen.clone();
            let what = what.to_owned();
            move || seen.borrow().contains(&what)
        };
        let paused = told(&sender_seen, "pause");
        let outcome = reactor.run_until(Duration::from_secs(30), paused);
        assert_eq!(outcome.unwrap(), RunUntil::Met);
        socket.kernel_full.set(false);
        socket.flush();
        assert_eq!(sender.pending_bytes(), 0);
        let resumed = told(&sender_seen, "resume");
        let all_in = told(&receiver_seen, "six");
        let outcome = reactor.run_until(Duration::from_secs(30), || resumed() && all_in());
        assert_eq!(outcome.unwrap(), RunUntil::Met);
        assert_eq!(*sender_seen.borrow(), ["pause", "resume"]);
        assert_eq!(*receiver_seen.borrow(), ["one", "two", "six"]);
    }
}
