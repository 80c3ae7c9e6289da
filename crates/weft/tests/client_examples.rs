//! The client examples as a user runs them: what they print, their exit
//! status, and their one-line reason when the connect fails (refused,
//! timed out, name not resolved).

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::process::{Command, Output};

use common::{Echo, Server, closed_port, example_path, full_backlog};

fn run_example(name: &str, endpoint: &str) -> Output {
    Command::new(example_path(name))
        .arg(endpoint)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {name}: {e} (build it: cargo build -p weft --examples)")
        })
}

fn stderr_line(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr:?}");
    stderr
}

#[test]
fn qotd_client_prints_the_quote_and_exits_0_when_the_server_closes() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut peer, _) = listener.accept().unwrap();
        peer.write_all(b"An apple a day keeps the doctor away\r\n")
            .unwrap();
    });
    let output = run_example("qotd_client", &format!("tcp:host=127.0.0.1:port={port}"));
    server.join().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(output.stdout, b"An apple a day keeps the doctor away\r\n");
}

#[test]
fn qotd_client_exits_1_naming_a_refused_connection() {
    let output = run_example(
        "qotd_client",
        &format!("tcp:host=127.0.0.1:port={}", closed_port()),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr_line(&output).contains("refused"), "{output:?}");
}

#[test]
fn qotd_client_exits_1_naming_a_connect_that_timed_out() {
    let (_listener, _fillers, address) = full_backlog();
    let endpoint = format!("tcp:host=127.0.0.1:port={}:timeout=0.5", address.port());
    let output = run_example("qotd_client", &endpoint);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr_line(&output).contains("timed out"), "{output:?}");
}

#[test]
fn qotd_client_exits_1_naming_a_host_that_does_not_resolve() {
    let output = run_example("qotd_client", "tcp:host=no-such-host.invalid:port=17");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr_line(&output).contains("cannot resolve host 'no-such-host.invalid'"),
        "{output:?}"
    );
}

#[test]
fn qotd_client_exits_1_naming_a_bad_endpoint() {
    let output = run_example("qotd_client", "tcp:host=localhost:port=http");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr_line(&output).contains("invalid endpoint"),
        "{output:?}"
    );
}

#[test]
fn echo_client_sends_three_lines_and_prints_their_echoes() {
    let server = Server::start(|_reactor| |_peer: &weft::Address| Some(Echo::default()));
    let endpoint = format!(
        "tcp:host=127.0.0.1:port={}:timeout=2",
        server.address.port()
    );
    let output = run_example("echo_client", &endpoint);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "echoed: hello\nechoed: what a fine day\nechoed: goodbye\n"
    );
    server.stop();
}

#[test]
fn echo_client_exits_1_naming_a_refused_connection() {
    let output = run_example(
        "echo_client",
        &format!("tcp:host=127.0.0.1:port={}:timeout=2", closed_port()),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr_line(&output).contains("refused"), "{output:?}");
}

/// Answers each line with `gen G: LINE`, G telling which run of the
/// server answered.
struct Tagged {
    generation: u32,
    lines: Option<weft::protocols::LineSender>,
}

impl weft::Protocol for Tagged {
    fn connection_made(&mut self, transport: weft::Transport) {
        self.lines = weft::protocols::LineSender::of(&transport);
    }

    fn data_received(&mut self, line: &[u8]) {
        let reply = format!("gen {}: {}", self.generation, String::from_utf8_lossy(line));
        if let Some(lines) = &self.lines {
            let _ = lines.send_line(reply.as_bytes());
        }
    }
}

fn tagged_server(port: u16, generation: u32) -> Server {
    Server::start_on(
        &format!("tcp:port={port}:interface=127.0.0.1"),
        move |_reactor| {
            move |_peer: &weft::Address| {
                Some(weft::protocols::LineReceiver::new(Tagged {
                    generation,
                    lines: None,
                }))
            }
        },
    )
}

/// Reads lines until one from server run `generation`; gives its ping
/// number.
fn next_ping_from(
    lines: &mut impl Iterator<Item = std::io::Result<String>>,
    generation: u32,
) -> u32 {
    let prefix = format!("gen {generation}: ping ");
    for line in lines {
        let line = line.expect("read the client's output");
        if let Some(number) = line.strip_prefix(&prefix) {
            return number.parse().expect("a ping number");
        }
    }
    panic!("the client's output ended before a reply from run {generation}");
}

#[test]
fn reconnecting_client_carries_on_counting_across_two_server_restarts() {
    use std::io::BufRead;
    let server = tagged_server(0, 1);
    let port = server.address.port();
    let mut client = Command::new(example_path("reconnecting_client"))
        .arg(format!("tcp:host=127.0.0.1:port={port}"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start reconnecting_client (build it: cargo build -p weft --examples)");
    let mut lines = std::io::BufReader::new(client.stdout.take().unwrap()).lines();
    let first = next_ping_from(&mut lines, 1);
    server.stop();
    let server = tagged_server(port, 2);
    let second = next_ping_from(&mut lines, 2);
    server.stop();
    let server = tagged_server(port, 3);
    let third = next_ping_from(&mut lines, 3);
    server.stop();
    let _ = client.kill();
    let _ = client.wait();
    assert_eq!(first, 1);
    assert!(first < second && second < third, "{first} {second} {third}");
}

#[test]
fn request_client_prints_each_reply() {
    let server = Server::start(|_reactor| |_peer: &weft::Address| Some(Echo::default()));
    let endpoint = format!(
        "tcp:host=127.0.0.1:port={}:timeout=2",
        server.address.port()
    );
    let output = run_example("request_client", &endpoint);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "reply: first request\nreply: second request\n"
    );
    server.stop();
}

/// Accepts and reads, never answers.
#[derive(Default)]
struct Silent;

impl weft::Protocol for Silent {
    fn data_received(&mut self, _data: &[u8]) {}
}

#[test]
fn request_client_exits_1_when_a_reply_does_not_come_in_time() {
    let server = Server::start(|_reactor| |_peer: &weft::Address| Some(Silent));
    let endpoint = format!(
        "tcp:host=127.0.0.1:port={}:timeout=2",
        server.address.port()
    );
    let output = run_example("request_client", &endpoint);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr_line(&output), "request_client: timed out after 2s\n");
    server.stop();
}

#[test]
fn reconnecting_client_says_why_each_attempt_failed() {
    use std::io::BufRead;
    let port = closed_port();
    let mut client = Command::new(example_path("reconnecting_client"))
        .arg(format!("tcp:host=127.0.0.1:port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start reconnecting_client (build it: cargo build -p weft --examples)");
    let mut stderr = std::io::BufReader::new(client.stderr.take().unwrap());
    let mut line = String::new();
    stderr
        .read_line(&mut line)
        .expect("read its standard error");
    let _ = client.kill();
    let _ = client.wait();
    assert_eq!(
        line,
        format!("outgoing connection failed: connection to 127.0.0.1:{port} refused\n")
    );
}
