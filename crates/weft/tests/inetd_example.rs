//! The inetd example over real sockets and real programs: each client
//! gets a child process of its own, its half-close ends the child's
//! input, a client that vanishes takes its child with it, and a program
//! that cannot start is named to the client.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;

use common::{PATIENCE, example_path};

/// The example serving `program` on a free port, logging at `info`.
struct Inetd {
    child: Child,
    /// Its log, line by line, read by a thread of its own.
    log: mpsc::Receiver<String>,
    address: String,
}

impl Inetd {
    fn start(program: &[&str]) -> Inetd {
        let mut child = Command::new(example_path("inetd"))
            .arg("tcp:port=0:interface=127.0.0.1")
            .args(program)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the inetd example");
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let (lines, log) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let address = loop {
            let line = next_line(&log);
            if let Some(address) = line.trim().strip_prefix("listening on ") {
                break address.to_owned();
            }
        };
        Inetd {
            child,
            log,
            address,
        }
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(&self.address).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream
    }

    /// Reads the log up to a line containing every one of `words`.
    fn logged(&self, words: &[&str]) -> String {
        loop {
            let line = next_line(&self.log);
            if words.iter().all(|word| line.contains(word)) {
                return line;
            }
        }
    }
}

impl Drop for Inetd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The next line of the log, within [`PATIENCE`].
fn next_line(log: &mpsc::Receiver<String>) -> String {
    log.recv_timeout(PATIENCE)
        .expect("a line of the log in time")
}

/// Sends `message`, ends its input, and reads everything that comes back.
fn exchange(mut stream: TcpStream, message: &[u8]) -> String {
    stream.write_all(message).unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

/// Says its process id, then upper-cases its input.
const PID_THEN_UPPER: [&str; 3] = ["sh", "-c", "echo $$; exec tr a-z A-Z"];

#[test]
fn each_client_gets_a_child_of_its_own_and_its_half_close_ends_the_input() {
    let inetd = Inetd::start(&PID_THEN_UPPER);
    let (first, second) = (inetd.connect(), inetd.connect());
    let first = exchange(first, b"alpha");
    let second = exchange(second, b"beta");
    let (first_pid, first_rest) = first.split_once('\n').unwrap();
    let (second_pid, second_rest) = second.split_once('\n').unwrap();
    assert_eq!((first_rest, second_rest), ("ALPHA", "BETA"));
    assert_ne!(first_pid, second_pid, "two processes");
}

#[test]
fn a_client_that_vanishes_takes_its_child_with_it() {
    let inetd = Inetd::start(&["sh", "-c", "echo $$; exec sleep 600"]);
    let stream = inetd.connect();
    let mut pid = String::new();
    BufReader::new(&stream).read_line(&mut pid).unwrap();
    // Gone at once (a reset), not only done sending: a half-close would
    // end the child's input and leave it running, as inetd does.
    socket2::SockRef::from(&stream)
        .set_linger(Some(std::time::Duration::ZERO))
        .unwrap();
    drop(stream);
    let pid = format!("pid={}", pid.trim());
    let exit = inetd.logged(&["the child exited", &pid]);
    assert!(exit.contains("signal: 15"), "{exit}");
}

#[test]
fn a_program_that_cannot_start_is_named_to_the_client() {
    let inetd = Inetd::start(&["/nonexistent/inetd-program"]);
    let answer = exchange(inetd.connect(), b"anyone?");
    assert!(
        answer.starts_with("inetd: cannot start '/nonexistent/inetd-program': "),
        "{answer}"
    );
}

#[test]
fn without_a_program_the_usage_is_shown() {
    let output = Command::new(example_path("inetd"))
        .arg("tcp:port=0")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("the program to serve is missing"), "{said}");
    assert!(said.contains("usage: inetd ENDPOINT PROGRAM"), "{said}");
}
