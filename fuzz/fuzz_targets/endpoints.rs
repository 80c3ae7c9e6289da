//! Endpoint descriptions: any text parses as a server and as a client
//! endpoint or is refused with a message that quotes it, never a panic;
//! a parsed server endpoint's description can be shown.
#![no_main]

use libfuzzer_sys::fuzz_target;
use weft::endpoints::{ClientEndpoint, ServerEndpoint};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match text.parse::<ServerEndpoint>() {
        Ok(endpoint) => drop(endpoint.to_string()),
        Err(error) => assert_eq!(error.description, text),
    }
    if let Err(error) = text.parse::<ClientEndpoint>() {
        assert_eq!(error.description, text);
    }
});
