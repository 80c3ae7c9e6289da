//! Source addresses for many connections from one machine.

use std::net::{Ipv4Addr, SocketAddr};

/// Hands out source addresses in 127.1.0.0/16 (the whole of 127.0.0.0/8
/// reaches the loopback interface on Linux), `per_address` connections to
/// each: an attacker with many addresses meets a server's cap on
/// connections per address (boom's `--max-per-address`, 32 by default)
/// without ever passing it. 127.0.0.1 stays for the observers.
#[derive(Clone, Debug)]
pub struct Sources {
    per_address: usize,
    handed_out: usize,
}

impl Sources {
    /// At most `per_address` connections from each address.
    pub fn new(per_address: usize) -> Sources {
        Sources {
            per_address: per_address.max(1),
            handed_out: 0,
        }
    }

    /// The address (port 0: any) for the next connection.
    pub fn next_source(&mut self) -> SocketAddr {
        let host = self.handed_out / self.per_address;
        self.handed_out += 1;
        let (high, low) = (host / 254 % 256, host % 254 + 1);
        SocketAddr::from((Ipv4Addr::new(127, 1, high as u8, low as u8), 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_serves_its_share_then_the_next_one_comes() {
        let mut sources = Sources::new(2);
        let hosts: Vec<String> = (0..5)
            .map(|_| sources.next_source().ip().to_string())
            .collect();
        assert_eq!(
            hosts,
            [
                "127.1.0.1",
                "127.1.0.1",
                "127.1.0.2",
                "127.1.0.2",
                "127.1.0.3"
            ]
        );
        let mut many = Sources::new(1);
        let last = (0..300).map(|_| many.next_source()).last().unwrap();
        assert_eq!(last.ip().to_string(), "127.1.1.46");
    }
}
