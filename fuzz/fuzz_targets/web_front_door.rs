//! The web front door: an HTTP request head, then WebSocket frames, into
//! weft's `HttpServer` with an echoing WebSocket protocol above. Any input,
//! cut at any point, gives the same bytes written and the same close as
//! the same input in one piece, and never panics.
//!
//! Input layout: bytes 0-1 pick the cut point; the rest is the stream.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use weft::protocols::http::{
    Handler, HttpLimits, HttpServer, Reply, RequestHead, Response, Status,
};
use weft::protocols::websocket::WebSocketLimits;
use weft::testing::{Clock, StringTransport};
use weft::{Protocol, Transport};

/// Echoes every message.
struct Echo(Option<Transport>);

impl Protocol for Echo {
    fn connection_made(&mut self, transport: Transport) {
        self.0 = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        if let Some(transport) = &self.0 {
            transport.write(data);
        }
    }
}

/// `/` a page, `/ws` a WebSocket, else 404.
struct Site;

impl Handler for Site {
    type Upgraded = Echo;

    fn handle(&mut self, request: &RequestHead, _transport: &Transport) -> Reply<Echo> {
        match request.path() {
            "/" => Reply::Respond(Response::new(Status::OK).body("text/plain", "hi")),
            "/ws" => Reply::WebSocket(Echo(None)),
            _ => Reply::Respond(Response::error(Status::NOT_FOUND, "no")),
        }
    }
}

/// What the server wrote, and whether it asked to close.
fn serve(chunks: &[&[u8]]) -> (Vec<u8>, bool) {
    let clock = Clock::new();
    let limits = HttpLimits {
        max_head: 512,
        head_timeout: Duration::from_secs(1),
        websocket: WebSocketLimits {
            max_message: 256,
            read_chunk: 64,
        },
    };
    let mut server = HttpServer::new(Site, &clock, limits);
    let record = StringTransport::new();
    server.connection_made(record.transport());
    for chunk in chunks {
        server.data_received(chunk);
    }
    (record.written(), record.close_requested().is_some())
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let stream = &data[2..];
    let cut = usize::from(u16::from_le_bytes([data[0], data[1]])) % (stream.len() + 1);
    let whole = serve(&[stream]);
    let (first, second) = stream.split_at(cut);
    assert_eq!(whole, serve(&[first, second]));
});
