//! A crowd of client connections driven by one thread (mio,
//! edge-triggered), at the lowest priority of its core: opened from
//! spread source addresses a few hundred at a time, each following a
//! [`Plan`] (bytes to send once connected, now and then, or as fast as
//! the socket takes them; whether to read), and each one's fate recorded
//! in a [`Member`]: when it connected, got its first byte and ended, and
//! how it ended.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token, Waker};
use socket2::{Domain, Socket, Type};

use super::sources::Sources;

/// Connections being opened at once (so that the server's accept queue
/// never overflows because of the pace alone).
const OPENING_AT_ONCE: usize = 256;
/// Bytes of the end of what a member received that are kept, to find the
/// last message it was sent.
const TAIL: usize = 512;
const WAKER: Token = Token(usize::MAX);
/// Bytes one connection may read, or write, in one turn before the others
/// get theirs (a server that keeps up would otherwise keep one flooding
/// connection writing forever).
const TURN: usize = 256 * 1024;

/// What each connection of a group does.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Sent once connected, all of it (however long), before any flood.
    pub hello: Vec<u8>,
    /// Sent every so often.
    pub every: Option<Every>,
    /// Sent over and over after the hello, as fast as the socket takes it.
    pub flood: Option<Vec<u8>>,
    /// Read (and count) what the server sends; when false, nothing is
    /// ever read and only the end of the connection is noticed.
    pub read: bool,
    /// The socket's receive buffer (`SO_RCVBUF`), if not the kernel's
    /// default.
    pub receive_buffer: Option<usize>,
}

/// Messages sent every `period`, one after the other in turn (the first
/// at a random point of the first period, so that a group's sends spread
/// over it). A message the socket has no room for is skipped.
#[derive(Clone, Debug)]
pub struct Every {
    /// Time between two messages.
    pub period: Duration,
    /// The messages, in turn.
    pub messages: Vec<Vec<u8>>,
}

/// How a connection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The server closed it in order (FIN).
    Closed,
    /// The server reset it (RST).
    Reset,
    /// Connecting failed, or another error.
    Failed(io::ErrorKind),
    /// This side closed it.
    Left,
}

/// One connection's fate.
#[derive(Clone, Debug)]
pub struct Member {
    /// When connecting began.
    pub started: Instant,
    /// When the connection was established.
    pub connected: Option<Instant>,
    /// When the first byte from the server arrived (the server accepted
    /// the connection and spoke).
    pub first_byte: Option<Instant>,
    /// When the whole hello was sent.
    pub hello_sent: Option<Instant>,
    /// When the last byte from the server arrived.
    pub last_byte: Option<Instant>,
    /// When and how it ended.
    pub ended: Option<(Instant, Ending)>,
    /// Bytes received.
    pub received: u64,
    /// Bytes sent.
    pub sent: u64,
    tail: Vec<u8>,
}

impl Member {
    /// Whether the end of what it received holds `text`.
    pub fn heard(&self, text: &[u8]) -> bool {
        self.tail.windows(text.len()).any(|w| w == text)
    }

    /// From established to ended (by the server or by an error).
    pub fn lifetime(&self) -> Option<Duration> {
        match (self.connected, self.ended) {
            (Some(connected), Some((ended, how))) if how != Ending::Left => Some(ended - connected),
            _ => None,
        }
    }

    /// Still open.
    pub fn is_open(&self) -> bool {
        self.connected.is_some() && self.ended.is_none()
    }

    fn end(&mut self, how: Ending) {
        if self.ended.is_none() {
            self.ended = Some((Instant::now(), how));
        }
    }
}

enum Command {
    Open(usize, Arc<Plan>),
    Flood(Option<Arc<[u8]>>),
    CloseAll,
    Stop,
}

