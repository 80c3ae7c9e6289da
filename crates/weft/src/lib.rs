//! weft: Twisted's networking triforce in Rust.
#![deny(missing_docs)]

pub mod protocols;
pub mod testing;
pub mod time;

/// The text of a panic payload, for logs and disconnect reasons.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}
