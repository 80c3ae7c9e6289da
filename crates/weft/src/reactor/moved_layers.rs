//! [`MovedLayers`]: the state of layers that follows a connection handed
//! to another reactor (a TLS session), for the factory there to build its
//! layers from.

use std::any::{Any, type_name};
use std::fmt;

use crate::{Address, Factory};

/// The state that layers under a protocol carried across when their
/// connection was handed over ([`Transport::hand_over`](crate::Transport::hand_over)):
/// what cannot be rebuilt from bytes on the other side, such as a TLS
/// session's keys.
///
/// A layer whose [`WritePath::hand_over`](crate::layer::WritePath::hand_over)
/// can move [pushes](Self::push) its state onto the hand-over its lower
/// transport returned. On the adopting reactor, a factory that puts that
/// layer under its protocols [takes](Self::take) the state back in
/// [`Factory::adopt_protocol`] and builds the layer from it instead of
/// afresh. Each state is found by its type.
///
/// A connection is served only if every state is taken: one that no
/// factory takes means the adopting service lacks a layer the
/// connection depends on (a TLS session handed to a plaintext service),
/// and the connection is closed with a warning naming the layer
/// ([`build_with`](Self::build_with)).
#[derive(Default)]
pub struct MovedLayers {
    states: Vec<Moved>,
}

/// One layer's state, with its type's name for messages.
struct Moved {
    name: &'static str,
    state: Box<dyn Any + Send>,
}

impl MovedLayers {
    /// Adds the state of a layer, to be taken by its type.
    pub fn push<T: Any + Send>(&mut self, state: T) {
        self.states.push(Moved {
            name: type_name::<T>(),
            state: Box::new(state),
        });
    }

    /// Takes the first state of type `T`, if any.
    pub fn take<T: Any + Send>(&mut self) -> Option<T> {
        let at = self.states.iter().position(|moved| moved.state.is::<T>())?;
        let moved = self.states.remove(at);
        moved.state.downcast().ok().map(|state| *state)
    }

    /// Whether no state is left to take.
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// Builds `factory`'s protocol for a connection from `peer` with these
    /// states ([`Factory::adopt_protocol`]), and refuses it (`None`, with a
    /// warning naming the layers) if any state is left untaken.
    pub fn build_with<F: Factory + ?Sized>(
        mut self,
        factory: &mut F,
        peer: &Address,
    ) -> Option<F::Protocol> {
        let protocol = factory.adopt_protocol(peer, &mut self)?;
        if self.is_empty() {
            return Some(protocol);
        }
        tracing::warn!(
            %peer,
            layers = ?self,
            "a connection was handed over with layer state that this service has no layer for; closing it"
        );
        None
    }
}

impl fmt::Debug for MovedLayers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.states.iter().map(|moved| moved.name))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::MovedLayers;
    use crate::{Address, Factory, Protocol};

    struct Quiet;

    impl Protocol for Quiet {
        fn data_received(&mut self, _data: &[u8]) {}
    }

    /// Takes a `u32` if there is one.
    struct TakesNumbers(Option<u32>);

    impl Factory for TakesNumbers {
        type Protocol = Quiet;

        fn build_protocol(&mut self, _peer: &Address) -> Option<Quiet> {
            Some(Quiet)
        }

        fn adopt_protocol(&mut self, _peer: &Address, moved: &mut MovedLayers) -> Option<Quiet> {
            self.0 = moved.take::<u32>();
            Some(Quiet)
        }
    }

    fn peer() -> Address {
        Address::Tcp("127.0.0.1:1".parse().unwrap())
    }

    #[test]
    fn states_are_taken_by_type_first_pushed_first() {
        let mut moved = MovedLayers::default();
        moved.push(7u32);
        moved.push("text");
        moved.push(8u32);
        assert_eq!(moved.take::<u32>(), Some(7));
        assert_eq!(moved.take::<u64>(), None);
        assert_eq!(moved.take::<u32>(), Some(8));
        assert_eq!(moved.take::<&str>(), Some("text"));
        assert!(moved.is_empty());
    }

    #[test]
    fn a_state_no_factory_takes_refuses_the_connection() {
        let mut moved = MovedLayers::default();
        moved.push(7u32);
        let mut factory = TakesNumbers(None);
        assert!(moved.build_with(&mut factory, &peer()).is_some());
        assert_eq!(factory.0, Some(7));

        let mut moved = MovedLayers::default();
        moved.push(7u64);
        assert_eq!(format!("{moved:?}"), "[\"u64\"]", "named in the warning");
        assert!(moved.build_with(&mut factory, &peer()).is_none());
    }
}
