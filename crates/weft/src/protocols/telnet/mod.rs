//! Telnet (RFC 854, 855) with option negotiation by the Q method (RFC 1143),
//! sans I/O: bytes in, events and bytes out; no socket, no clock.
//!
//! [`Telnet`] is one session. Feed it what the peer sent with
//! [`Telnet::receive`]; it calls your sink with [`Event`]s (application data
//! as slices of your input whenever possible, commands, option changes,
//! window sizes, terminal types) and queues its negotiation replies, which
//! you drain with [`Telnet::take_output`] and write to the peer. Data you send
//! goes through [`Telnet::send_data`] (into the same queue, keeping order with
//! negotiation) or [`Telnet::encode_data`] (into your own buffer).
//!
//! Which options are agreed to is the application's [`Policy`]; requests made
//! later ([`Telnet::enable_local`] and friends) complete with an
//! [`Event::OptionEnabled`], [`Event::OptionDisabled`] or
//! [`Event::OptionRefused`].
//!
//! ```
//! use weft::protocols::telnet::{Policy, Telnet, TelnetOption};
//!
//! let mut telnet = Telnet::new(Policy::character_mode());
//! // WILL ECHO, WILL SGA, DO NAWS, WONT LINEMODE: written on connect.
//! assert_eq!(
//!     telnet.take_output(),
//!     [255, 251, 1, 255, 251, 3, 255, 253, 31, 255, 252, 34]
//! );
//! // The client agrees to ECHO, reports its window and types "hi".
//! let mut events = Vec::new();
//! telnet.receive(
//!     b"\xff\xfd\x01\xff\xfb\x1f\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0hi",
//!     |event| events.push(format!("{event:?}")),
//! );
//! assert_eq!(
//!     events,
//!     [
//!         "OptionEnabled { side: Local, option: ECHO }",
//!         "OptionEnabled { side: Remote, option: NAWS }",
//!         "WindowSize { width: 80, height: 24 }",
//!         "Data([104, 105])",
//!     ]
//! );
//! assert!(telnet.is_enabled_local(TelnetOption::ECHO));
//! // Confirmations are not answered: nothing to send.
//! assert!(!telnet.has_output());
//! ```
//!
//! # As a protocol layer
//!
//! [`TelnetProtocol`] runs any protocol over a Telnet session under weft's
//! reactor, as a [layer](crate::layer). It works like this: on connection,
//! write [`Telnet::take_output`]; on data, call
//! [`Telnet::receive_with_output`], writing the lent output queue to the
//! transport before handing each [`Event::Data`] to the protocol above (so
//! replies and its writes stay in order) and each other event to its
//! [`layer_event`](crate::Protocol::layer_event), then write what is left;
//! give the protocol above a transport whose writes go through
//! [`Telnet::encode_data`], and a [`TelnetSession`] (found from that
//! transport) whose requests ([`Telnet::enable_local`] and the like) write
//! the queue out.
//!
//! Modules, one concept each: [`codec`] (the byte stream), [`command`] and
//! [`option`] (the codes), [`qmethod`] (RFC 1143's per-option state machine),
//! [`negotiation`] (policy and option table), [`naws`] and [`ttype`].

pub mod codec;
pub mod command;
mod layer;
pub mod naws;
pub mod negotiation;
pub mod option;
pub mod qmethod;
pub mod ttype;

pub use codec::{Decoder, Discarded, Token};
pub use command::{Command, Verb};
pub use layer::{TelnetLayer, TelnetProtocol, TelnetSession, TelnetState};
pub use naws::WindowSize;
pub use negotiation::{OptionTable, Policy, Side};
pub use option::TelnetOption;
pub use qmethod::{QState, RequestStatus};
pub use ttype::TerminalTypes;

use qmethod::{Report, Send};

