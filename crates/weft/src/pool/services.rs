//! The factories a reactor of a pool registered for connections handed to
//! it, by service name. Each reactor thread has its own (a thread-local
//! table: a pool's reactors share nothing), so factories and protocols need
//! not be `Send`.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::{Factory, HandOver, Reactor};

/// Serves a handed-over connection on this thread's reactor.
type Adopter = Box<dyn FnMut(&Reactor, HandOver) -> bool>;

thread_local! {
    static SERVICES: RefCell<HashMap<String, Adopter>> = RefCell::new(HashMap::new());
}

/// Registers `factory` on this thread as the one that serves connections
/// handed over for `service`.
pub(crate) fn register<F: Factory>(service: &str, mut factory: F) {
    let adopter: Adopter =
        Box::new(move |reactor, hand_over| reactor.adopt(hand_over, &mut factory));
    SERVICES.with(|services| services.borrow_mut().insert(service.to_owned(), adopter));
}

/// Serves `hand_over` on `reactor` (this thread's) with the factory
/// registered for `service`; closes it when there is none or the factory
/// refuses. Returns whether it is served.
pub(crate) fn adopt(reactor: &Reactor, service: &str, hand_over: HandOver) -> bool {
    // The adopter is taken out while it runs: a protocol it builds may
    // hand a connection over in turn.
    let adopter = SERVICES.with(|services| services.borrow_mut().remove(service));
    let Some(mut adopter) = adopter else {
        tracing::warn!(
            service,
            "no factory for a connection handed over; closing it"
        );
        return false;
    };
    let served = adopter(reactor, hand_over);
    SERVICES.with(|services| {
        services
            .borrow_mut()
            .entry(service.to_owned())
            .or_insert(adopter);
    });
    served
}
