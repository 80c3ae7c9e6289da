//! The chat example over real TCP: lines relayed between clients with the
//! sender's address, `/quit`, peers that send bad input, and clients that
//! speak telnet.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::{ExampleProcess, PATIENCE};

/// A chat client: a socket and a line reader on it.
struct Client {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
    name: String,
}

impl Client {
    /// Connects and reads the welcome line, after which the server has the
    /// client in its room.
    fn join(server: &ExampleProcess) -> Client {
        Client::join_at(&server.address)
    }

    /// [`join`](Self::join) at `address`.
    fn join_at(address: &str) -> Client {
        let stream = TcpStream::connect(address).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        let name = stream.local_addr().unwrap().to_string();
        let reader = BufReader::new(stream.try_clone().unwrap());
        let mut client = Client {
            stream,
            reader,
            name,
        };
        let welcome = client.line();
        assert!(
            welcome.starts_with(&format!("* welcome, you are {}", client.name)),
            "{welcome:?}"
        );
        client
    }

    fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// The next line, which must end with CR LF, without it.
    fn line(&mut self) -> String {
        let mut line = String::new();
        let n = self.reader.read_line(&mut line).unwrap();
        assert!(n > 0, "connection closed while a line was expected");
        line.strip_suffix("\r\n")
            .unwrap_or_else(|| panic!("line without CR LF: {line:?}"))
            .to_owned()
    }

    /// The next line other than `aside`; notes in `seen` whether `aside`
    /// came first.
    fn line_aside(&mut self, aside: &str, seen: &mut bool) -> String {
        loop {
            let line = self.line();
            if line == aside && !*seen {
                *seen = true;
            } else {
                return line;
            }
        }
    }

    /// The next line as bytes (for lines that are not UTF-8), without CR LF.
    fn raw_line(&mut self) -> Vec<u8> {
        let mut line = Vec::new();
        self.reader.read_until(b'\n', &mut line).unwrap();
        assert!(line.ends_with(b"\r\n"), "{line:?}");
        line.truncate(line.len() - 2);
        line
    }

    /// Reads until the server closes the connection; what came before.
    fn until_closed(&mut self) -> String {
        let mut rest = Vec::new();
        match self.reader.read_to_end(&mut rest) {
            Ok(_) => {}
            // The server may reset a connection it closed with unread input.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            Err(e) => panic!("reading until closed: {e}"),
        }
        String::from_utf8_lossy(&rest).into_owned()
    }
}

fn start() -> ExampleProcess {
    ExampleProcess::start("chat", &["tcp:port=0:interface=127.0.0.1"])
}

#[test]
fn lines_are_relayed_to_the_others_with_the_sender_address() {
    let server = start();
    let mut alice = Client::join(&server);
    let mut bob = Client::join(&server);
    assert_eq!(alice.line(), format!("* {} joined", bob.name));
    let mut carol = Client::join(&server);
    assert_eq!(alice.line(), format!("* {} joined", carol.name));
    assert_eq!(bob.line(), format!("* {} joined", carol.name));

    // CR LF and a bare LF both end a line.
    alice.send(b"hello\r\n");
    let relayed = format!("[{}] hello", alice.name);
    assert_eq!(bob.line(), relayed);
    assert_eq!(carol.line(), relayed);

    bob.send(b"hi alice\nand carol\r\n");
    for client in [&mut alice, &mut carol] {
        assert_eq!(client.line(), format!("[{}] hi alice", bob.name));
        assert_eq!(client.line(), format!("[{}] and carol", bob.name));
    }

    // A line sent in pieces arrives whole.
    carol.send(b"spl");
    carol.stream.flush().unwrap();
    carol.send(b"it\r\n");
    assert_eq!(alice.line(), format!("[{}] split", carol.name));
    assert_eq!(bob.line(), format!("[{}] split", carol.name));

    // The sender does not get its own lines back: the next thing alice
    // sees is bob's line, not hers.
    alice.send(b"only for you two\r\n");
    bob.send(b"bob again\r\n");
    assert_eq!(alice.line(), format!("[{}] bob again", bob.name));
}

