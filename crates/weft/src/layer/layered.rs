//! [`Layered`]: a layer and the protocol above it, as one [`Protocol`];
//! [`Above`]: the protocol above, as the layer delivers to it.

use std::rc::Rc;

use super::transport::LayerTransport;
use super::{Layer, LayerEvent};
use crate::{CloseReason, HalfClose, Protocol, Transport};

/// A [`Layer`] `L` with the protocol `P` above it: one [`Protocol`] (see
/// the [module docs](super) for what it promises).
///
/// `P` may itself be a `Layered`, which is how layers stack. The layers
/// of weft name their stacks: [`TelnetProtocol`](crate::protocols::telnet::TelnetProtocol),
/// [`LineReceiver`](crate::protocols::LineReceiver),
/// [`NetstringReceiver`](crate::protocols::NetstringReceiver) and the
/// length-prefix receivers, each with its own constructor; any other
/// layer is stacked with [`wrap`](Self::wrap).
pub struct Layered<L, P> {
    layer: L,
    inner: P,
    /// The transport below, once the connection is made.
    lower: Option<Transport>,
    /// `connection_lost` was delivered.
    lost: bool,
}

impl<L: Layer, P: Protocol> Layered<L, P> {
    /// Runs `inner` over `layer`.
    pub fn wrap(layer: L, inner: P) -> Self {
        Layered {
            layer,
            inner,
            lower: None,
            lost: false,
        }
    }

    /// The protocol above the layer (Twisted's `wrappedProtocol`).
    pub fn inner(&self) -> &P {
        &self.inner
    }

    /// The protocol above the layer, mutably.
    pub fn inner_mut(&mut self) -> &mut P {
        &mut self.inner
    }

    /// The layer.
    pub fn layer(&self) -> &L {
        &self.layer
    }

    /// The layer, mutably (to configure it before the connection is
    /// made).
    pub fn layer_mut(&mut self) -> &mut L {
        &mut self.layer
    }
}

impl<L: Layer, P: Protocol> Protocol for Layered<L, P> {
    fn connection_made(&mut self, lower: Transport) {
        let shared = self.layer.connection_made(&lower);
        let transport = Transport::new(Rc::new(LayerTransport::new(lower.clone(), shared)));
        self.inner.connection_made(transport);
        let mut above = Above {
            protocol: &mut self.inner,
            lower: &lower,
        };
        self.layer.connection_started(&mut above);
        self.lower = Some(lower);
    }

    fn data_received(&mut self, data: &[u8]) {
        if let (Some(lower), false) = (&self.lower, self.lost) {
            let mut above = Above {
                protocol: &mut self.inner,
                lower,
            };
            self.layer.data_received(data, &mut above);
        }
    }

    fn eof_received(&mut self) -> HalfClose {
        match (&self.lower, self.lost) {
            (Some(lower), false) => {
                let mut above = Above {
                    protocol: &mut self.inner,
                    lower,
                };
                self.layer.eof_received(&mut above)
            }
            _ => HalfClose::Close,
        }
    }

    fn connection_lost(&mut self, reason: &CloseReason) {
        if std::mem::replace(&mut self.lost, true) {
            return;
        }
        self.layer.connection_lost(reason);
        self.inner.connection_lost(reason);
    }

    fn pause_writing(&mut self) {
        if !self.lost {
            self.inner.pause_writing();
        }
    }

    fn resume_writing(&mut self) {
        if !self.lost {
            self.inner.resume_writing();
        }
    }

    fn layer_event(&mut self, event: &LayerEvent<'_>) {
        if !self.lost {
            self.inner.layer_event(event);
        }
    }
}

/// The protocol above a layer, lent to [`Layer::data_received`] and
/// [`Layer::eof_received`]: what the layer decoded goes up through it.
pub struct Above<'a, P> {
    protocol: &'a mut P,
    lower: &'a Transport,
}

