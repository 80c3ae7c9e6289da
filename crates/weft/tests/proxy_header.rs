//! Properties of the PROXY header parser: every valid header round-trips
//! through its encoding, and any split of any input gives the same result
//! as the whole.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

use proptest::prelude::*;
use weft::protocols::proxy::{
    Command, HeaderError, HeaderParser, ProxiedAddresses, ProxyHeader, Tlv, Version,
};

fn ip_pair() -> impl Strategy<Value = (IpAddr, IpAddr)> {
    prop_oneof![
        (any::<u32>(), any::<u32>())
            .prop_map(|(s, d)| (Ipv4Addr::from(s).into(), Ipv4Addr::from(d).into())),
        (any::<u128>(), any::<u128>())
            .prop_map(|(s, d)| (Ipv6Addr::from(s).into(), Ipv6Addr::from(d).into())),
    ]
}

fn ip_addresses() -> impl Strategy<Value = ProxiedAddresses> {
    (ip_pair(), any::<u16>(), any::<u16>()).prop_map(|((s, d), sp, dp)| ProxiedAddresses::Ip {
        source: SocketAddr::new(s, sp),
        destination: SocketAddr::new(d, dp),
    })
}

fn unix_path() -> impl Strategy<Value = Option<PathBuf>> {
    proptest::option::of(
        proptest::collection::vec(1u8..=255, 1..=108)
            .prop_map(|bytes| PathBuf::from(std::ffi::OsString::from_vec(bytes))),
    )
}

fn v1_header() -> impl Strategy<Value = ProxyHeader> {
    prop_oneof![Just(ProxiedAddresses::Unknown), ip_addresses()].prop_map(|addresses| ProxyHeader {
        version: Version::V1,
        command: Command::Proxy,
        addresses,
        tlvs: Vec::new(),
    })
}

fn v2_header() -> impl Strategy<Value = ProxyHeader> {
    let proxied = prop_oneof![
        Just(ProxiedAddresses::Unknown),
        ip_addresses(),
        (unix_path(), unix_path()).prop_map(|(source, destination)| ProxiedAddresses::Unix {
            source,
            destination
        }),
    ]
    .prop_map(|addresses| (Command::Proxy, addresses));
    let local = Just((Command::Local, ProxiedAddresses::Unknown));
    let tlvs = proptest::collection::vec(
        (any::<u8>(), proptest::collection::vec(any::<u8>(), 0..64))
            .prop_map(|(kind, value)| Tlv { kind, value }),
        0..8,
    );
    (prop_oneof![proxied, local], tlvs).prop_map(|((command, addresses), tlvs)| ProxyHeader {
        version: Version::V2,
        command,
        addresses,
        tlvs,
    })
}

/// Feeds `chunks` in turn; the result, and the bytes left after the
/// header.
fn feed(chunks: &[&[u8]]) -> (Result<Option<ProxyHeader>, HeaderError>, Vec<u8>) {
    let mut parser = HeaderParser::new();
    let mut chunks = chunks.iter();
    for chunk in chunks.by_ref() {
        let mut input = *chunk;
        match parser.next_header(&mut input) {
            Ok(None) => assert!(input.is_empty(), "need more input, yet bytes were left"),
            done => {
                let rest = [input].into_iter().chain(chunks.copied()).flatten();
                return (done, rest.copied().collect());
            }
        }
    }
    (Ok(None), Vec::new())
}

fn split3(bytes: &[u8], a: usize, b: usize) -> [&[u8]; 3] {
    let a = a % (bytes.len() + 1);
    let b = a + b % (bytes.len() - a + 1);
    [&bytes[..a], &bytes[a..b], &bytes[b..]]
}

proptest! {
    #[test]
    fn every_valid_header_round_trips(header in prop_oneof![v1_header(), v2_header()]) {
        let (parsed, rest) = feed(&[&header.encode()]);
        prop_assert_eq!(parsed, Ok(Some(header)));
        prop_assert!(rest.is_empty());
    }

    #[test]
    fn any_split_of_a_header_and_what_follows_gives_the_same_result(
        header in prop_oneof![v1_header(), v2_header()],
        after in proptest::collection::vec(any::<u8>(), 0..32),
        a in any::<usize>(),
        b in any::<usize>(),
    ) {
        let mut bytes = header.encode();
        bytes.extend_from_slice(&after);
        let (parsed, rest) = feed(&split3(&bytes, a, b));
        prop_assert_eq!(parsed, Ok(Some(header)));
        prop_assert_eq!(rest, after);
    }

    #[test]
    fn any_split_of_any_input_gives_the_same_result(
        start in prop_oneof![Just(b"PROXY ".to_vec()), Just(b"\r\n\r\n\0\r\nQUIT\n".to_vec()), Just(Vec::new())],
        noise in proptest::collection::vec(any::<u8>(), 0..300),
        a in any::<usize>(),
        b in any::<usize>(),
    ) {
        let bytes = [start, noise].concat();
        let whole = feed(&[&bytes]);
        let split = feed(&split3(&bytes, a, b));
        prop_assert_eq!(&split.0, &whole.0);
        if whole.0.is_ok() {
            prop_assert_eq!(split.1, whole.1);
        }
    }
}
