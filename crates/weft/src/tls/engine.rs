//! [`Engine`]: rustls's unbuffered connection, of either side, driven
//! through its state machine: records are decrypted in place in the
//! thread's shared buffer, what rustls encodes goes straight to the
//! transport below (which queues what the socket does not take), and the
//! connection keeps only the bytes of an incomplete record
//! ([`Incomplete`]).
//!
//! This is rustls 0.23's unbuffered API. rustls's development branch
//! has removed it, to be replaced by an API sharing more code with the
//! buffered one; moving to that release means revisiting this file
//! (and `server_name.rs`).

use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use rustls::CommonState;
use rustls::client::{ClientConnectionData, UnbufferedClientConnection};
use rustls::pki_types::CertificateDer;
use rustls::server::{ServerConnectionData, UnbufferedServerConnection};
use rustls::unbuffered::{
    ConnectionState, EncodeError, EncodeTlsData, EncryptError, InsufficientSizeError,
    ReadEarlyData, UnbufferedConnectionCommon, UnbufferedStatus, WriteTraffic,
};

use super::TlsRole;
use super::incomplete::{Incomplete, TooMuchIncomplete};
use super::scratch::{self, INCOMING, OUTGOING};
use super::server_name;
use crate::Transport;

/// Plaintext encrypted at a time, so that the thread's outgoing buffer
/// stays around four records long whatever a protocol writes at once.
const ENCRYPT_CHUNK: usize = 4 * 16_384;