#[test]
fn quit_closes_that_client_and_the_others_are_told() {
    let server = start();
    let mut alice = Client::join(&server);
    let mut bob = Client::join(&server);
    assert_eq!(alice.line(), format!("* {} joined", bob.name));

    bob.send(b"/quit\r\nnot relayed\r\n");
    assert_eq!(bob.line(), "* bye");
    assert_eq!(bob.until_closed(), "");
    assert_eq!(alice.line(), format!("* {} left", bob.name));

    // The room goes on.
    let mut carol = Client::join(&server);
    assert_eq!(alice.line(), format!("* {} joined", carol.name));
    carol.send(b"still here?\n");
    assert_eq!(alice.line(), format!("[{}] still here?", carol.name));
}

#[test]
fn nul_filled_lines_are_relayed_intact() {
    let server = start();
    let mut alice = Client::join(&server);
    let mut bob = Client::join(&server);
    assert_eq!(alice.line(), format!("* {} joined", bob.name));
    let mut line = vec![0u8; 1000];
    line.extend_from_slice(b"\r\n\0\0\0\r\n");
    bob.send(&line);
    let prefix = format!("[{}] ", bob.name).into_bytes();
    assert_eq!(alice.raw_line(), [&prefix[..], &[0u8; 1000]].concat());
    assert_eq!(alice.raw_line(), [&prefix[..], b"\0\0\0"].concat());
}

#[test]
fn an_endless_line_closes_its_sender_while_the_others_go_on() {
    const TOTAL: usize = 100 * 1024 * 1024;
    let server = start();
    let mut alice = Client::join(&server);
    let mut flooder = Client::join(&server);
    assert_eq!(alice.line(), format!("* {} joined", flooder.name));

    let mut writer = flooder.stream.try_clone().unwrap();
    let flood = std::thread::spawn(move || {
        let chunk = vec![b'x'; 64 * 1024];
        let mut sent = 0;
        while sent < TOTAL {
            if writer.write_all(&chunk).is_err() {
                // The server closed the connection: expected.
                break;
            }
            sent += chunk.len();
        }
        let _ = writer.shutdown(Shutdown::Write);
        sent
    });

    // Served during the flood. The flooder's departure may be announced
    // at any point from here on, so it is set aside wherever it comes.
    let left = format!("* {} left", flooder.name);
    let mut alice_saw_left = false;
    let mut carol_saw_left = false;
    let mut carol = Client::join(&server);
    let joined = format!("* {} joined", carol.name);
    assert_eq!(alice.line_aside(&left, &mut alice_saw_left), joined);
    alice.send(b"ping\r\n");
    let ping = format!("[{}] ping", alice.name);
    assert_eq!(carol.line_aside(&left, &mut carol_saw_left), ping);

    // The flooder is told why, then closed; nothing of its line is relayed.
    // (Lines relayed to it before its line was found too long may come
    // first.)
    let rest = flooder.until_closed();
    assert!(
        rest.ends_with("* line too long (over 4096 bytes); bye\r\n"),
        "{rest:?}"
    );
    let sent = flood.join().unwrap();
    assert!(sent < TOTAL, "the server read the whole 100 MiB line");
    if !alice_saw_left {
        assert_eq!(alice.line(), left);
    }

    // And after it.
    carol.send(b"pong\r\n");
    let pong = format!("[{}] pong", carol.name);
    assert_eq!(alice.line(), pong);
}

#[test]
fn a_client_that_never_reads_is_cut_off_and_the_others_go_on() {
    let server = start();
    let mut alice = Client::join(&server);
    let sleeper = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    sleeper.set_recv_buffer_size(4096).unwrap();
    let address: std::net::SocketAddr = server.address.parse().unwrap();
    sleeper.connect(&address.into()).unwrap();
    let sleeper: TcpStream = sleeper.into();
    let sleeper_name = sleeper.local_addr().unwrap().to_string();
    assert_eq!(alice.line(), format!("* {sleeper_name} joined"));

    // alice talks (from a thread) while the sleeper never reads: its
    // pending output passes the server's limit, it is disconnected and
    // alice is told that it left.
    let done = Arc::new(AtomicBool::new(false));
    let mut writer = alice.stream.try_clone().unwrap();
    let talking = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut message = vec![b'z'; 4000];
            message.extend_from_slice(b"\r\n");
            let mut sent = 0usize;
            // 400 MB at most: far more than any kernel buffers.
            while !done.load(Ordering::Relaxed) && sent < 100_000 {
                writer.write_all(&message).unwrap();
                sent += 1;
            }
        })
    };
    let notice = alice.line();
    done.store(true, Ordering::Relaxed);
    talking.join().unwrap();
    assert_eq!(notice, format!("* {sleeper_name} left"));
    drop(sleeper);
}

