//! [`WebSite`]: the web front end's factory — each connection an
//! [`HttpServer`] whose [`Handler`] is a [`Site`] serving the addresses of
//! the [module docs](super).

use std::cell::RefCell;
use std::rc::Rc;

use weft::protocols::http::{
    Handler, HttpLimits, HttpServer, Reply, RequestHead, Response, Status,
};
use weft::time::Timers;
use weft::{Address, Factory, Transport};

use super::super::connection::{Entrance, PlayerProtocol};
use super::super::shell::Shell;
use super::watch_list;

/// The page, with its style and script, built into the binary.
const PAGE: &str = include_str!("../../../web/index.html");

/// What a request of the web front end can reach: the game.
pub struct Site {
    shell: Rc<RefCell<Shell>>,
}

impl Handler for Site {
    type Upgraded = PlayerProtocol;

    fn handle(&mut self, request: &RequestHead, _transport: &Transport) -> Reply<PlayerProtocol> {
        let path = request.path();
        if !matches!(path, "/" | "/watch" | "/play" | "/view") {
            return Reply::Respond(Response::error(
                Status::NOT_FOUND,
                &format!("nothing is served at {path}: try / to play or /watch to watch"),
            ));
        }
        if request.method() != "GET" {
            return Reply::Respond(
                Response::error(Status::METHOD_NOT_ALLOWED, "only GET is served here")
                    .field("Allow", "GET"),
            );
        }
        match path {
            "/" => Reply::Respond(page("text/html; charset=utf-8", PAGE.to_owned())),
            "/watch" => {
                let arenas = self.shell.borrow().session().arenas();
                Reply::Respond(page("text/html; charset=utf-8", watch_list::page(&arenas)))
            }
            "/play" => self.enter(Entrance::Web {
                name: request.query("name").map(str::to_owned),
            }),
            _ => match request.query("arena").and_then(|n| n.parse().ok()) {
                Some(arena) => self.enter(Entrance::Watch { arena }),
                None => Reply::Respond(Response::error(
                    Status::BAD_REQUEST,
                    "watching needs ?arena=N, N the number of an arena listed at /watch",
                )),
            },
        }
    }
}

impl Site {
    fn enter(&self, entrance: Entrance) -> Reply<PlayerProtocol> {
        Reply::WebSocket(PlayerProtocol::entering(self.shell.clone(), entrance))
    }
}

/// A page, closing the connection after it.
fn page(content_type: &'static str, body: String) -> Response {
    Response::new(Status::OK)
        .field("Connection", "close")
        .field("Cache-Control", "no-store")
        .body(content_type, body)
}

/// The web front end of one server: a [`Factory`] of connections that
/// each serve one request.
#[derive(Clone)]
pub struct WebSite {
    shell: Rc<RefCell<Shell>>,
    timers: Timers,
    limits: HttpLimits,
}

impl WebSite {
    /// The web front end of `shell`'s game, timing request heads on
    /// `timers`.
    pub(crate) fn new(shell: Rc<RefCell<Shell>>, timers: Timers, limits: HttpLimits) -> Self {
        WebSite {
            shell,
            timers,
            limits,
        }
    }
}

impl Factory for WebSite {
    type Protocol = HttpServer<Site>;

    fn build_protocol(&mut self, _peer: &Address) -> Option<Self::Protocol> {
        let site = Site {
            shell: self.shell.clone(),
        };
        Some(HttpServer::new(site, &self.timers, self.limits))
    }
}
