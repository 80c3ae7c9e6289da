//! The buffers every TLS session of a thread shares: records are
//! decrypted in [`INCOMING`], encoded in [`OUTGOING`], and what they carry
//! is handed up from [`PLAINTEXT`]. A session borrows one only for the
//! call that needs it, so a connection between records holds none, as
//! the reactor has one read buffer per thread.
//!
//! Each grows to the largest use so far on its thread (bounded by the
//! reactor's read size plus a record, or by what a test feeds by hand)
//! and is kept for the next.

use std::cell::RefCell;
use std::thread::LocalKey;

thread_local! {
    /// The bytes of an incomplete record a session kept, then the bytes
    /// just read: rustls decrypts and joins handshake messages in place
    /// here.
    pub(super) static INCOMING: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// TLS records rustls encodes, before they are written to the
    /// transport below.
    pub(super) static OUTGOING: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// Decrypted bytes, as they are handed to the protocol above.
    pub(super) static PLAINTEXT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with the thread's `buffer`, or with a fresh one when it is in
/// use further up the stack (TLS inside TLS: a session that delivers or
/// writes makes another one decrypt or encrypt).
pub(super) fn with<R>(
    buffer: &'static LocalKey<RefCell<Vec<u8>>>,
    f: impl FnOnce(&mut Vec<u8>) -> R,
) -> R {
    buffer.with(|shared| match shared.try_borrow_mut() {
        Ok(mut shared) => f(&mut shared),
        Err(_) => f(&mut Vec::new()),
    })
}
