//! Shows every key you press in a Telnet client, and your window size.
//!
//! `cargo run -p weft --example telnet_keys -- tcp:port=8023:interface=127.0.0.1`,
//! then `telnet 127.0.0.1 8023` and press keys (no need for Enter):
//!
//! ```text
//! key: 'a' (0x61)
//! key: Up
//! key: Ctrl-C (0x03)
//! window: 120x40
//! command: AreYouThere
//! ```
//!
//! The server runs over [`TelnetProtocol`] with [`Policy::character_mode`]:
//! it offers to echo (`WILL ECHO`, so the client stops echoing locally) and
//! to suppress go-ahead (`WILL SGA`, so the client sends each key as it is
//! pressed instead of whole lines), refuses line mode (`WONT LINEMODE`) and
//! asks for the window size (`DO NAWS`). The application below never sees
//! any of that: it gets the keys as data and the window size as an event.
//!
//! Ctrl-D ends the session. The server prints `listening on ADDRESS` once
//! ready (port 0 picks a free port) and stops gracefully on SIGINT or
//! SIGTERM.

use weft::protocols::telnet::{Event, Policy, Side, TelnetOption, TelnetProtocol};
use weft::{Address, LayerEvent, Protocol, Reactor, Transport};

/// One connection's application: describes each key, and each new window
/// size.
#[derive(Default)]
struct Keys {
    transport: Option<Transport>,
    window: Option<(u16, u16)>,
}

impl Keys {
    fn say(&self, line: &str) {
        if let Some(transport) = &self.transport {
            transport.write(line.as_bytes());
            transport.write(b"\r\n");
        }
    }
}

impl Protocol for Keys {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
        self.say("Press keys to see what they send; Ctrl-D quits.");
    }

    fn data_received(&mut self, data: &[u8]) {
        let mut rest = data;
        while !rest.is_empty() {
            let (key, used) = next_key(rest);
            self.say(&format!("key: {key}"));
            if key == Key::Control(0x04) {
                self.say("bye");
                if let Some(transport) = &self.transport {
                    transport.lose_connection();
                }
                return;
            }
            rest = &rest[used..];
        }
    }

    // Each key pressed makes a line of output: a client that sends but
    // does not read would have it pile up. Stop reading from such a client
    // until it catches up (the Telnet layer's replies count too).
    fn pause_writing(&mut self) {
        if let Some(transport) = &self.transport {
            transport.pause_reading();
        }
    }

    fn resume_writing(&mut self) {
        if let Some(transport) = &self.transport {
            transport.resume_reading();
        }
    }

    fn layer_event(&mut self, event: &LayerEvent<'_>) {
        if let LayerEvent::Telnet(event) = event {
            self.telnet_event(event);
        }
    }
}

impl Keys {
    fn telnet_event(&mut self, event: &Event<'_>) {
        match *event {
            Event::WindowSize { width, height } if self.window != Some((width, height)) => {
                self.window = Some((width, height));
                self.say(&format!("window: {width}x{height}"));
            }
            Event::OptionRefused {
                side: Side::Remote,
                option: TelnetOption::NAWS,
            } => self.say("window: not reported by this client"),
            // Commands such as IAC AYT, which telnet's `send ayt` sends.
            Event::Command(command) => self.say(&format!("command: {command:?}")),
            _ => {}
        }
    }
}

