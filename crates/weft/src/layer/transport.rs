//! [`LayerTransport`]: the transport a layer hands to the protocol above
//! it. The one place where transport calls are passed down a stack.

use std::any::Any;
use std::io;
use std::rc::Rc;
use std::time::Duration;

use super::WritePath;
use crate::transport::{CloseKind, TransportBackend};
use crate::{Address, HandOver, HandOverError, Transport, WriteLimits};

/// Writes, closes, the pending count and the addresses go through the layer's
/// [`WritePath`]; every other call goes to the transport below as it is.
pub(super) struct LayerTransport<S> {
    lower: Transport,
    shared: Rc<S>,
}

impl<S> LayerTransport<S> {
    pub(super) fn new(lower: Transport, shared: Rc<S>) -> Self {
        LayerTransport { lower, shared }
    }
}

impl<S: WritePath> TransportBackend for LayerTransport<S> {
    fn write(&self, data: &[u8]) {
        self.shared.write(data, &self.lower);
    }

    fn write_vectored(&self, parts: &[&[u8]]) {
        self.shared.write_vectored(parts, &self.lower);
    }

    fn close(&self, kind: CloseKind) {
        self.shared.close(kind, &self.lower);
    }

    fn shutdown_write(&self) {
        self.shared.shutdown_write(&self.lower);
    }

    fn pending_bytes(&self) -> usize {
        self.shared.pending_bytes(&self.lower)
    }

    fn is_closing(&self) -> bool {
        self.lower.is_closing()
    }

    fn is_disconnecting(&self) -> bool {
        self.lower.is_disconnecting()
    }

    fn peer_address(&self) -> Address {
        self.shared.peer_address(&self.lower)
    }

    fn local_address(&self) -> Address {
        self.shared.local_address(&self.lower)
    }

    fn set_reading(&self, reading: bool) {
        if reading {
            self.lower.resume_reading();
        } else {
            self.lower.pause_reading();
        }
    }

    fn set_write_limits(&self, limits: WriteLimits) {
        self.lower.set_write_limits(limits);
    }

    fn write_limits(&self) -> WriteLimits {
        self.lower.write_limits()
    }

    fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.lower.set_nodelay(nodelay)
    }

    fn set_keepalive(&self, idle: Option<Duration>) -> io::Result<()> {
        self.lower.set_keepalive(idle)
    }

    fn set_send_buffer_size(&self, bytes: usize) -> io::Result<()> {
        self.lower.set_send_buffer_size(bytes)
    }

    fn lower(&self) -> Option<&Transport> {
        Some(&self.lower)
    }

    fn layer_state(&self) -> Option<Rc<dyn Any>> {
        Some(self.shared.clone())
    }

    fn hand_over(&self, unused: &[u8]) -> Result<HandOver, HandOverError> {
        self.shared.hand_over(unused, &self.lower)
    }
}
