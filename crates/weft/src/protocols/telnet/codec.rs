//! The Telnet byte codec: a resumable decoder that turns the byte stream into
//! [`Token`]s, and the encoders for outgoing data and commands.
//!
//! The decoder knows nothing of option state: it only splits the stream. It
//! carries its state across calls, so any split of the input into chunks
//! yields the same tokens (runs of data may be cut into more, smaller
//! [`Token::Data`] slices, whose concatenation is the same).
//!
//! # What the application sees as data
//!
//! - `IAC IAC` is one data byte 255.
//! - `CR NUL` becomes `CR` (RFC 854's bare carriage return).
//! - `CR LF` is passed through unchanged, so line framers that split on
//!   `LF` or `CR LF` work on the decoded stream.
//! - A `CR` followed by anything else (which RFC 854 does not allow) is
//!   passed through as is, followed by that byte.
//! - Other bytes, `NUL` included, are passed through.
//!
//! In character mode (server ECHO and SGA), the netkit `telnet` client sends
//! the Enter key as `CR NUL`, so the application sees a bare `CR`: a line
//! framer over Telnet should end lines at `CR`, `LF` or `CR LF`.
//!
//! # Subnegotiation
//!
//! `IAC SB option … IAC SE` is collected (with `IAC IAC` inside it decoded to
//! 255) up to a limit ([`DEFAULT_MAX_SUBNEGOTIATION`] bytes by default). A
//! longer one is reported once ([`Discarded::SubnegotiationTooLong`]) and its
//! bytes are skipped, without buffering, up to its `IAC SE`. An `IAC`
//! followed by anything but `IAC` or `SE` inside a subnegotiation ends it:
//! the partial subnegotiation is dropped and reported
//! ([`Discarded::UnterminatedSubnegotiation`]), and the `IAC` sequence is
//! decoded as if it came after the subnegotiation (so `IAC SB … IAC WILL x`
//! recovers at the `WILL`). Memory held by the decoder is therefore at most
//! the limit, whatever the input.
//!
//! # Encoding
//!
//! [`encode_data`] escapes `IAC` as `IAC IAC` and sends a `CR` that is not
//! followed by `LF` in the same buffer as `CR NUL` (RFC 854). A `CR` at the
//! very end of a buffer is therefore sent as `CR NUL`; if the next buffer
//! starts with `LF`, the peer sees `CR NUL LF`, which a conforming receiver
//! (this decoder included) turns back into `CR LF`. Encoding keeps no state.

use std::fmt;

use memchr::{memchr, memchr2};

use super::command::{CR, Command, IAC, LF, NUL, SB, SE, Verb};
use super::option::TelnetOption;

/// The default bound on the length of a subnegotiation's content, in bytes
/// (after `IAC IAC` decoding). Terminal types are at most 40 bytes (RFC
/// 1091) and a window size 4, so this is generous.
pub const DEFAULT_MAX_SUBNEGOTIATION: usize = 512;

/// One unit of the decoded stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token<'a> {
    /// Application data, already unescaped (see the module docs). Borrowed
    /// from the input whenever possible; never empty.
    Data(&'a [u8]),
    /// `IAC` followed by a command byte.
    Command(Command),
    /// `IAC WILL|WONT|DO|DONT option`.
    Negotiation(Verb, TelnetOption),
    /// A complete `IAC SB option … IAC SE`: the option and the content
    /// between the option byte and `IAC SE`, with `IAC IAC` decoded.
    Subnegotiation(TelnetOption, &'a [u8]),
    /// Something malformed that the decoder dropped.
    Discarded(Discarded),
}

/// What the decoder dropped, and why. Reported once per occurrence; decoding
/// goes on after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Discarded {
    /// A subnegotiation longer than `limit` bytes: dropped, and its bytes up
    /// to the next `IAC SE` skipped.
    SubnegotiationTooLong {
        /// The option of the subnegotiation.
        option: TelnetOption,
        /// The limit it went over.
        limit: usize,
    },
    /// A subnegotiation interrupted by an `IAC` that was not followed by `SE`
    /// (nor by `IAC`): dropped; the command that interrupted it is decoded.
    UnterminatedSubnegotiation {
        /// The option of the subnegotiation.
        option: TelnetOption,
    },
    /// `IAC SB` directly followed by `IAC`: a subnegotiation without an
    /// option byte. The `IAC` is decoded as the start of a command.
    SubnegotiationWithoutOption,
    /// A subnegotiation for an option weft interprets (NAWS, TTYPE) whose
    /// content does not have the form that option requires.
    MalformedSubnegotiation {
        /// The option of the subnegotiation.
        option: TelnetOption,
        /// The length of its content.
        length: usize,
    },
}

