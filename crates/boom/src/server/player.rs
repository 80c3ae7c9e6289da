//! The protocol of one player's connection: keys in, pawn moves out; it
//! runs over telnet ([`weft::protocols::telnet::TelnetProtocol`]), which
//! hands it only the bytes the player typed.

use std::cell::RefCell;
use std::rc::Rc;

use weft::protocols::telnet::{Event, TelnetApplication};
use weft::{CloseReason, Protocol, Transport};

use super::hub::Hub;
use super::keys::{Key, KeyDecoder};

/// Silence after which TCP keep-alive probes check that a peer is there.
const KEEPALIVE: std::time::Duration = std::time::Duration::from_secs(60);

/// One player's connection, as seen by the application: it joins the hub
/// when the connection is made and leaves when it ends.
pub struct PlayerProtocol {
    hub: Rc<RefCell<Hub>>,
    transport: Option<Transport>,
    key: Option<usize>,
    keys: KeyDecoder,
}

impl PlayerProtocol {
    /// A player of the hub's game, decoding keys with `keys`.
    pub(crate) fn new(hub: Rc<RefCell<Hub>>, keys: KeyDecoder) -> Self {
        PlayerProtocol {
            hub,
            transport: None,
            key: None,
            keys,
        }
    }
}

impl Protocol for PlayerProtocol {
    fn connection_made(&mut self, transport: Transport) {
        // Frames are small and latency matters; and a peer that vanished
        // without a word is found even when no frame is due.
        let _ = transport.set_nodelay(true);
        let _ = transport.set_keepalive(Some(KEEPALIVE));
        self.transport = Some(transport.clone());
        self.key = Some(self.hub.borrow_mut().join(transport));
    }

    fn data_received(&mut self, data: &[u8]) {
        let Some(key) = self.key else {
            return;
        };
        let mut hub = self.hub.borrow_mut();
        let mut quit = false;
        self.keys.feed(data, |k| match k {
            Key::Act(action) if !quit => hub.act(key, action),
            Key::Act(_) => {}
            Key::Quit => quit = true,
        });
        if quit {
            hub.quit(key);
            self.key = None;
        }
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        if let Some(key) = self.key.take() {
            tracing::debug!(player = key, %reason, "connection lost");
            self.hub.borrow_mut().leave(key);
        }
    }

    /// The client is not reading: its frames are skipped, and its input
    /// is not read either (telnet answers to its requests would pile up).
    fn pause_writing(&mut self) {
        if let Some(transport) = &self.transport {
            transport.pause_reading();
        }
        if let Some(key) = self.key {
            self.hub.borrow_mut().pause(key);
        }
    }

    fn resume_writing(&mut self) {
        if let Some(transport) = &self.transport {
            transport.resume_reading();
        }
        if let Some(key) = self.key {
            self.hub.borrow_mut().resume(key);
        }
    }
}

impl TelnetApplication for PlayerProtocol {
    fn telnet_event(&mut self, event: &Event<'_>) {
        let Some(key) = self.key else {
            return;
        };
        let mut hub = self.hub.borrow_mut();
        // Any telnet message at all shows a telnet client (nc sends none).
        hub.telnet_spoken(key);
        if let Event::WindowSize { width, height } = *event {
            hub.resize(key, width, height);
        }
    }
}