/// A key, as the terminal sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    /// A printable character (ASCII or UTF-8).
    Char(char),
    /// Enter: the client sends `CR NUL` (decoded to `CR` by the Telnet
    /// layer) or `CR LF`.
    Enter,
    /// A control byte (below 0x20, and DEL 0x7f).
    Control(u8),
    /// A named key sent as an escape sequence (`ESC [ A` is Up).
    Named(&'static str),
    /// A byte that is none of the above (a stray byte of broken UTF-8).
    Byte(u8),
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Key::Char(c) if c.is_ascii() => write!(f, "{c:?} (0x{:02x})", c as u32),
            Key::Char(c) => write!(f, "{c:?} (U+{:04X})", c as u32),
            Key::Enter => f.write_str("Enter (0x0d)"),
            Key::Control(0x09) => f.write_str("Tab (0x09)"),
            Key::Control(0x1b) => f.write_str("Escape (0x1b)"),
            Key::Control(0x7f) => f.write_str("Backspace (0x7f)"),
            Key::Control(byte) => write!(f, "Ctrl-{} (0x{byte:02x})", char::from(byte + 0x40)),
            Key::Named(name) => f.write_str(name),
            Key::Byte(byte) => write!(f, "0x{byte:02x}"),
        }
    }
}

/// Escape sequences of common keys, as xterm-like terminals send them
/// (`ESC O A` is Up in the terminal's "application cursor" mode).
const SEQUENCES: &[(&[u8], &str)] = &[
    (b"\x1b[A", "Up"),
    (b"\x1b[B", "Down"),
    (b"\x1b[C", "Right"),
    (b"\x1b[D", "Left"),
    (b"\x1bOA", "Up"),
    (b"\x1bOB", "Down"),
    (b"\x1bOC", "Right"),
    (b"\x1bOD", "Left"),
    (b"\x1b[H", "Home"),
    (b"\x1b[F", "End"),
    (b"\x1bOH", "Home"),
    (b"\x1bOF", "End"),
    (b"\x1b[1~", "Home"),
    (b"\x1b[2~", "Insert"),
    (b"\x1b[3~", "Delete"),
    (b"\x1b[4~", "End"),
    (b"\x1b[5~", "PageUp"),
    (b"\x1b[6~", "PageDown"),
    (b"\x1bOP", "F1"),
    (b"\x1bOQ", "F2"),
    (b"\x1bOR", "F3"),
    (b"\x1bOS", "F4"),
];

/// The first key in `data` (not empty) and how many bytes it used.
///
/// A terminal writes each key's bytes at once, so a key normally arrives
/// whole; one cut between two reads shows up as its pieces (an Escape,
/// then characters), which is good enough for a demonstration.
fn next_key(data: &[u8]) -> (Key, usize) {
    if let Some((sequence, name)) = SEQUENCES.iter().find(|(s, _)| data.starts_with(s)) {
        return (Key::Named(name), sequence.len());
    }
    match data[0] {
        b'\r' if data.get(1) == Some(&b'\n') => (Key::Enter, 2),
        b'\r' => (Key::Enter, 1),
        byte @ (0x00..=0x1f | 0x7f) => (Key::Control(byte), 1),
        byte if byte.is_ascii() => (Key::Char(char::from(byte)), 1),
        byte => {
            // A UTF-8 character takes up to 4 bytes.
            let end = data.len().min(4);
            let text = match std::str::from_utf8(&data[..end]) {
                Ok(text) => text,
                Err(error) => std::str::from_utf8(&data[..error.valid_up_to()]).unwrap_or(""),
            };
            match text.chars().next() {
                Some(c) => (Key::Char(c), c.len_utf8()),
                None => (Key::Byte(byte), 1),
            }
        }
    }
}

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(endpoint), None) = (args.next(), args.next()) else {
        eprintln!(
            "usage: telnet_keys ENDPOINT   (for example: telnet_keys tcp:port=8023:interface=127.0.0.1)"
        );
        return std::process::ExitCode::from(2);
    };
    match serve(&endpoint) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("telnet_keys: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn serve(endpoint: &str) -> Result<(), weft::Error> {
    let reactor = Reactor::new()?;
    reactor.handle_signals()?;
    let port = reactor.listen(endpoint, |_peer: &Address| {
        Some(TelnetProtocol::new(
            Keys::default(),
            Policy::character_mode(),
        ))
    })?;
    println!("listening on {}", port.address());
    reactor.run()
}