impl fmt::Display for Discarded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Discarded::SubnegotiationTooLong { option, limit } => write!(
                f,
                "telnet subnegotiation for {option} longer than {limit} bytes discarded"
            ),
            Discarded::UnterminatedSubnegotiation { option } => write!(
                f,
                "telnet subnegotiation for {option} not ended by IAC SE discarded"
            ),
            Discarded::SubnegotiationWithoutOption => {
                write!(f, "telnet subnegotiation without an option byte discarded")
            }
            Discarded::MalformedSubnegotiation { option, length } => write!(
                f,
                "malformed telnet subnegotiation for {option} ({length} bytes) discarded"
            ),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Plain data.
    Data,
    /// After `IAC` in data.
    Iac,
    /// After `IAC WILL|WONT|DO|DONT`.
    Verb(Verb),
    /// After `IAC SB`.
    SbOption,
    /// Inside a subnegotiation for this option.
    Sb(u8),
    /// After `IAC` inside a subnegotiation.
    SbIac(u8),
    /// Skipping an oversized subnegotiation.
    Skip(u8),
    /// After `IAC` while skipping.
    SkipIac(u8),
}

/// The resumable Telnet decoder. See the module docs for what it produces.
///
/// Memory: a few bytes of state plus the content of the subnegotiation being
/// collected, never more than the limit; the buffer is released after an
/// unusually long subnegotiation so an idle decoder holds little.
#[derive(Debug, Clone)]
pub struct Decoder {
    state: State,
    /// The last data byte delivered was a CR: a NUL right after it is eaten.
    after_cr: bool,
    sb: Vec<u8>,
    max_sb: usize,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new()
    }
}

/// Capacity above which the subnegotiation buffer is freed after use.
const KEEP_SB_CAPACITY: usize = 64;

impl Decoder {
    /// A decoder in the initial (data) state, with the default subnegotiation
    /// limit.
    pub fn new() -> Decoder {
        Decoder::with_max_subnegotiation(DEFAULT_MAX_SUBNEGOTIATION)
    }

    /// A decoder whose subnegotiations may hold at most `max` bytes of
    /// content.
    pub fn with_max_subnegotiation(max: usize) -> Decoder {
        Decoder {
            state: State::Data,
            after_cr: false,
            sb: Vec::new(),
            max_sb: max,
        }
    }

    /// The bound on a subnegotiation's content, in bytes.
    pub fn max_subnegotiation(&self) -> usize {
        self.max_sb
    }

    /// Changes the bound on a subnegotiation's content; applies from the next
    /// byte of subnegotiation content.
    pub fn set_max_subnegotiation(&mut self, max: usize) {
        self.max_sb = max;
    }

    /// Whether the decoder is between tokens in plain data (not inside a
    /// command or a subnegotiation).
    pub fn is_idle(&self) -> bool {
        self.state == State::Data
    }