/// Why a TLS session failed.
#[derive(Debug, thiserror::Error)]
pub(super) enum Failure {
    /// rustls refused what the peer sent (or could not go on).
    #[error("{0}")]
    Rustls(#[from] rustls::Error),
    /// The peer made the connection hold too many bytes of one record.
    #[error(transparent)]
    TooMuchIncomplete(#[from] TooMuchIncomplete),
}

/// What the peer's bytes carried besides plaintext.
#[derive(Default)]
pub(super) struct Received {
    /// The peer's `close_notify` came: no more input will.
    pub(super) peer_closed: bool,
}

/// One connection's rustls session and the bytes of the record it is
/// waiting for the rest of.
pub(super) struct Engine {
    connection: Connection,
    incomplete: Incomplete,
}

enum Connection {
    Server {
        connection: UnbufferedServerConnection,
        /// The name the client asked for by SNI, once its hello came.
        name: Arc<OnceLock<String>>,
    },
    Client(UnbufferedClientConnection),
}

/// What a run of rustls's state machine is asked to do besides reading
/// and sending what rustls has to send.
enum Request<'a> {
    /// Read: decrypted bytes go to this buffer.
    Read(&'a mut Vec<u8>),
    /// Encrypt these bytes (the handshake is done).
    Encrypt(&'a [u8]),
    /// Send `close_notify` (the handshake is done).
    CloseNotify,
}

impl Engine {
    /// A session in `role`; nothing is sent yet ([`start`](Self::start)).
    pub(super) fn new(role: TlsRole) -> Result<Engine, rustls::Error> {
        let connection = match role {
            TlsRole::Server(config) => {
                let (config, name) = server_name::recording(&config);
                Connection::Server {
                    connection: UnbufferedServerConnection::new(config)?,
                    name,
                }
            }
            TlsRole::Client(config, name) => {
                Connection::Client(UnbufferedClientConnection::new(config, name)?)
            }
        };
        Ok(Engine {
            connection,
            incomplete: Incomplete::default(),
        })
    }

    /// Sends what rustls has to say first (a client's hello).
    pub(super) fn start(&mut self, lower: &Transport) -> Result<(), Failure> {
        self.read(&[], &mut Vec::new(), lower).map(|_| ())
    }

    /// Reads `data` from the peer after the incomplete record kept from
    /// before: decrypted bytes are appended to `plaintext`, rustls's
    /// answers (handshake messages, alerts) are written to `lower`, and
    /// what is left of an incomplete record is kept. On failure, the
    /// alert rustls prepared is written to `lower`.
    pub(super) fn read(
        &mut self,
        data: &[u8],
        plaintext: &mut Vec<u8>,
        lower: &Transport,
    ) -> Result<Received, Failure> {
        scratch::with(&INCOMING, |incoming| {
            incoming.clear();
            incoming.extend_from_slice(self.incomplete.bytes());
            incoming.extend_from_slice(data);
            let (done, result) = self
                .connection
                .run(incoming, Request::Read(plaintext), lower);
            let received = match result {
                Ok(received) => received,
                Err(error) => {
                    self.incomplete = Incomplete::default();
                    self.connection.send_alerts(lower);
                    return Err(error);
                }
            };
            // Nothing after the peer's close_notify is read.
            let rest = if received.peer_closed {
                &[][..]
            } else {
                &incoming[done..]
            };
            self.incomplete.keep(rest)?;
            Ok(received)
        })
    }

    /// Encrypts `data` and writes it to `lower`. The handshake must be
    /// done.
    pub(super) fn encrypt(&mut self, data: &[u8], lower: &Transport) -> Result<(), Failure> {
        self.request(Request::Encrypt(data), lower)
    }

    /// Writes `close_notify` to `lower`, if the handshake is done.
    pub(super) fn close_notify(&mut self, lower: &Transport) -> Result<(), Failure> {
        self.request(Request::CloseNotify, lower)
    }

    fn request(&mut self, request: Request<'_>, lower: &Transport) -> Result<(), Failure> {
        let (done, result) = self
            .connection
            .run(self.incomplete.bytes_mut(), request, lower);
        self.incomplete.discard(done);
        result.map(|_| ())
    }

    /// The bytes of the record it is waiting for the rest of. A
    /// connection handed to another reactor carries them as bytes read
    /// and not used, to be read there again; then
    /// [`forget_unread`](Self::forget_unread).
    pub(super) fn unread(&self) -> &[u8] {
        self.incomplete.bytes()
    }

    /// Drops the bytes of the incomplete record (they went with a
    /// hand-over).
    pub(super) fn forget_unread(&mut self) {
        self.incomplete = Incomplete::default();
    }

    /// Whether the handshake is still under way.
    pub(super) fn is_handshaking(&self) -> bool {
        self.connection.common().is_handshaking()
    }

    /// The protocol ALPN agreed on.
    pub(super) fn alpn_protocol(&self) -> Option<&[u8]> {
        self.connection.common().alpn_protocol()
    }

    /// The certificates the peer presented.
    pub(super) fn peer_certificates(&self) -> Option<&[CertificateDer<'static>]> {
        self.connection.common().peer_certificates()
    }

    /// The name a client asked for by SNI (server side).
    pub(super) fn server_name(&self) -> Option<&str> {
        match &self.connection {
            Connection::Server { name, .. } => name.get().map(String::as_str),
            Connection::Client(_) => None,
        }
    }
}

impl Connection {
    fn common(&self) -> &CommonState {
        match self {
            Connection::Server { connection, .. } => connection,
            Connection::Client(connection) => connection,
        }
    }

    fn run(
        &mut self,
        incoming: &mut [u8],
        request: Request<'_>,
        lower: &Transport,
    ) -> (usize, Result<Received, Failure>) {
        match self {
            Connection::Server { connection, .. } => {
                run(&mut **connection, incoming, request, lower)
            }
            Connection::Client(connection) => run(&mut **connection, incoming, request, lower),
        }
    }

    /// Writes the alerts rustls queued when it failed. Only queued
    /// messages are taken: rustls reads no input before them.
    fn send_alerts(&mut self, lower: &Transport) {
        match self {
            Connection::Server { connection, .. } => send_alerts(&mut **connection, lower),
            Connection::Client(connection) => send_alerts(&mut **connection, lower),
        }
    }
}

/// rustls's unbuffered connection of one side, as the driving code sees
/// both.
trait Side: Deref<Target = CommonState> {
    /// What rustls keeps of this side's own (SNI, early data, tickets).
    type Data;

    /// rustls's `process_tls_records`: runs the state machine over
    /// `incoming` up to the next state the caller must handle.
    fn process<'c, 'i>(
        &'c mut self,
        incoming: &'i mut [u8],
    ) -> UnbufferedStatus<'c, 'i, Self::Data>;

    /// Appends the early (0-RTT) data records to `plaintext`.
    fn take_early_data(
        early: &mut ReadEarlyData<'_, '_, Self::Data>,
        plaintext: &mut Vec<u8>,
    ) -> Result<(), rustls::Error>;
}

impl Side for UnbufferedConnectionCommon<ServerConnectionData> {
    type Data = ServerConnectionData;

    fn process<'c, 'i>(
        &'c mut self,
        incoming: &'i mut [u8],
    ) -> UnbufferedStatus<'c, 'i, ServerConnectionData> {
        self.process_tls_records(incoming)
    }

    fn take_early_data(
        early: &mut ReadEarlyData<'_, '_, ServerConnectionData>,
        plaintext: &mut Vec<u8>,
    ) -> Result<(), rustls::Error> {
        while let Some(record) = early.next_record() {
            plaintext.extend_from_slice(record?.payload);
        }
        Ok(())
    }
}

impl Side for UnbufferedConnectionCommon<ClientConnectionData> {
    type Data = ClientConnectionData;

    fn process<'c, 'i>(
        &'c mut self,
        incoming: &'i mut [u8],
    ) -> UnbufferedStatus<'c, 'i, ClientConnectionData> {
        self.process_tls_records(incoming)
    }

    /// A client receives no early data: rustls never asks it to read
    /// any.
    fn take_early_data(
        _early: &mut ReadEarlyData<'_, '_, ClientConnectionData>,
        _plaintext: &mut Vec<u8>,
    ) -> Result<(), rustls::Error> {
        Ok(())
    }
}

/// Runs rustls's state machine over `incoming` (the bytes it has not
/// finished with, first to last) until it needs more input, carrying out
/// `request` when the state allows; what rustls encodes is written to
/// `lower` as it asks. Returns how many bytes at the front of `incoming`
/// rustls is done with, whatever the outcome.
fn run<S: Side>(
    connection: &mut S,
    incoming: &mut [u8],
    mut request: Request<'_>,
    lower: &Transport,
) -> (usize, Result<Received, Failure>) {
    scratch::with(&OUTGOING, |outgoing| {
        let mut done = 0;
        let mut encoded = 0;
        let mut received = Received::default();
        loop {
            let UnbufferedStatus { discard, state } = connection.process(&mut incoming[done..]);
            // Whether to go on; stopping means rustls needs more input.
            let go_on: Result<bool, Failure> = match state {
                Err(error) => Err(error.into()),
                Ok(ConnectionState::ReadTraffic(mut traffic)) => match &mut request {
                    Request::Read(plaintext) => (|| {
                        while let Some(record) = traffic.next_record() {
                            plaintext.extend_from_slice(record?.payload);
                        }
                        Ok(true)
                    })(),
                    // Cannot happen: reading takes every record it decrypts.
                    _ => Ok(false),
                },
                Ok(ConnectionState::ReadEarlyData(mut early)) => match &mut request {
                    Request::Read(plaintext) => S::take_early_data(&mut early, plaintext)
                        .map(|()| true)
                        .map_err(Failure::from),
                    _ => Ok(false),
                },
                Ok(ConnectionState::EncodeTlsData(mut encode)) => {
                    encoded += encode_into(&mut encode, outgoing, encoded);
                    Ok(true)
                }
                Ok(ConnectionState::TransmitTlsData(transmit)) => {
                    lower.write(&outgoing[..encoded]);
                    encoded = 0;
                    transmit.done();
                    Ok(true)
                }
                Ok(ConnectionState::PeerClosed) => {
                    received.peer_closed = true;
                    Ok(true)
                }
                Ok(ConnectionState::WriteTraffic(mut traffic)) => {
                    write_traffic(&mut traffic, &request, outgoing, lower).map(|()| false)
                }
                // BlockedHandshake, Closed: nothing to do until more input.
                Ok(_) => Ok(false),
            };
            done += discard;
            match go_on {
                Ok(true) => {}
                Ok(false) => return (done, Ok(received)),
                Err(error) => return (done, Err(error)),
            }
        }
    })
}

/// Carries out an encryption or a `close_notify` once rustls allows
/// writing.
fn write_traffic<D>(
    traffic: &mut WriteTraffic<'_, D>,
    request: &Request<'_>,
    outgoing: &mut Vec<u8>,
    lower: &Transport,
) -> Result<(), Failure> {
    match request {
        Request::Read(_) => {}
        Request::Encrypt(data) => {
            for chunk in data.chunks(ENCRYPT_CHUNK) {
                let written = encrypt_into(outgoing, |buffer| traffic.encrypt(chunk, buffer))?;
                lower.write(&outgoing[..written]);
            }
        }
        Request::CloseNotify => {
            let written = encrypt_into(outgoing, |buffer| traffic.queue_close_notify(buffer))?;
            lower.write(&outgoing[..written]);
        }
    }
    Ok(())
}

/// Encodes a handshake message or alert into `buffer` past `start`,
/// growing it until the message fits; returns how many bytes it wrote.
fn encode_into<D>(encode: &mut EncodeTlsData<'_, D>, buffer: &mut Vec<u8>, start: usize) -> usize {
    loop {
        match encode.encode(&mut buffer[start..]) {
            Ok(written) => return written,
            Err(EncodeError::InsufficientSize(InsufficientSizeError { required_size })) => {
                buffer.resize(start + required_size, 0);
            }
            // Each message is encoded once here.
            Err(EncodeError::AlreadyEncoded) => return 0,
        }
    }
}

/// Encrypts with `encrypt` into `buffer`, growing it until the records
/// fit; returns how many bytes it wrote.
fn encrypt_into(
    buffer: &mut Vec<u8>,
    mut encrypt: impl FnMut(&mut [u8]) -> Result<usize, EncryptError>,
) -> Result<usize, Failure> {
    loop {
        match encrypt(buffer) {
            Ok(written) => return Ok(written),
            Err(EncryptError::InsufficientSize(InsufficientSizeError { required_size })) => {
                buffer.resize(required_size, 0);
            }
            Err(EncryptError::EncryptExhausted) => return Err(rustls::Error::EncryptError.into()),
        }
    }
}

/// Writes the messages rustls queued when it failed (its alert). Only
/// queued messages are taken: rustls reads no input before them.
fn send_alerts<S: Side>(connection: &mut S, lower: &Transport) {
    scratch::with(&OUTGOING, |outgoing| {
        let mut encoded = 0;
        while connection.wants_write() {
            let UnbufferedStatus { state, .. } = connection.process(&mut []);
            let Ok(ConnectionState::EncodeTlsData(mut encode)) = state else {
                break;
            };
            encoded += encode_into(&mut encode, outgoing, encoded);
        }
        if encoded > 0 {
            lower.write(&outgoing[..encoded]);
        }
    })
}