impl<P: Protocol> Above<'_, P> {
    /// Hands `data` to the protocol's `data_received`, unless a close was
    /// asked for ([`Transport::is_disconnecting`]); returns whether it was
    /// delivered. A layer stops decoding the current chunk once this
    /// returns `false`.
    ///
    /// What one call carries is the layer's to say: a run of data
    /// (telnet), one whole message (a line, a frame).
    pub fn deliver(&mut self, data: &[u8]) -> bool {
        let open = self.is_receiving();
        if open {
            self.protocol.data_received(data);
        }
        open
    }

    /// Hands `event` to the protocol's [`layer_event`](Protocol::layer_event),
    /// under the same rule as [`deliver`](Self::deliver).
    pub fn event(&mut self, event: &LayerEvent<'_>) -> bool {
        let open = self.is_receiving();
        if open {
            self.protocol.layer_event(event);
        }
        open
    }

    /// Whether input is still delivered: no close was asked for. A
    /// half-close does not stop input.
    pub fn is_receiving(&self) -> bool {
        !self.lower.is_disconnecting()
    }

    /// The transport below the layer.
    pub fn lower(&self) -> &Transport {
        self.lower
    }

    /// The protocol above, for what [`deliver`](Self::deliver) and
    /// [`event`](Self::event) do not cover.
    pub fn protocol(&mut self) -> &mut P {
        self.protocol
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::layer::PassThrough;
    use crate::testing::StringTransport;

    /// Delivers its input in two halves, to show the rest of a chunk is
    /// dropped once a close is asked for.
    struct Halves;

    impl Layer for Halves {
        type Shared = PassThrough;

        fn connection_made(&mut self, _lower: &Transport) -> Rc<PassThrough> {
            Rc::new(PassThrough)
        }

        fn data_received<P: Protocol>(&mut self, data: &[u8], above: &mut Above<'_, P>) {
            let (first, second) = data.split_at(data.len() / 2);
            let _ = above.deliver(first) && above.deliver(second);
        }
    }

    /// Records what reaches it; `close` closes, `half` half-closes.
    #[derive(Default)]
    struct Top {
        transport: Option<Transport>,
        seen: Rc<RefCell<Vec<String>>>,
    }

    impl Protocol for Top {
        fn connection_made(&mut self, transport: Transport) {
            self.transport = Some(transport);
        }

        fn data_received(&mut self, data: &[u8]) {
            self.seen
                .borrow_mut()
                .push(String::from_utf8_lossy(data).into_owned());
            let transport = self.transport.as_ref().unwrap();
            match data {
                b"half" => transport.shutdown_write(),
                b"stop" => transport.lose_connection(),
                _ => {}
            }
        }

        fn connection_lost(&mut self, reason: &CloseReason) {
            self.seen.borrow_mut().push(format!("lost: {reason}"));
        }

        fn pause_writing(&mut self) {
            self.seen.borrow_mut().push("pause".into());
        }
    }

    fn connected() -> (Layered<Halves, Top>, StringTransport) {
        let record = StringTransport::new();
        let mut stack = Layered::wrap(Halves, Top::default());
        stack.connection_made(record.transport());
        (stack, record)
    }

    fn seen(stack: &Layered<Halves, Top>) -> Vec<String> {
        stack.inner().seen.borrow().clone()
    }

    #[test]
    fn a_close_drops_the_rest_of_the_chunk_and_a_half_close_does_not() {
        let (mut stack, record) = connected();
        stack.data_received(b"halfmore");
        stack.data_received(b"stopgone");
        assert_eq!(seen(&stack), ["half", "more", "stop"]);
        assert!(record.write_shut() && record.lose_connection_called());
    }

    #[test]
    fn the_end_is_told_once_and_nothing_comes_after_it() {
        let (mut stack, _) = connected();
        stack.connection_lost(&CloseReason::Done);
        stack.connection_lost(&CloseReason::Aborted);
        stack.data_received(b"late");
        stack.pause_writing();
        assert_eq!(seen(&stack), ["lost: connection closed cleanly"]);
    }
}