/// What a [`Telnet`] session tells the application, in stream order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event<'a> {
    /// Application data (see [`codec`] for CR handling). Borrowed from the
    /// input of [`Telnet::receive`]; never empty. A run of data may come in
    /// several events; only their concatenation is meaningful.
    Data(&'a [u8]),
    /// A command from the peer (`IAC IP`, `IAC AYT`, …).
    Command(Command),
    /// `option` became enabled on `side`: the peer agreed to our request, or
    /// we agreed to its request.
    OptionEnabled {
        /// Where the option now applies.
        side: Side,
        /// The option.
        option: TelnetOption,
    },
    /// `option` became disabled on `side`: at the request of either end.
    OptionDisabled {
        /// Where the option no longer applies.
        side: Side,
        /// The option.
        option: TelnetOption,
    },
    /// The peer refused our request to enable `option` on `side`; it stays
    /// disabled.
    OptionRefused {
        /// Where we wanted the option.
        side: Side,
        /// The option.
        option: TelnetOption,
    },
    /// The peer's window size (NAWS). Delivered whenever the peer sends one.
    WindowSize {
        /// Columns (0: unknown).
        width: u16,
        /// Rows (0: unknown).
        height: u16,
    },
    /// The peer's terminal type (TTYPE `IS`), as sent (RFC 1091 names are
    /// upper-case ASCII, for example `XTERM-256COLOR`).
    TerminalType(String),
    /// A subnegotiation for an option this module does not interpret (or a
    /// TTYPE subnegotiation other than `IS`), with `IAC IAC` decoded.
    Subnegotiation {
        /// The option.
        option: TelnetOption,
        /// The content between the option byte and `IAC SE`.
        content: &'a [u8],
    },
    /// Malformed input was dropped (see [`Discarded`]); the session goes on.
    Discarded(Discarded),
}

/// One Telnet session, sans I/O.
///
/// Contract:
/// - [`receive`](Self::receive) accepts the byte stream in chunks of any
///   size; the events depend only on the bytes, never on how they were split
///   (apart from how data is cut into [`Event::Data`] slices).
/// - Every reply the negotiation requires is appended to the output queue
///   before `receive` returns; the caller drains it with
///   [`take_output`](Self::take_output) and writes it to the peer. The
///   output a `receive` call adds is at most three times its input plus a
///   constant, so a caller that drains after each call has bounded memory.
/// - Requests never loop: confirmations are not answered (RFC 1143).
/// - Memory: the policy (under 200 bytes), a few bytes per option in use,
///   and a subnegotiation buffer bounded by
///   [`max_subnegotiation`](Self::max_subnegotiation).
#[derive(Debug, Clone)]
pub struct Telnet {
    decoder: Decoder,
    session: Session,
}

#[derive(Debug, Clone)]
struct Session {
    policy: Policy,
    table: OptionTable,
    output: Vec<u8>,
}

impl Telnet {
    /// A session that follows `policy`. The opening messages the policy
    /// names are queued at once (in this order: `WILL` for each requested
    /// local option, `DO` for each requested remote one, then the announced
    /// `WONT`s and `DONT`s); write them to the peer when the connection is
    /// made.
    pub fn new(policy: Policy) -> Telnet {
        let mut session = Session {
            policy,
            table: OptionTable::new(),
            output: Vec::new(),
        };
        let local: Vec<_> = session.policy.requested_local().collect();
        for option in local {
            session.request(Side::Local, option, true);
        }
        let remote: Vec<_> = session.policy.requested_remote().collect();
        for option in remote {
            session.request(Side::Remote, option, true);
        }
        let policy = &session.policy;
        for option in policy.announced_wont() {
            codec::encode_negotiation(Verb::Wont, option, &mut session.output);
        }
        for option in policy.announced_dont() {
            codec::encode_negotiation(Verb::Dont, option, &mut session.output);
        }
        Telnet {
            decoder: Decoder::new(),
            session,
        }
    }

    /// Decodes `input` from the peer, calling `sink` with each event in
    /// order and queueing negotiation replies in the output.
    pub fn receive<F>(&mut self, input: &[u8], mut sink: F)
    where
        F: FnMut(Event<'_>),
    {
        self.receive_with_output(input, |event, _| sink(event));
    }

    /// Like [`receive`](Self::receive), but also lends `sink` the output
    /// queue with each event, so that a caller can keep negotiation replies
    /// and its own writes in order: when an event is delivered, the queue
    /// holds (after what was already in it) exactly the replies caused by
    /// the input before that event. The sink may drain the queue (for
    /// example write it to the transport before handing data to the
    /// application) or append to it (for example with
    /// [`codec::encode_data`]).
    pub fn receive_with_output<F>(&mut self, input: &[u8], mut sink: F)
    where
        F: FnMut(Event<'_>, &mut Vec<u8>),
    {
        let session = &mut self.session;
        self.decoder
            .decode(input, |token| session.on_token(token, &mut sink));
    }

    /// Takes the bytes queued for the peer, leaving the queue empty (and
    /// unallocated).
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.session.output)
    }

