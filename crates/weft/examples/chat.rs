//! A chat room over lines: each line a client sends goes to every other
//! client, prefixed with the sender's address (`[127.0.0.1:5555] hello`).
//! `/quit` leaves.
//!
//! ```text
//! chat [ENDPOINT]... [--telnet ENDPOINT]...
//! ```
//!
//! Each `ENDPOINT` serves plain lines (for `nc`); each `--telnet ENDPOINT`
//! serves the same room over Telnet (for a `telnet` client in line or
//! character mode). For example
//! `cargo run -p weft --example chat -- tcp:port=8900:interface=127.0.0.1 --telnet tcp:port=8923:interface=127.0.0.1`,
//! then `nc 127.0.0.1 8900` and `telnet 127.0.0.1 8923` from a few
//! terminals.
//!
//! It prints `listening on ADDRESS` once ready for each endpoint, in the
//! order given (`listening on ADDRESS (telnet)` for the telnet ones; port 0
//! picks a free port), and stops gracefully on SIGINT or SIGTERM.
//!
//! What it shows:
//! - A [`Protocol`] over a [`LineReceiver`]: each `data_received` is one
//!   line, ended by CR LF or a bare LF (what `nc` sends), at most
//!   [`MAX_LINE`] bytes; a longer line is announced as a [`LayerEvent`],
//!   gets a notice and the connection is closed with a reason naming the
//!   limit.
//! - The same protocol over lines over telnet ([`TelnetProtocol`]): the
//!   telnet layer answers negotiation and unescapes the input, so the
//!   lines are the same; there lines also end at a bare CR, which is what
//!   a telnet client in character mode sends for Enter (`CR NUL`). The
//!   server agrees to character mode (SGA) when the client asks, and
//!   leaves echoing to the client.
//! - State shared by the connections of one reactor: an `Rc<RefCell<Room>>`
//!   owned by the factory closure; no locks, the reactor is single-threaded.
//! - Bounded memory for slow clients: each transport's write buffer has a
//!   hard limit ([`WriteLimits::max`]); a client that stops reading while
//!   others talk is disconnected once [`MAX_PENDING`] bytes wait for it.
//! - Work that grows with the crowd, batched: arrivals and departures are
//!   announced once per loop iteration ([`Reactor::call_soon`]), naming at
//!   most [`NAMES_SHOWN`] of them, so a thousand clients joining at once
//!   cost a few announcements to each, not a thousand.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use weft::protocols::lines::Delimiter;
use weft::protocols::telnet::{Policy, TelnetOption, TelnetProtocol};
use weft::protocols::{LineReceiver, LineSender};
use weft::{Address, CloseReason, LayerEvent, Protocol, Reactor, Transport, WriteLimits};

/// The longest line a client may send, in bytes.
const MAX_LINE: usize = 4096;

/// Bytes that may wait for a client that does not read before it is cut
/// off.
const MAX_PENDING: usize = 256 * 1024;

/// Most names one announcement lists; the rest are counted.
const NAMES_SHOWN: usize = 5;

/// Everyone connected, by connection number.
struct Room {
    reactor: Reactor,
    next_id: u64,
    members: BTreeMap<u64, Member>,
    /// Arrivals and departures not announced yet, in order.
    news: Vec<News>,
}

/// Someone arrived or left.
enum News {
    Joined(u64, String),
    Left(String),
}

struct Member {
    name: String,
    sender: LineSender,
}

impl Room {
    fn new(reactor: Reactor) -> Self {
        Room {
            reactor,
            next_id: 0,
            members: BTreeMap::new(),
            news: Vec::new(),
        }
    }

    /// Queues `news` for the announcement at the end of this loop
    /// iteration.
    fn tell_later(room: &Rc<RefCell<Room>>, news: News) {
        let mut this = room.borrow_mut();
        if this.news.is_empty() {
            let room = room.clone();
            this.reactor
                .call_soon(move || room.borrow_mut().announce_news());
        }
        this.news.push(news);
    }

