//! Containing panics: how weft keeps one failing callback from taking
//! down the reactor, the timers, or anything else on the thread.

use std::panic::{AssertUnwindSafe, catch_unwind};

/// Runs `callback`; a panic is logged as an error naming `what`, and gives
/// `Err` with the panic's message instead of unwinding further.
///
/// This is the one place where weft catches panics: the reactor uses it
/// around every protocol, factory, timer and cross-thread call, and
/// applications can use it for their own callbacks (a frame tick that must
/// go on after a bug, say). Unwind safety is asserted: the caller promises
/// that state a panic leaves half-changed is either not used again or is
/// safe to use (the reactor, for one, aborts the connection whose protocol
/// panicked).
pub fn catch_panic<R>(what: &str, callback: impl FnOnce() -> R) -> Result<R, String> {
    catch_unwind(AssertUnwindSafe(callback)).map_err(|payload| {
        let message = panic_message(payload.as_ref());
        tracing::error!(callback = what, panic = %message, "a callback panicked; going on");
        message
    })
}

/// The text of a panic payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::catch_panic;

    #[test]
    fn a_panic_becomes_its_message() {
        assert_eq!(catch_panic("test", || 7), Ok(7));
        assert_eq!(
            catch_panic("test", || -> u8 { panic!("bad {}", 1) }),
            Err("bad 1".to_owned())
        );
        assert_eq!(
            catch_panic("test", || std::panic::panic_any(3_u8)),
            Err("a panic without a message".to_owned())
        );
    }
}
