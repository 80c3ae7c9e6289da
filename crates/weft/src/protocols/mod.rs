//! Protocol implementations that sit between a transport and an application:
//! framers and session layers, each usable on its own (sans-I/O) and later as
//! a weft protocol layer.
//!
//! - [`telnet`]: the Telnet codec (RFC 854/855) and option negotiation by
//!   the Q method (RFC 1143), with ECHO, SGA, NAWS, TTYPE and LINEMODE.

pub mod telnet;