/// A crowd of connections to one server, driven by a thread of its own.
/// Dropping it closes every connection.
pub struct Crowd {
    members: Arc<Mutex<Vec<Member>>>,
    commands: Sender<Command>,
    waker: Arc<Waker>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl Crowd {
    /// A crowd connecting to `server` from `sources`; its thread runs at
    /// the lowest priority.
    pub fn start(server: SocketAddr, sources: Sources) -> io::Result<Crowd> {
        let poll = Poll::new()?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        let members = Arc::new(Mutex::new(Vec::new()));
        let (commands, received) = mpsc::channel();
        let driver = Driver {
            poll,
            server,
            sources,
            commands: received,
            members: members.clone(),
            slots: Vec::new(),
            waiting: VecDeque::new(),
            opening: 0,
            due: BinaryHeap::new(),
            flood: None,
            again: VecDeque::new(),
            seed: 0x9e37_79b9_7f4a_7c15,
        };
        let thread = std::thread::Builder::new()
            .name("crowd".into())
            .spawn(move || {
                let _ = crate::lower_priority();
                driver.run()
            })?;
        Ok(Crowd {
            members,
            commands,
            waker,
            thread: Some(thread),
        })
    }

    fn send(&self, command: Command) {
        let _ = self.commands.send(command);
        let _ = self.waker.wake();
    }

    /// Opens `count` more connections that follow `plan`.
    pub fn open(&self, count: usize, plan: Plan) {
        self.send(Command::Open(count, Arc::new(plan)));
    }

    /// From now on every open connection sends `bytes` over and over (or,
    /// with `None`, only what its plan says).
    pub fn flood(&self, bytes: Option<&[u8]>) {
        self.send(Command::Flood(bytes.map(Arc::from)));
    }

    /// Closes every connection, and opens no more.
    pub fn close_all(&self) {
        self.send(Command::CloseAll);
    }

    /// Every connection's fate so far (the crowd waits while they are
    /// held).
    pub fn members(&self) -> MutexGuard<'_, Vec<Member>> {
        self.members.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many connections `test` holds for.
    pub fn count(&self, test: impl Fn(&Member) -> bool) -> usize {
        self.members().iter().filter(|m| test(m)).count()
    }

    /// Waits until `done` holds for the members, or `timeout` passes;
    /// whether it held.
    pub fn wait_until(&self, timeout: Duration, done: impl Fn(&[Member]) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if done(&self.members()) {
                return true;
            }
            if Instant::now() >= deadline || self.thread.as_ref().is_none_or(|t| t.is_finished()) {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `count` connections are established or failed, for
    /// at most `timeout`; how many are established.
    pub fn wait_connected(&self, count: usize, timeout: Duration) -> usize {
        self.wait_until(timeout, |members| {
            members
                .iter()
                .filter(|m| m.connected.is_some() || m.ended.is_some())
                .count()
                >= count
        });
        self.count(|m| m.connected.is_some())
    }
}

impl Drop for Crowd {
    fn drop(&mut self) {
        self.send(Command::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A connection as the crowd's thread holds it.
struct Slot {
    stream: TcpStream,
    plan: Arc<Plan>,
    /// Bytes of the hello sent so far.
    hello_at: usize,
    /// Where the next flood write starts in the flood bytes (so that a
    /// short write never cuts a telnet command in two).
    flood_at: usize,
    /// How many periodic messages were sent or skipped.
    every_count: usize,
}

struct Driver {
    poll: Poll,
    server: SocketAddr,
    sources: Sources,
    commands: Receiver<Command>,
    members: Arc<Mutex<Vec<Member>>>,
    /// By member index; `None` once ended.
    slots: Vec<Option<Slot>>,
    /// Connections to open, in order.
    waiting: VecDeque<Arc<Plan>>,
    /// Connections being opened.
    opening: usize,
    /// When members send their periodic bytes next.
    due: BinaryHeap<Reverse<(Instant, usize)>>,
    /// What every connection floods, when told to.
    flood: Option<Arc<[u8]>>,
    /// Connections whose turn ended with more to read or write: the
    /// socket will not tell again, so they get another turn.
    again: VecDeque<usize>,
    seed: u64,
}

impl Driver {
    fn run(mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(1024);
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            self.open_some()?;
            let timeout = if self.again.is_empty() {
                self.due
                    .peek()
                    .map(|Reverse((at, _))| at.saturating_duration_since(Instant::now()))
            } else {
                Some(Duration::ZERO)
            };
            match self.poll.poll(&mut events, timeout) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            let members = self.members.clone();
            let mut members = members.lock().unwrap_or_else(|e| e.into_inner());
            for event in events.iter() {
                if event.token() == WAKER {
                    if !self.obey(&mut members) {
                        return Ok(());
                    }
                    continue;
                }
                let index = event.token().0;
                let member = &mut members[index];
                if member.connected.is_none() {
                    self.finish_connecting(index, member);
                    continue;
                }
                if event.is_readable() || event.is_read_closed() || event.is_error() {
                    self.receive(
                        index,
                        member,
                        &mut buffer,
                        event.is_error(),
                        event.is_read_closed(),
                    );
                }
                if event.is_writable() {
                    self.write_pending(index, member);
                }
            }
            for index in std::mem::take(&mut self.again) {
                let member = &mut members[index];
                if member.is_open() {
                    self.receive(index, member, &mut buffer, false, false);
                    self.write_pending(index, member);
                }
            }
            self.send_due(&mut members);
        }
    }

    /// Carries out the commands; false on `Stop`.
    fn obey(&mut self, members: &mut [Member]) -> bool {
        while let Ok(command) = self.commands.try_recv() {
            match command {
                Command::Open(count, plan) => {
                    self.waiting.extend(std::iter::repeat_n(plan, count));
                }
                Command::Flood(bytes) => {
                    self.flood = bytes;
                    for (index, member) in members.iter_mut().enumerate() {
                        if member.is_open() {
                            self.write_pending(index, member);
                        }
                    }
                }
                Command::CloseAll => {
                    self.waiting.clear();
                    for (index, member) in members.iter_mut().enumerate() {
                        self.end(index, member, Ending::Left);
                    }
                }
                Command::Stop => return false,
            }
        }
        true
    }

    /// Starts connecting while fewer than [`OPENING_AT_ONCE`] are under
    /// way.
    fn open_some(&mut self) -> io::Result<()> {
        if self.waiting.is_empty() || self.opening >= OPENING_AT_ONCE {
            return Ok(());
        }
        let members = self.members.clone();
        let mut members = members.lock().unwrap_or_else(|e| e.into_inner());
        while self.opening < OPENING_AT_ONCE {
            let Some(plan) = self.waiting.pop_front() else {
                break;
            };
            let index = members.len();
            let mut member = Member {
                started: Instant::now(),
                connected: None,
                first_byte: None,
                hello_sent: None,
                last_byte: None,
                ended: None,
                received: 0,
                sent: 0,
                tail: Vec::new(),
            };
            match self.connect(&plan) {
                Ok(mut stream) => {
                    self.poll.registry().register(
                        &mut stream,
                        Token(index),
                        Interest::READABLE | Interest::WRITABLE,
                    )?;
                    self.slots.push(Some(Slot {
                        stream,
                        plan,
                        hello_at: 0,
                        flood_at: 0,
                        every_count: 0,
                    }));
                    self.opening += 1;
                }
                Err(error) => {
                    self.slots.push(None);
                    member.end(Ending::Failed(error.kind()));
                }
            }
            members.push(member);
        }
        Ok(())
    }

    /// A non-blocking connect from the next source address.
    fn connect(&mut self, plan: &Plan) -> io::Result<TcpStream> {
        let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
        socket.set_nonblocking(true)?;
        socket.set_tcp_nodelay(true)?;
        if let Some(size) = plan.receive_buffer {
            socket.set_recv_buffer_size(size)?;
        }
        socket.bind(&self.sources.next_source().into())?;
        match socket.connect(&self.server.into()) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) => return Err(e),
        }
        Ok(TcpStream::from_std(socket.into()))
    }

    fn finish_connecting(&mut self, index: usize, member: &mut Member) {
        let Some(slot) = self.slots[index].as_mut() else {
            return;
        };
        let outcome = match slot.stream.take_error() {
            Ok(Some(error)) | Err(error) => Err(error),
            Ok(None) => match slot.stream.peer_addr() {
                Ok(_) => Ok(()),
                // Not yet: a spurious wake-up.
                Err(e) if e.kind() == io::ErrorKind::NotConnected => return,
                Err(e) => Err(e),
            },
        };
        if let Err(error) = outcome {
            return self.end(index, member, Ending::Failed(error.kind()));
        }
        self.opening -= 1;
        member.connected = Some(Instant::now());
        let plan = slot.plan.clone();
        if let Some(every) = &plan.every {
            let offset = every.period.mul_f64(self.random_fraction());
            self.due.push(Reverse((Instant::now() + offset, index)));
        }
        self.write_pending(index, member);
        if plan.read {
            // Data may have come with the handshake's wake-up.
            let mut buffer = [0u8; 4096];
            self.receive(index, member, &mut buffer, false, false);
        }
    }

    fn receive(
        &mut self,
        index: usize,
        member: &mut Member,
        buffer: &mut [u8],
        error: bool,
        closed: bool,
    ) {
        let Some(slot) = self.slots[index].as_mut() else {
            return;
        };
        if !slot.plan.read {
            // Nothing is read: only the end shows.
            if error {
                let how = match slot.stream.take_error() {
                    Ok(Some(e)) => ending_of(&e),
                    _ => Ending::Reset,
                };
                self.end(index, member, how);
            } else if closed {
                self.end(index, member, Ending::Closed);
            }
            return;
        }
        let mut budget = TURN;
        loop {
            if budget == 0 {
                return self.again.push_back(index);
            }
            match slot.stream.read(buffer) {
                Ok(0) => return self.end(index, member, Ending::Closed),
                Ok(n) => {
                    budget = budget.saturating_sub(n);
                    let now = Instant::now();
                    member.first_byte.get_or_insert(now);
                    member.last_byte = Some(now);
                    member.received += n as u64;
                    let keep = n.min(TAIL);
                    member.tail.extend_from_slice(&buffer[n - keep..n]);
                    let excess = member.tail.len().saturating_sub(TAIL);
                    member.tail.drain(..excess);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return self.end(index, member, ending_of(&e)),
            }
        }
    }

    /// Writes what is left of the hello, then the flood bytes, until the
    /// socket is full.
    fn write_pending(&mut self, index: usize, member: &mut Member) {
        let Some(slot) = self.slots[index].as_mut() else {
            return;
        };
        if member.connected.is_none() {
            return;
        }
        let plan = slot.plan.clone();
        let mut budget = TURN;
        while slot.hello_at < plan.hello.len() {
            if budget == 0 {
                return self.again.push_back(index);
            }
            match slot.stream.write(&plan.hello[slot.hello_at..]) {
                Ok(n) => {
                    member.sent += n as u64;
                    slot.hello_at += n;
                    budget = budget.saturating_sub(n.max(1));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return self.end(index, member, ending_of(&e)),
            }
        }
        member.hello_sent.get_or_insert_with(Instant::now);
        let Some(bytes) = self
            .flood
            .clone()
            .or_else(|| plan.flood.as_deref().map(Arc::from))
        else {
            return;
        };
        if bytes.is_empty() {
            return;
        }
        let mut budget = TURN;
        loop {
            if budget == 0 {
                return self.again.push_back(index);
            }
            let at = slot.flood_at % bytes.len();
            match slot.stream.write(&bytes[at..]) {
                Ok(n) => {
                    member.sent += n as u64;
                    slot.flood_at = at + n;
                    budget = budget.saturating_sub(n.max(1));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return self.end(index, member, ending_of(&e)),
            }
        }
    }

    /// Sends the periodic bytes that are due.
    fn send_due(&mut self, members: &mut [Member]) {
        let now = Instant::now();
        while let Some(&Reverse((at, index))) = self.due.peek() {
            if at > now {
                return;
            }
            self.due.pop();
            let Some(slot) = self.slots[index].as_mut() else {
                continue;
            };
            let Some(every) = slot.plan.every.as_ref() else {
                continue;
            };
            let period = every.period;
            let message = &every.messages[slot.every_count % every.messages.len().max(1)];
            slot.every_count += 1;
            match slot.stream.write(message) {
                Ok(n) => members[index].sent += n as u64,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    self.end(index, &mut members[index], ending_of(&e));
                    continue;
                }
            }
            self.due.push(Reverse((at + period, index)));
        }
    }

    /// Records the end and closes this side.
    fn end(&mut self, index: usize, member: &mut Member, how: Ending) {
        if let Some(mut slot) = self.slots.get_mut(index).and_then(Option::take) {
            if member.connected.is_none() && member.ended.is_none() {
                self.opening -= 1;
            }
            let _ = self.poll.registry().deregister(&mut slot.stream);
        }
        member.end(how);
    }

    /// A fraction in [0, 1) (xorshift).
    fn random_fraction(&mut self) -> f64 {
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        (self.seed >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// How an error on a connection ends it.
fn ending_of(error: &io::Error) -> Ending {
    match error.kind() {
        io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe => Ending::Reset,
        kind => Ending::Failed(kind),
    }
}
