//! The game in a browser: a page, its WebSocket, and the list of arenas
//! to watch, on weft's [`HttpServer`](weft::protocols::http::HttpServer)
//! (one request per connection) and WebSocket layer.
//!
//! | file | what it holds |
//! | --- | --- |
//! | [`site`] | [`WebSite`]: the factory of the web front end, and what each address serves |
//! | [`watch_list`] | the `/watch` page: the open arenas, each a link to watch it |
//!
//! | address | what it is |
//! | --- | --- |
//! | `GET /` | the page (`crates/boom/web/index.html`, in the binary): plays, or with `?watch=P.K` watches arena `P.K` |
//! | `GET /watch` | the open arenas: players, round, scores |
//! | `GET /play?name=NAME` | the WebSocket of a player (`NAME` cleaned up as an SSH login name is: see `names::clean_name`) |
//! | `GET /view?arena=P.K` | the WebSocket of a watcher of arena `K` of reactor `P` (read-only); on a pool, the request is handed to reactor `P` |
//!
//! Over a WebSocket the page receives [`WebView`](super::view::WebView)'s
//! updates and sends keys, each message a few bytes the terminal keys
//! decode (`w`, `a`, `s`, `d`, `e`); the protocol is written down in
//! `docs/web-protocol.md`. A player from a browser is a player like any
//! other: it meets telnet players in the same arenas.

pub mod site;
pub mod watch_list;

pub use site::{Elsewhere, WebSite};
