//! A blocking WebSocket client of the web front end (tungstenite's), that
//! keeps what the page would show.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use tungstenite::{Message, WebSocket};

use super::PATIENCE;
use super::page::Page;

/// A byte stream to the web front end: a TCP stream, or TLS over one.
pub trait WebStream: Read + Write {}

impl<T: Read + Write> WebStream for T {}

/// A page's WebSocket, and what the page shows.
pub struct PageSocket {
    pub socket: WebSocket<Box<dyn WebStream>>,
    pub page: Page,
}

impl PageSocket {
    /// Opens `path` (such as `/play?name=Ann`) on the web front end at
    /// `address`.
    pub fn open(address: SocketAddr, path: &str) -> PageSocket {
        PageSocket::open_after(address, b"", path)
    }

    /// As [`open`](Self::open), with `prefix` sent first (a PROXY header,
    /// as a proxy in front of the server sends it).
    pub fn open_after(address: SocketAddr, prefix: &[u8], path: &str) -> PageSocket {
        let mut stream = TcpStream::connect(address).expect("connect");
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream.write_all(prefix).expect("send the prefix");
        PageSocket::open_on(Box::new(stream), path)
    }

    /// Opens `path` over `stream`, connected to the web front end.
    pub fn open_on(stream: Box<dyn WebStream>, path: &str) -> PageSocket {
        let (socket, response) =
            tungstenite::client(format!("ws://localhost{path}"), stream).expect("handshake");
        assert_eq!(response.status(), 101);
        PageSocket {
            socket,
            page: Page::default(),
        }
    }

    /// Reads one message and applies it; `false` once the socket closed.
    pub fn read_one(&mut self) -> bool {
        match self.socket.read() {
            Ok(Message::Text(text)) => {
                self.page.apply(&text);
                true
            }
            Ok(Message::Close(_)) => false,
            Ok(_) => true,
            Err(tungstenite::Error::ConnectionClosed) => false,
            Err(error) => panic!("reading the WebSocket: {error}; the page: {:?}", self.page),
        }
    }

    /// Reads until the page satisfies `condition`, at most
    /// [`MAX_FRAMES`](super::MAX_FRAMES) messages.
    pub fn read_until(&mut self, what: &str, condition: impl Fn(&Page) -> bool) {
        for _ in 0..super::MAX_FRAMES {
            if condition(&self.page) {
                return;
            }
            assert!(self.read_one(), "closed before {what}: {:?}", self.page);
        }
        panic!("never {what}: {:?}", self.page);
    }

    /// Sends a key, as the page does.
    pub fn key(&mut self, key: &str) {
        self.socket.send(Message::text(key)).expect("send a key");
    }
}