    /// Announces the queued news: each run of arrivals (or departures) as
    /// one line; a newcomer is not told of its own arrival.
    fn announce_news(&mut self) {
        let news = std::mem::take(&mut self.news);
        for run in news.chunk_by(|a, b| {
            matches!(
                (a, b),
                (News::Joined(..), News::Joined(..)) | (News::Left(_), News::Left(_))
            )
        }) {
            match &run[0] {
                News::Left(_) => {
                    let names: Vec<&str> = run.iter().filter_map(News::left).collect();
                    self.broadcast(None, announcement(&names, "left").as_bytes());
                }
                News::Joined(..) => self.announce_arrivals(run),
            }
        }
    }

    /// Announces a run of arrivals. A newcomer of the run hears only of
    /// those who came after it: its welcome counted the earlier ones.
    fn announce_arrivals(&self, run: &[News]) {
        let arrivals: Vec<(u64, &str)> = run.iter().filter_map(News::joined).collect();
        let names: Vec<&str> = arrivals.iter().map(|(_, name)| *name).collect();
        let line = announcement(&names, "joined");
        for (id, member) in &self.members {
            let later = match arrivals.iter().position(|(newcomer, _)| newcomer == id) {
                None => {
                    let _ = member.sender.send_line(line.as_bytes());
                    continue;
                }
                Some(position) => &names[position + 1..],
            };
            if !later.is_empty() {
                let _ = member
                    .sender
                    .send_line(announcement(later, "joined").as_bytes());
            }
        }
    }

    /// Sends `line` to every member but `except`.
    fn broadcast(&self, except: Option<u64>, line: &[u8]) {
        for (id, member) in &self.members {
            if Some(*id) != except {
                // A relayed line holds no LF (it ended the line), so it
                // always encodes.
                let _ = member.sender.send_line(line);
            }
        }
    }
}

impl News {
    fn joined(&self) -> Option<(u64, &str)> {
        match self {
            News::Joined(id, name) => Some((*id, name)),
            News::Left(_) => None,
        }
    }

    fn left(&self) -> Option<&str> {
        match self {
            News::Left(name) => Some(name),
            News::Joined(..) => None,
        }
    }
}

/// `* A joined`, `* A and B left`, `* A, B, C, D, E and 7 others joined`.
fn announcement(names: &[&str], what: &str) -> String {
    let shown = &names[..names.len().min(NAMES_SHOWN)];
    let hidden = names.len() - shown.len();
    let listed = match (shown, hidden) {
        ([only], 0) => (*only).to_owned(),
        ([first @ .., last], 0) => format!("{} and {last}", first.join(", ")),
        (shown, hidden) => format!("{} and {hidden} others", shown.join(", ")),
    };
    format!("* {listed} {what}")
}

/// One client's connection, over a line layer: each `data_received` is a
/// line.
struct Chatter {
    room: Rc<RefCell<Room>>,
    id: u64,
    name: String,
    sender: Option<LineSender>,
}

impl Chatter {
    fn new(room: Rc<RefCell<Room>>) -> Self {
        Chatter {
            room,
            id: 0,
            name: String::new(),
            sender: None,
        }
    }

    fn say(&self, line: &str) {
        if let Some(sender) = &self.sender {
            let _ = sender.send_line(line.as_bytes());
        }
    }
}

impl Protocol for Chatter {
    fn connection_made(&mut self, transport: Transport) {
        transport.set_write_limits(WriteLimits {
            max: Some(MAX_PENDING),
            ..WriteLimits::default()
        });
        let mut room = self.room.borrow_mut();
        self.id = room.next_id;
        room.next_id += 1;
        self.name = match transport.peer_address() {
            tcp @ Address::Tcp(_) => tcp.to_string(),
            other => format!("{other}#{}", self.id),
        };
        let Some(sender) = LineSender::of(&transport) else {
            transport.lose_connection_because("the chat runs over a line layer");
            return;
        };
        let others = room.members.len();
        let _ = sender.send_line(
            format!(
                "* welcome, you are {}; {others} other(s) here; /quit to leave",
                self.name
            )
            .as_bytes(),
        );
        room.members.insert(
            self.id,
            Member {
                name: self.name.clone(),
                sender: sender.clone(),
            },
        );
        self.sender = Some(sender);
        drop(room);
        Room::tell_later(&self.room, News::Joined(self.id, self.name.clone()));
        tracing::info!(name = %self.name, "joined");
    }