    /// Moves the bytes queued for the peer to the end of `out`.
    pub fn drain_output_into(&mut self, out: &mut Vec<u8>) {
        if out.is_empty() {
            std::mem::swap(out, &mut self.session.output);
        } else {
            out.append(&mut self.session.output);
        }
    }

    /// Whether bytes are queued for the peer.
    pub fn has_output(&self) -> bool {
        !self.session.output.is_empty()
    }

    /// Appends application data for the peer to `out`, escaped (`IAC`
    /// doubled, bare `CR` as `CR NUL`; see [`codec`]). Does not touch the
    /// output queue: drain it first if ordering with negotiation matters.
    pub fn encode_data(&self, data: &[u8], out: &mut Vec<u8>) {
        codec::encode_data(data, out);
    }

    /// Queues application data for the peer, escaped as by
    /// [`encode_data`](Self::encode_data).
    pub fn send_data(&mut self, data: &[u8]) {
        codec::encode_data(data, &mut self.session.output);
    }

    /// Queues `IAC <command>` for the peer (for example `GoAhead`).
    pub fn send_command(&mut self, command: Command) {
        codec::encode_command(command, &mut self.session.output);
    }

    /// Queues `IAC SB option content IAC SE` for the peer, with `IAC` in
    /// `content` doubled. Sent whatever the option's state.
    pub fn send_subnegotiation(&mut self, option: TelnetOption, content: &[u8]) {
        codec::encode_subnegotiation(option, content, &mut self.session.output);
    }

    /// Asks the peer for its terminal type (`IAC SB TTYPE SEND IAC SE`), if
    /// TTYPE is enabled on its side; returns whether the request was queued.
    /// The session already asks once when TTYPE becomes enabled; each further
    /// call gets the next name in the client's list (RFC 1091).
    pub fn request_terminal_type(&mut self) -> bool {
        if self.is_enabled_remote(TelnetOption::TTYPE) {
            ttype::encode_send(&mut self.session.output);
            true
        } else {
            false
        }
    }

    /// Offers to enable `option` on our side (sends `WILL`, unless the Q
    /// method says to wait or that nothing is needed). The outcome comes as
    /// [`Event::OptionEnabled`] or [`Event::OptionRefused`] unless the status
    /// is [`RequestStatus::Unchanged`]. The policy is not consulted.
    pub fn enable_local(&mut self, option: TelnetOption) -> RequestStatus {
        self.session.request(Side::Local, option, true)
    }

    /// Announces that we stop performing `option` (sends `WONT`). The peer
    /// cannot refuse; [`Event::OptionDisabled`] follows its confirmation.
    pub fn disable_local(&mut self, option: TelnetOption) -> RequestStatus {
        self.session.request(Side::Local, option, false)
    }

    /// Asks the peer to enable `option` on its side (sends `DO`); see
    /// [`enable_local`](Self::enable_local).
    pub fn enable_remote(&mut self, option: TelnetOption) -> RequestStatus {
        self.session.request(Side::Remote, option, true)
    }

    /// Asks the peer to stop `option` on its side (sends `DONT`); see
    /// [`disable_local`](Self::disable_local).
    pub fn disable_remote(&mut self, option: TelnetOption) -> RequestStatus {
        self.session.request(Side::Remote, option, false)
    }

    /// Whether `option` is enabled on our side ([`QState::is_enabled`]).
    pub fn is_enabled_local(&self, option: TelnetOption) -> bool {
        self.state(Side::Local, option).is_enabled()
    }

    /// Whether `option` is enabled on the peer's side
    /// ([`QState::is_enabled`]).
    pub fn is_enabled_remote(&self, option: TelnetOption) -> bool {
        self.state(Side::Remote, option).is_enabled()
    }

    /// The Q-method state of `option` on `side`.
    pub fn state(&self, side: Side, option: TelnetOption) -> QState {
        self.session.table.get(side, option)
    }

    /// The session's policy.
    pub fn policy(&self) -> &Policy {
        &self.session.policy
    }

