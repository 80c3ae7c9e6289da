//! [`WebSite`]: the web front end's factory — each connection an
//! [`HttpServer`] whose [`Handler`] is a [`Site`] serving the addresses of
//! the [module docs](super).

use std::cell::RefCell;
use std::rc::Rc;

use weft::pool::Dispatcher;
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

/// Where requests for the arenas of the pool's other reactors go: the
/// pool, and the service the web front end is registered as on each
/// reactor (its endpoint).
#[derive(Clone, Debug)]
pub struct Elsewhere {
    /// Hands connections to the pool's reactors.
    pub dispatcher: Dispatcher,
    /// The service name the web front end has on every reactor.
    pub service: Rc<str>,
}

/// What a request of the web front end can reach: the game.
pub struct Site {
    shell: Rc<RefCell<Shell>>,
    elsewhere: Option<Elsewhere>,
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
                let arenas = self.shell.borrow().session().all_arenas();
                Reply::Respond(page("text/html; charset=utf-8", watch_list::page(&arenas)))
            }
            "/play" => self.enter(Entrance::Web {
                name: request.query("name").map(str::to_owned),
            }),
            _ => match request.query("arena").and_then(arena_id) {
                Some((place, arena)) => self.watch(place, arena),
                None => Reply::Respond(Response::error(
                    Status::BAD_REQUEST,
                    "watching needs ?arena=P.K, an arena listed at /watch",
                )),
            },
        }
    }
}

impl Site {
    fn enter(&self, entrance: Entrance) -> Reply<PlayerProtocol> {
        Reply::WebSocket(PlayerProtocol::entering(self.shell.clone(), entrance))
    }

    /// Watches arena `arena` of session `place`: here, or on the reactor
    /// that serves it (the request is handed over, and read there again).
    fn watch(&self, place: usize, arena: usize) -> Reply<PlayerProtocol> {
        let here = self.shell.borrow().session().place();
        match &self.elsewhere {
            Some(elsewhere) if place != here => {
                let Elsewhere {
                    dispatcher,
                    service,
                } = elsewhere.clone();
                Reply::HandOver(Box::new(move |connection| {
                    dispatcher.hand_over_to(place, &service, connection);
                }))
            }
            _ => self.enter(Entrance::Watch { arena }),
        }
    }
}

/// An arena's id as `/watch` writes it, `PLACE.KEY`: the place and key.
fn arena_id(text: &str) -> Option<(usize, usize)> {
    let (place, key) = text.split_once('.')?;
    Some((place.parse().ok()?, key.parse().ok()?))
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
    elsewhere: Option<Elsewhere>,
}

impl WebSite {
    /// The web front end of `shell`'s game, timing request heads on
    /// `timers`.
    pub(crate) fn new(shell: Rc<RefCell<Shell>>, timers: Timers, limits: HttpLimits) -> Self {
        WebSite {
            shell,
            timers,
            limits,
            elsewhere: None,
        }
    }

    /// This front end on a reactor of a pool: requests to watch an arena of
    /// another reactor go there.
    pub fn in_pool(self, elsewhere: Elsewhere) -> Self {
        WebSite {
            elsewhere: Some(elsewhere),
            ..self
        }
    }
}

impl Factory for WebSite {
    type Protocol = HttpServer<Site>;

    fn build_protocol(&mut self, _peer: &Address) -> Option<Self::Protocol> {
        let site = Site {
            shell: self.shell.clone(),
            elsewhere: self.elsewhere.clone(),
        };
        Some(HttpServer::new(site, &self.timers, self.limits))
    }
}