/// The telnet bytes that say IAC DO SGA, IAC WILL SGA: a client asking
/// for character mode.
const CHARACTER_MODE: &[u8] = b"\xff\xfd\x03\xff\xfb\x03";

#[test]
fn a_telnet_client_in_character_mode_chats_with_plain_clients() {
    let mut server = ExampleProcess::start(
        "chat",
        &[
            "tcp:port=0:interface=127.0.0.1",
            "--telnet",
            "tcp:port=0:interface=127.0.0.1",
        ],
    );
    let telnet_address = server.next_listening_on();
    let telnet_address = telnet_address
        .strip_suffix(" (telnet)")
        .unwrap_or_else(|| panic!("{telnet_address:?}"));
    let mut alice = Client::join(&server);

    // The telnet client: nothing is negotiated before the welcome.
    let mut bob = Client::join_at(telnet_address);
    assert_eq!(alice.line(), format!("* {} joined", bob.name));

    // It asks for character mode and gets it (WILL SGA, DO SGA), then
    // sends each key as it is typed, and Enter as CR NUL.
    bob.send(CHARACTER_MODE);
    let mut reply = [0u8; 6];
    bob.reader.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"\xff\xfb\x03\xff\xfd\x03");
    for key in b"hi there\r\0" {
        bob.send(&[*key]);
    }
    assert_eq!(alice.line(), format!("[{}] hi there", bob.name));

    // A line-mode Enter (CR LF) ends one line, not two, and an escaped
    // 0xFF (IAC IAC) arrives as one byte.
    bob.send(b"caf\xff\xff\r\nagain\r\0");
    let prefix = format!("[{}] ", bob.name).into_bytes();
    assert_eq!(alice.raw_line(), [&prefix[..], b"caf\xff"].concat());
    assert_eq!(alice.line(), format!("[{}] again", bob.name));

    // What others say reaches it escaped, ended by CR LF.
    alice.send(b"\xff!\r\n");
    let prefix = format!("[{}] ", alice.name).into_bytes();
    assert_eq!(bob.raw_line(), [&prefix[..], b"\xff\xff!"].concat());

    bob.send(b"/quit\r\0");
    assert_eq!(bob.line(), "* bye");
    assert_eq!(bob.until_closed(), "");
    assert_eq!(alice.line(), format!("* {} left", bob.name));
}

#[test]
fn a_bad_endpoint_argument_is_named_and_exits_with_an_error() {
    let output = std::process::Command::new(common::example_path("chat"))
        .arg("tcp:80x")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("'tcp:80x'"), "{stderr}");
}

/// How many arrivals a `* … joined` line announces: its names, plus the
/// `N others` it only counts.
fn arrivals_in(line: &str) -> usize {
    let names = line
        .strip_prefix("* ")
        .and_then(|rest| rest.strip_suffix(" joined"))
        .unwrap_or_else(|| panic!("not an arrival: {line:?}"));
    match names.rsplit_once(" and ") {
        None => 1,
        Some((shown, last)) => {
            let shown = shown.split(", ").count();
            match last.strip_suffix(" others") {
                Some(hidden) => shown + hidden.parse::<usize>().unwrap(),
                None => shown + 1,
            }
        }
    }
}

#[test]
fn a_crowd_joining_at_once_is_announced_in_batches_counting_everyone_once() {
    const CROWD: usize = 150;
    let server = start();
    let mut alice = Client::join(&server);
    let mut crowd: Vec<TcpStream> = (0..CROWD)
        .map(|_| TcpStream::connect(&server.address).unwrap())
        .collect();
    let mut announced = 0;
    let mut lines = 0;
    while announced < CROWD {
        announced += arrivals_in(&alice.line());
        lines += 1;
    }
    assert_eq!(announced, CROWD, "no arrival is announced twice");
    assert!(lines <= CROWD);
    // Nothing more about them: the next line alice gets is a chat line.
    let speaker = &mut crowd[0];
    let name = speaker.local_addr().unwrap().to_string();
    speaker.write_all(b"hello crowd\r\n").unwrap();
    assert_eq!(alice.line(), format!("[{name}] hello crowd"));
}