    fn data_received(&mut self, line: &[u8]) {
        if line.trim_ascii() == b"/quit" {
            self.say("* bye");
            if let Some(sender) = &self.sender {
                sender.transport().lose_connection();
            }
            return;
        }
        let mut relayed = Vec::with_capacity(self.name.len() + 3 + line.len());
        relayed.push(b'[');
        relayed.extend_from_slice(self.name.as_bytes());
        relayed.extend_from_slice(b"] ");
        relayed.extend_from_slice(line);
        self.room.borrow().broadcast(Some(self.id), &relayed);
    }

    /// The line layer closes the connection after an over-long line;
    /// tell the client why first.
    fn layer_event(&mut self, event: &LayerEvent<'_>) {
        if let LayerEvent::LineTooLong(_) = event {
            self.say(&format!("* line too long (over {MAX_LINE} bytes); bye"));
        }
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        let member = self.room.borrow_mut().members.remove(&self.id);
        if let Some(member) = member {
            Room::tell_later(&self.room, News::Left(member.name));
        }
        tracing::info!(name = %self.name, %reason, "left");
    }
}

/// Where to listen, and how.
struct Endpoint {
    description: String,
    telnet: bool,
}

/// The endpoints named on the command line, or `None` if it is wrong.
fn parse_arguments(mut args: impl Iterator<Item = String>) -> Option<Vec<Endpoint>> {
    let mut endpoints = Vec::new();
    while let Some(arg) = args.next() {
        let (description, telnet) = match arg.as_str() {
            "--telnet" => (args.next()?, true),
            flag if flag.starts_with("--") => return None,
            _ => (arg, false),
        };
        endpoints.push(Endpoint {
            description,
            telnet,
        });
    }
    (!endpoints.is_empty()).then_some(endpoints)
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let Some(endpoints) = parse_arguments(std::env::args().skip(1)) else {
        eprintln!(
            "usage: chat [ENDPOINT]... [--telnet ENDPOINT]...   \
             (for example: chat tcp:port=8900:interface=127.0.0.1 --telnet tcp:port=8923)"
        );
        return std::process::ExitCode::from(2);
    };
    match serve(&endpoints) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("chat: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// A chatter's line layer, for `nc` clients (lines end with CR LF or LF).
fn lines(room: &Rc<RefCell<Room>>) -> LineReceiver<Chatter> {
    LineReceiver::new(Chatter::new(room.clone())).with_max_line_length(MAX_LINE)
}

/// The telnet policy: no option is asked for, so a stock client stays in
/// its line mode and echoes locally; a client that asks for character
/// mode (SGA both ways) gets it, and sends Enter as `CR NUL`.
fn telnet_policy() -> Policy {
    Policy::new()
        .accept_local(TelnetOption::SGA)
        .accept_remote(TelnetOption::SGA)
}

fn serve(endpoints: &[Endpoint]) -> Result<(), weft::Error> {
    let reactor = Reactor::new()?;
    reactor.handle_signals()?;
    let room = Rc::new(RefCell::new(Room::new(reactor.clone())));
    for endpoint in endpoints {
        let room = room.clone();
        let port = if endpoint.telnet {
            reactor.listen(&endpoint.description, move |_peer: &Address| {
                let lines = lines(&room).with_delimiter(Delimiter::CrOrLf);
                Some(TelnetProtocol::new(lines, telnet_policy()))
            })?
        } else {
            reactor.listen(&endpoint.description, move |_peer: &Address| {
                Some(lines(&room).with_delimiter(Delimiter::CrLfOrLf))
            })?
        };
        let kind = if endpoint.telnet { " (telnet)" } else { "" };
        println!("listening on {}{kind}", port.address());
    }
    reactor.run()
}