    /// Replaces the policy. Applies to requests from the peer from now on;
    /// options already enabled stay so (disable them explicitly).
    pub fn set_policy(&mut self, policy: Policy) {
        self.session.policy = policy;
    }

    /// The bound on a subnegotiation's content, in bytes (default
    /// [`codec::DEFAULT_MAX_SUBNEGOTIATION`]).
    pub fn max_subnegotiation(&self) -> usize {
        self.decoder.max_subnegotiation()
    }

    /// Changes the bound on a subnegotiation's content.
    pub fn set_max_subnegotiation(&mut self, max: usize) {
        self.decoder.set_max_subnegotiation(max);
    }
}

impl Session {
    fn request(&mut self, side: Side, option: TelnetOption, enable: bool) -> RequestStatus {
        let state = self.table.get(side, option);
        let request = if enable {
            state.request_enable()
        } else {
            state.request_disable()
        };
        self.table.set(side, option, request.state);
        if let Some(send) = request.send {
            self.send(side, option, send);
        }
        request.status
    }

    fn send(&mut self, side: Side, option: TelnetOption, send: Send) {
        let verb = match (side, send) {
            (Side::Local, Send::Enable) => Verb::Will,
            (Side::Local, Send::Disable) => Verb::Wont,
            (Side::Remote, Send::Enable) => Verb::Do,
            (Side::Remote, Send::Disable) => Verb::Dont,
        };
        codec::encode_negotiation(verb, option, &mut self.output);
    }

    fn on_token<F>(&mut self, token: Token<'_>, sink: &mut F)
    where
        F: FnMut(Event<'_>, &mut Vec<u8>),
    {
        match token {
            Token::Data(data) => sink(Event::Data(data), &mut self.output),
            Token::Command(command) => sink(Event::Command(command), &mut self.output),
            Token::Negotiation(verb, option) => self.negotiate(verb, option, sink),
            Token::Subnegotiation(option, content) => self.subnegotiation(option, content, sink),
            Token::Discarded(discarded) => sink(Event::Discarded(discarded), &mut self.output),
        }
    }

    fn negotiate<F>(&mut self, verb: Verb, option: TelnetOption, sink: &mut F)
    where
        F: FnMut(Event<'_>, &mut Vec<u8>),
    {
        let (side, enable) = match verb {
            Verb::Will => (Side::Remote, true),
            Verb::Wont => (Side::Remote, false),
            Verb::Do => (Side::Local, true),
            Verb::Dont => (Side::Local, false),
        };
        let state = self.table.get(side, option);
        let transition = if enable {
            state.receive_enable(self.policy.accepts(side, option))
        } else {
            state.receive_disable()
        };
        if let Some(violation) = transition.violation {
            tracing::debug!(?verb, ?option, ?violation, "telnet peer broke RFC 1143");
        }
        self.table.set(side, option, transition.state);
        if let Some(send) = transition.send {
            self.send(side, option, send);
        }
        let event = match transition.report {
            Some(Report::Enabled) => {
                if side == Side::Remote && option == TelnetOption::TTYPE {
                    ttype::encode_send(&mut self.output);
                }
                Event::OptionEnabled { side, option }
            }
            Some(Report::Disabled) => Event::OptionDisabled { side, option },
            Some(Report::Refused) => Event::OptionRefused { side, option },
            None => {
                if transition.send == Some(Send::Disable) && !transition.state.is_enabled() {
                    tracing::trace!(?verb, ?option, "telnet option refused by policy");
                }
                return;
            }
        };
        sink(event, &mut self.output);
    }

    fn subnegotiation<F>(&mut self, option: TelnetOption, content: &[u8], sink: &mut F)
    where
        F: FnMut(Event<'_>, &mut Vec<u8>),
    {
        let event = match option {
            TelnetOption::NAWS => match naws::parse(content) {
                Some(WindowSize { width, height }) => Event::WindowSize { width, height },
                None => Event::Discarded(Discarded::MalformedSubnegotiation {
                    option,
                    length: content.len(),
                }),
            },
            TelnetOption::TTYPE => match ttype::parse_is(content) {
                Some(name) => Event::TerminalType(name),
                None => Event::Subnegotiation { option, content },
            },
            _ => Event::Subnegotiation { option, content },
        };
        sink(event, &mut self.output);
    }
}

#[cfg(test)]
mod tests;
