//! Policies a server facing the internet puts on its connections
//! (Twisted's `twisted.protocols.policies`).
//!
//! | file | what it holds |
//! | --- | --- |
//! | [`idle_timeout`] | [`IdleTimeout`]: close a connection that stays silent too long |
//! | [`per_address`] | [`LimitPerAddress`]: a cap on connections from one address |

pub mod idle_timeout;
pub mod per_address;

pub use idle_timeout::IdleTimeout;
pub use per_address::{AddressCounts, Counted, LimitPerAddress};
