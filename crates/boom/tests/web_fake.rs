//! The web front end's whole stack (HTTP, WebSocket, player) on the fake
//! transport and the fake clock: a page that stops reading gets no more
//! frames and is dropped at the stall limit; the head timeout.

mod support;

use std::time::Duration;

use boom::server::{Options, Server};
use weft::testing::{Clock, StringTransport};
use weft::{Address, Factory, Protocol};

use support::classic;

const UPGRADE: &[u8] = b"GET /play?name=Ann HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\
                         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
                         Sec-WebSocket-Version: 13\r\n\r\n";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn a_page_that_stops_reading_gets_nothing_more_and_is_dropped_at_the_stall_limit() {
    let clock = Clock::new();
    let options = Options {
        stall_limit: ms(200),
        ..classic()
    };
    let interval = options.frame_interval;
    let server = Server::new(&clock, options).unwrap();
    let mut site = server.web_site();
    let mut page = site.build_protocol(&Address::Memory("page")).unwrap();
    let record = StringTransport::new();
    page.connection_made(record.transport());
    page.data_received(UPGRADE);
    assert!(record.take_written().starts_with(b"HTTP/1.1 101 "));
    clock.advance(interval);
    assert!(!record.take_written().is_empty(), "the board");
    assert_eq!(server.stats().players(), 1);
    // The page's queue filled: the reactor says so.
    page.pause_writing();
    for _ in 0..10 {
        // Every move changes the board; nothing is sent while paused.
        page.data_received(&masked_text(b"s"));
        page.data_received(&masked_text(b"w"));
        clock.advance(interval);
        assert!(record.take_written().is_empty());
    }
    clock.advance(ms(200));
    clock.advance(interval);
    assert!(record.aborted(), "dropped at the stall limit");
}

#[test]
fn a_silent_connection_is_answered_408_at_the_head_timeout() {
    let clock = Clock::new();
    let options = Options {
        web_limits: weft::protocols::http::HttpLimits {
            head_timeout: Duration::from_secs(2),
            ..Default::default()
        },
        ..classic()
    };
    let server = Server::new(&clock, options).unwrap();
    let mut page = server
        .web_site()
        .build_protocol(&Address::Memory("page"))
        .unwrap();
    let record = StringTransport::new();
    page.connection_made(record.transport());
    page.data_received(b"GET / HTTP/1.1\r\n");
    clock.advance(ms(1999));
    assert!(record.written().is_empty());
    clock.advance(ms(1));
    assert!(record.written().starts_with(b"HTTP/1.1 408 "));
    assert!(record.lose_connection_called());
}

/// A text frame as a page sends it (masked).
fn masked_text(payload: &[u8]) -> Vec<u8> {
    let mask = [9, 8, 7, 6];
    let mut frame = vec![0x81, 0x80 | payload.len() as u8];
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    frame
}
