//! A TLS session fed anything: as a server (from the first byte, or
//! after a real client's hello) or as a client (after its own hello),
//! with the input cut into reads of any size. It never panics, never
//! holds more than its bound, never hands the protocol above anything (no
//! handshake can complete), and a session that closes says why, naming
//! TLS.
//!
//! Input layout: byte 0 picks the side (bit 0: client; bit 1: a server
//! first reads a real client's hello), byte 1 the size of each read; the
//! rest is the stream.
#![no_main]

use std::cell::Cell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use rcgen::{CertificateParams, KeyPair};
use weft::testing::{Clock, StringTransport};
use weft::tls::{
    ClientConfig, ServerConfig, ServerName, TlsClientOptions, TlsProtocol, TlsRole,
    TlsServerOptions,
};
use weft::{CloseKind, Protocol};

/// Notes whether anything reached it.
struct Above(Rc<Cell<bool>>);

impl Protocol for Above {
    fn data_received(&mut self, _data: &[u8]) {
        self.0.set(true);
    }
}

/// A server configuration, a client configuration trusting it, and a
/// real client's first flight.
struct Setup {
    server: Arc<ServerConfig>,
    client: Arc<ClientConfig>,
    hello: Vec<u8>,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("weft-fuzz-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let key = KeyPair::generate().expect("a key");
        let certificate = CertificateParams::new(vec!["localhost".to_string()])
            .expect("certificate parameters")
            .self_signed(&key)
            .expect("a certificate");
        let write = |name: &str, text: String| -> PathBuf {
            let path = dir.join(name);
            std::fs::write(&path, text).expect("a PEM file");
            path
        };
        let key_file = write("key.pem", key.serialize_pem());
        let certificate_file = write("cert.pem", certificate.pem());
        let server = TlsServerOptions::new(&key_file, &certificate_file)
            .load()
            .expect("a server configuration");
        let client = TlsClientOptions {
            trust_roots: Some(certificate_file),
            ..TlsClientOptions::default()
        }
        .load()
        .expect("a client configuration");
        let _ = std::fs::remove_dir_all(&dir);
        let wire = StringTransport::new();
        let mut first = TlsProtocol::new(client_role(&client), &Clock::new(), Above(Rc::default()));
        first.connection_made(wire.transport());
        Setup {
            server,
            client,
            hello: wire.take_written(),
        }
    })
}

fn client_role(config: &Arc<ClientConfig>) -> TlsRole {
    TlsRole::Client(config.clone(), ServerName::try_from("localhost").unwrap())
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let (side, read, stream) = (data[0], usize::from(data[1]).max(1), &data[2..]);
    let setup = setup();
    let role = if side & 1 == 1 {
        client_role(&setup.client)
    } else {
        TlsRole::Server(setup.server.clone())
    };
    let delivered = Rc::new(Cell::new(false));
    let wire = StringTransport::new();
    let mut session = TlsProtocol::new(role, &Clock::new(), Above(delivered.clone()));
    session.connection_made(wire.transport());
    if side & 3 == 2 {
        session.data_received(&setup.hello);
    }
    for chunk in stream.chunks(read) {
        session.data_received(chunk);
    }
    assert!(!delivered.get(), "nothing reaches the protocol above");
    if let Some(close) = wire.close_requested() {
        let CloseKind::Flush(Some(why)) = close else {
            panic!("closed without a reason: {close:?}");
        };
        assert!(why.starts_with("TLS"), "{why}");
    }
});