    /// Decodes `input`, calling `emit` with each token in stream order.
    ///
    /// Tokens borrow from `input` (data) or from the decoder (subnegotiation
    /// content) for the duration of the call to `emit` only. Incomplete
    /// sequences at the end of `input` are remembered and completed by the
    /// next call.
    pub fn decode<F>(&mut self, input: &[u8], mut emit: F)
    where
        F: FnMut(Token<'_>),
    {
        let n = input.len();
        let mut i = 0;
        while i < n {
            match self.state {
                State::Data => i = self.data(input, i, &mut emit),
                State::Iac => {
                    let byte = input[i];
                    i += 1;
                    self.state = State::Data;
                    match byte {
                        IAC => emit(Token::Data(&input[i - 1..i])),
                        SB => self.state = State::SbOption,
                        _ => match Verb::from_byte(byte) {
                            Some(verb) => self.state = State::Verb(verb),
                            None => emit(Token::Command(Command::from_byte(byte))),
                        },
                    }
                }
                State::Verb(verb) => {
                    let option = TelnetOption(input[i]);
                    i += 1;
                    self.state = State::Data;
                    emit(Token::Negotiation(verb, option));
                }
                State::SbOption => {
                    let byte = input[i];
                    i += 1;
                    if byte == IAC {
                        emit(Token::Discarded(Discarded::SubnegotiationWithoutOption));
                        self.state = State::Iac;
                    } else {
                        self.sb.clear();
                        self.state = State::Sb(byte);
                    }
                }
                State::Sb(option) => {
                    let rest = &input[i..];
                    let (content, found) = match memchr(IAC, rest) {
                        Some(k) => (&rest[..k], true),
                        None => (rest, false),
                    };
                    i += content.len() + usize::from(found);
                    if self.collect(option, content, &mut emit) {
                        if found {
                            self.state = State::SbIac(option);
                        }
                    } else {
                        self.state = if found {
                            State::SkipIac(option)
                        } else {
                            State::Skip(option)
                        };
                    }
                }
                State::SbIac(option) => {
                    let byte = input[i];
                    match byte {
                        IAC => {
                            i += 1;
                            self.state = State::Sb(option);
                            if !self.collect(option, &[IAC], &mut emit) {
                                self.state = State::Skip(option);
                            }
                        }
                        SE => {
                            i += 1;
                            self.state = State::Data;
                            let content = std::mem::take(&mut self.sb);
                            emit(Token::Subnegotiation(TelnetOption(option), &content));
                            self.recycle(content);
                        }
                        _ => {
                            // Not consumed: decoded as a command after `IAC`.
                            self.release_sb();
                            emit(Token::Discarded(Discarded::UnterminatedSubnegotiation {
                                option: TelnetOption(option),
                            }));
                            self.state = State::Iac;
                        }
                    }
                }
                State::Skip(option) => match memchr(IAC, &input[i..]) {
                    Some(k) => {
                        i += k + 1;
                        self.state = State::SkipIac(option);
                    }
                    None => i = n,
                },
                State::SkipIac(option) => match input[i] {
                    IAC => {
                        i += 1;
                        self.state = State::Skip(option);
                    }
                    SE => {
                        i += 1;
                        self.state = State::Data;
                    }
                    // Already reported as too long; decoded as a command.
                    _ => self.state = State::Iac,
                },
            }
        }
    }

    /// Decodes a run of plain data starting at `i`; returns where it stopped.
    fn data<F>(&mut self, input: &[u8], mut i: usize, emit: &mut F) -> usize
    where
        F: FnMut(Token<'_>),
    {
        let n = input.len();
        if self.after_cr {
            self.after_cr = false;
            if input[i] == NUL {
                // CR NUL: the CR was already delivered.
                i += 1;
            }
            if i == n {
                return n;
            }
        }
        let mut start = i;
        let mut pos = i;
        loop {
            let Some(k) = memchr2(IAC, CR, &input[pos..]) else {
                if start < n {
                    emit(Token::Data(&input[start..]));
                }
                return n;
            };
            let at = pos + k;
            if input[at] == IAC {
                // Fast path: a whole two- or three-byte sequence in hand is
                // decoded here; anything else goes through the state machine
                // (same tokens either way).
                match input.get(at + 1) {
                    Some(&IAC) => {
                        // Deliver the data up to and including one 255.
                        emit(Token::Data(&input[start..=at]));
                        start = at + 2;
                        pos = start;
                        continue;
                    }
                    Some(&SB) | None => {}
                    Some(&byte) => {
                        let verb = Verb::from_byte(byte);
                        let end = if verb.is_some() { at + 3 } else { at + 2 };
                        if end <= n {
                            if start < at {
                                emit(Token::Data(&input[start..at]));
                            }
                            emit(match verb {
                                Some(verb) => Token::Negotiation(verb, TelnetOption(input[at + 2])),
                                None => Token::Command(Command::from_byte(byte)),
                            });
                            start = end;
                            pos = end;
                            continue;
                        }
                    }
                }
                if start < at {
                    emit(Token::Data(&input[start..at]));
                }
                self.state = State::Iac;
                return at + 1;
            }
            // A CR: look at the byte after it.
            if at + 1 == n {
                emit(Token::Data(&input[start..]));
                self.after_cr = true;
                return n;
            }
            if input[at + 1] == NUL {
                emit(Token::Data(&input[start..=at]));
                return at + 2;
            }
            pos = at + 1;
        }
    }

    /// Adds subnegotiation content; on overflow reports it, drops what was
    /// collected and returns false.
    fn collect<F>(&mut self, option: u8, content: &[u8], emit: &mut F) -> bool
    where
        F: FnMut(Token<'_>),
    {
        if self.sb.len() + content.len() > self.max_sb {
            self.release_sb();
            emit(Token::Discarded(Discarded::SubnegotiationTooLong {
                option: TelnetOption(option),
                limit: self.max_sb,
            }));
            return false;
        }
        self.sb.extend_from_slice(content);
        true
    }

    fn recycle(&mut self, mut buffer: Vec<u8>) {
        if buffer.capacity() <= KEEP_SB_CAPACITY {
            buffer.clear();
            self.sb = buffer;
        }
    }

    fn release_sb(&mut self) {
        let buffer = std::mem::take(&mut self.sb);
        self.recycle(buffer);
    }
}

/// Appends `data` to `out` as Telnet application data: `IAC` doubled, and a
/// `CR` not followed by `LF` (in `data`) sent as `CR NUL`. Stateless; see the
/// module docs for a `CR` at the end of `data`.
pub fn encode_data(data: &[u8], out: &mut Vec<u8>) {
    out.reserve(data.len());
    let mut start = 0;
    let mut pos = 0;
    while let Some(k) = memchr2(IAC, CR, &data[pos..]) {
        let at = pos + k;
        if data[at] == IAC {
            out.extend_from_slice(&data[start..=at]);
            out.push(IAC);
            start = at + 1;
            pos = at + 1;
        } else if data.get(at + 1) == Some(&LF) {
            pos = at + 2;
        } else {
            out.extend_from_slice(&data[start..=at]);
            out.push(NUL);
            start = at + 1;
            pos = at + 1;
        }
    }
    out.extend_from_slice(&data[start..]);
}

/// Appends `IAC <command>` to `out`.
pub fn encode_command(command: Command, out: &mut Vec<u8>) {
    out.extend_from_slice(&[IAC, command.to_byte()]);
}

/// Appends `IAC <verb> <option>` to `out`.
pub fn encode_negotiation(verb: Verb, option: TelnetOption, out: &mut Vec<u8>) {
    out.extend_from_slice(&[IAC, verb.to_byte(), option.0]);
}

/// Appends `IAC SB <option> <content> IAC SE` to `out`, with `IAC` in the
/// content doubled.
pub fn encode_subnegotiation(option: TelnetOption, content: &[u8], out: &mut Vec<u8>) {
    out.reserve(content.len() + 5);
    out.extend_from_slice(&[IAC, SB, option.0]);
    for &byte in content {
        out.push(byte);
        if byte == IAC {
            out.push(IAC);
        }
    }
    out.extend_from_slice(&[IAC, SE]);
}

#[cfg(test)]
mod tests {
    use super::super::command::{DO, GA, NOP, WILL};
    use super::*;

    /// An owned token, with adjacent data merged.
    #[derive(Debug, Clone, PartialEq, Eq)]
    enum Owned {
        Data(Vec<u8>),
        Command(Command),
        Negotiation(Verb, TelnetOption),
        Sub(TelnetOption, Vec<u8>),
        Discarded(Discarded),
    }

    fn push(tokens: &mut Vec<Owned>, token: Token<'_>) {
        match token {
            Token::Data(data) => {
                assert!(!data.is_empty(), "empty data token");
                if let Some(Owned::Data(last)) = tokens.last_mut() {
                    last.extend_from_slice(data);
                } else {
                    tokens.push(Owned::Data(data.to_vec()));
                }
            }
            Token::Command(c) => tokens.push(Owned::Command(c)),
            Token::Negotiation(v, o) => tokens.push(Owned::Negotiation(v, o)),
            Token::Subnegotiation(o, c) => tokens.push(Owned::Sub(o, c.to_vec())),
            Token::Discarded(d) => tokens.push(Owned::Discarded(d)),
        }
    }

    fn decode_chunks(decoder: &mut Decoder, chunks: &[&[u8]]) -> Vec<Owned> {
        let mut tokens = Vec::new();
        for chunk in chunks {
            decoder.decode(chunk, |t| push(&mut tokens, t));
        }
        tokens
    }

    fn decode(input: &[u8]) -> Vec<Owned> {
        decode_chunks(&mut Decoder::new(), &[input])
    }

    fn data(bytes: &[u8]) -> Owned {
        Owned::Data(bytes.to_vec())
    }

    #[test]
    fn plain_data_is_one_borrowed_slice() {
        let input = b"hello world\r\n";
        let mut decoder = Decoder::new();
        let mut count = 0;
        decoder.decode(input, |t| {
            count += 1;
            match t {
                Token::Data(d) => assert_eq!(d.as_ptr(), input.as_ptr()),
                other => panic!("unexpected {other:?}"),
            }
        });
        assert_eq!(count, 1);
    }

    #[test]
    fn iac_iac_is_a_data_255() {
        assert_eq!(decode(b"a\xff\xffb"), vec![data(b"a\xffb")]);
    }

    #[test]
    fn commands_are_decoded() {
        assert_eq!(
            decode(&[b'x', IAC, NOP, IAC, GA, IAC, 239, b'y']),
            vec![
                data(b"x"),
                Owned::Command(Command::Nop),
                Owned::Command(Command::GoAhead),
                Owned::Command(Command::Other(239)),
                data(b"y"),
            ]
        );
    }

    #[test]
    fn negotiations_are_decoded() {
        assert_eq!(
            decode(&[IAC, WILL, 1, IAC, DO, 31]),
            vec![
                Owned::Negotiation(Verb::Will, TelnetOption::ECHO),
                Owned::Negotiation(Verb::Do, TelnetOption::NAWS),
            ]
        );
    }

    #[test]
    fn carriage_returns() {
        assert_eq!(decode(b"a\r\0b"), vec![data(b"a\rb")]);
        assert_eq!(decode(b"a\r\nb"), vec![data(b"a\r\nb")]);
        assert_eq!(decode(b"a\rb"), vec![data(b"a\rb")]);
        assert_eq!(decode(b"\0a\0"), vec![data(b"\0a\0")]);
        assert_eq!(decode(b"\r\0\r\0"), vec![data(b"\r\r")]);
        // A NUL after CR split across calls is still eaten.
        let mut decoder = Decoder::new();
        assert_eq!(
            decode_chunks(&mut decoder, &[b"a\r", b"\0b"]),
            vec![data(b"a\rb")]
        );
        // A CR then a command then NUL: the NUL is data.
        assert_eq!(
            decode(&[CR, IAC, NOP, NUL]),
            vec![data(b"\r"), Owned::Command(Command::Nop), data(b"\0")]
        );
    }

    #[test]
    fn subnegotiation_with_escaped_iac() {
        assert_eq!(
            decode(&[IAC, SB, 31, 0, 80, IAC, IAC, 0, 24, IAC, SE, b'z']),
            vec![
                Owned::Sub(TelnetOption::NAWS, vec![0, 80, 255, 0, 24]),
                data(b"z")
            ]
        );
    }

    #[test]
    fn empty_subnegotiation() {
        assert_eq!(
            decode(&[IAC, SB, 24, IAC, SE]),
            vec![Owned::Sub(TelnetOption::TTYPE, vec![])]
        );
    }

    #[test]
    fn unterminated_subnegotiation_recovers_at_the_command() {
        assert_eq!(
            decode(&[IAC, SB, 24, 0, b'X', IAC, WILL, 1, b'a']),
            vec![
                Owned::Discarded(Discarded::UnterminatedSubnegotiation {
                    option: TelnetOption::TTYPE
                }),
                Owned::Negotiation(Verb::Will, TelnetOption::ECHO),
                data(b"a"),
            ]
        );
    }

    #[test]
    fn subnegotiation_without_option() {
        assert_eq!(
            decode(&[IAC, SB, IAC, NOP, b'a']),
            vec![
                Owned::Discarded(Discarded::SubnegotiationWithoutOption),
                Owned::Command(Command::Nop),
                data(b"a"),
            ]
        );
    }

    #[test]
    fn oversized_subnegotiation_is_skipped_and_reported_once() {
        let mut decoder = Decoder::with_max_subnegotiation(8);
        let mut input = vec![IAC, SB, 99];
        input.extend_from_slice(&[7u8; 100]);
        input.extend_from_slice(&[IAC, IAC, 1, 2, IAC, SE, b'k']);
        let tokens = decode_chunks(&mut decoder, &[&input]);
        assert_eq!(
            tokens,
            vec![
                Owned::Discarded(Discarded::SubnegotiationTooLong {
                    option: TelnetOption(99),
                    limit: 8
                }),
                data(b"k"),
            ]
        );
        assert!(decoder.sb.capacity() <= KEEP_SB_CAPACITY);
        // Exactly the limit is fine, including an escaped IAC.
        let mut decoder = Decoder::with_max_subnegotiation(3);
        let tokens = decode_chunks(&mut decoder, &[&[IAC, SB, 99, 1, 2, IAC, IAC, IAC, SE]]);
        assert_eq!(tokens, vec![Owned::Sub(TelnetOption(99), vec![1, 2, 255])]);
        let tokens = decode_chunks(&mut decoder, &[&[IAC, SB, 99, 1, 2, 3, IAC, IAC, IAC, SE]]);
        assert_eq!(
            tokens,
            vec![Owned::Discarded(Discarded::SubnegotiationTooLong {
                option: TelnetOption(99),
                limit: 3
            })]
        );
    }

    #[test]
    fn endless_subnegotiation_holds_bounded_memory() {
        let mut decoder = Decoder::with_max_subnegotiation(100);
        let mut reports = 0;
        decoder.decode(&[IAC, SB, 99], |_| reports += 1);
        let chunk = [b'q'; 4096];
        for _ in 0..1000 {
            decoder.decode(&chunk, |_| reports += 1);
            assert!(decoder.sb.capacity() <= 128);
        }
        assert_eq!(reports, 1);
        assert!(!decoder.is_idle());
        // The peer ends it at last; data flows again.
        let tokens = decode_chunks(&mut decoder, &[&[IAC, SE, b'o', b'k']]);
        assert_eq!(tokens, vec![data(b"ok")]);
    }

    #[test]
    fn skipping_ends_at_a_command_too() {
        let mut decoder = Decoder::with_max_subnegotiation(2);
        let tokens = decode_chunks(&mut decoder, &[&[IAC, SB, 5, 1, 2, 3, 4, IAC, NOP, b'a']]);
        assert_eq!(
            tokens,
            vec![
                Owned::Discarded(Discarded::SubnegotiationTooLong {
                    option: TelnetOption::STATUS,
                    limit: 2
                }),
                Owned::Command(Command::Nop),
                data(b"a"),
            ]
        );
    }

    #[test]
    fn every_split_point_gives_the_same_tokens() {
        let input: Vec<u8> = [
            &b"ab\r"[..],
            &[NUL, b'c', CR, LF, IAC, IAC, IAC, NOP, IAC, WILL, 3],
            &[IAC, SB, 31, 0, 80, IAC, IAC, 0, 24, IAC, SE, CR],
            &[CR, NUL, IAC, SB, 24, 1, IAC, DO, 1, IAC],
        ]
        .concat();
        let whole = decode(&input);
        for a in 0..=input.len() {
            for b in a..=input.len() {
                let mut decoder = Decoder::new();
                let chunks = [&input[..a], &input[a..b], &input[b..]];
                assert_eq!(decode_chunks(&mut decoder, &chunks), whole, "split {a} {b}");
            }
        }
    }

    #[test]
    fn encoding_escapes_iac_and_bare_cr() {
        let mut out = Vec::new();
        encode_data(b"a\xffb\r\nc\rd\r", &mut out);
        assert_eq!(out, b"a\xff\xffb\r\nc\r\0d\r\0");
        let mut back = Vec::new();
        Decoder::new().decode(&out, |t| match t {
            Token::Data(d) => back.extend_from_slice(d),
            other => panic!("unexpected {other:?}"),
        });
        assert_eq!(back, b"a\xffb\r\nc\rd\r");
    }

    #[test]
    fn encoding_commands_and_subnegotiations() {
        let mut out = Vec::new();
        encode_command(Command::AreYouThere, &mut out);
        encode_negotiation(Verb::Wont, TelnetOption::LINEMODE, &mut out);
        encode_subnegotiation(TelnetOption::NAWS, &[0, 255, 0, 24], &mut out);
        assert_eq!(
            out,
            vec![
                IAC, 246, IAC, 252, 34, IAC, SB, 31, 0, 255, 255, 0, 24, IAC, SE
            ]
        );
    }

    /// A reference decoder written differently (whole input at once, one
    /// byte at a time, no fast paths) to check the real one against.
    fn reference(input: &[u8], max: usize) -> Vec<Owned> {
        let mut tokens = Vec::new();
        let n = input.len();
        let mut i = 0;
        while i < n {
            let byte = input[i];
            if byte != IAC {
                push(&mut tokens, Token::Data(&[byte]));
                i += 1;
                if byte == CR && input.get(i) == Some(&NUL) {
                    i += 1;
                }
                continue;
            }
            let Some(&next) = input.get(i + 1) else {
                break;
            };
            if next == IAC {
                push(&mut tokens, Token::Data(&[IAC]));
                i += 2;
            } else if let Some(verb) = Verb::from_byte(next) {
                let Some(&option) = input.get(i + 2) else {
                    break;
                };
                push(&mut tokens, Token::Negotiation(verb, TelnetOption(option)));
                i += 3;
            } else if next != SB {
                push(&mut tokens, Token::Command(Command::from_byte(next)));
                i += 2;
            } else {
                let Some(&option) = input.get(i + 2) else {
                    break;
                };
                if option == IAC {
                    push(
                        &mut tokens,
                        Token::Discarded(Discarded::SubnegotiationWithoutOption),
                    );
                    i += 2;
                    continue;
                }
                let option = TelnetOption(option);
                let mut content = Vec::new();
                let mut too_long = false;
                let mut j = i + 3;
                // Where decoding resumes; n if the input ends inside.
                i = n;
                while j < n {
                    let byte = if input[j] == IAC {
                        match input.get(j + 1) {
                            None => break,
                            Some(&SE) => {
                                if !too_long {
                                    push(&mut tokens, Token::Subnegotiation(option, &content));
                                }
                                i = j + 2;
                                break;
                            }
                            Some(&IAC) => {
                                j += 2;
                                IAC
                            }
                            Some(_) => {
                                if !too_long {
                                    push(
                                        &mut tokens,
                                        Token::Discarded(Discarded::UnterminatedSubnegotiation {
                                            option,
                                        }),
                                    );
                                }
                                i = j;
                                break;
                            }
                        }
                    } else {
                        j += 1;
                        input[j - 1]
                    };
                    if !too_long {
                        content.push(byte);
                        if content.len() > max {
                            too_long = true;
                            push(
                                &mut tokens,
                                Token::Discarded(Discarded::SubnegotiationTooLong {
                                    option,
                                    limit: max,
                                }),
                            );
                        }
                    }
                }
            }
        }
        tokens
    }

    fn special_bytes() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let byte = prop_oneof![
            4 => Just(IAC),
            2 => Just(SB),
            2 => Just(SE),
            1 => Just(WILL),
            1 => Just(DO),
            1 => Just(NOP),
            2 => Just(CR),
            1 => Just(LF),
            2 => Just(NUL),
            3 => any::<u8>(),
        ];
        proptest::collection::vec(byte, 0..120)
    }

    proptest::proptest! {
        #[test]
        fn matches_the_reference_decoder(input in special_bytes(), max in 0usize..6) {
            let mut decoder = Decoder::with_max_subnegotiation(max);
            let tokens = decode_chunks(&mut decoder, &[&input]);
            proptest::prop_assert_eq!(tokens, reference(&input, max));
        }
    }
}
