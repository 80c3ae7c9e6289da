//! [`Server`]: the game on a reactor, shared by the `boom` command and the
//! tests.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use weft::endpoints::ServerEndpoint;
use weft::protocols::telnet::{Policy, TelnetOption, TelnetProtocol};
use weft::time::{LoopingCall, StartAt};
use weft::{Address, ListeningPort, Reactor};

use super::error::ServerError;
use super::hub::Hub;
use super::keys::KeyDecoder;
use super::options::{Options, RenderMode};
use super::player::PlayerProtocol;
use super::stats::Stats;

/// How often the server logs its load (at `info` level).
const REPORT_EVERY: Duration = Duration::from_secs(10);

/// The boom server on one reactor: call [`Server::listen_all`] (or
/// [`Server::listen`]), then run the reactor. When the reactor stops
/// (SIGINT, SIGTERM with [`Reactor::handle_signals`], or
/// [`Reactor::stop`]), every player is told the server is going down and
/// its terminal is restored before the connections close.
pub struct Server {
    reactor: Reactor,
    hub: Rc<RefCell<Hub>>,
    stats: Arc<Stats>,
    ticker: LoopingCall,
}

impl Server {
    /// A server for `options` on `reactor`; its frame tick starts at once.
    pub fn new(reactor: &Reactor, options: Options) -> Result<Server, ServerError> {
        options.game_config(options.seed).validate()?;
        let interval = options.frame_interval;
        let stats = Arc::new(Stats::default());
        let hub = Rc::new(RefCell::new(Hub::new(options, stats.clone())));
        let ticker = {
            let hub = hub.clone();
            LoopingCall::start(reactor, interval, StartAt::AfterInterval, move |_| {
                // A bug in one tick must not stop the game for everyone:
                // log it and tick again next time.
                let tick = catch_unwind(AssertUnwindSafe(|| hub.borrow_mut().tick()));
                if tick.is_err() {
                    tracing::error!("a frame tick panicked; the server goes on");
                }
            })
        };
        let report = {
            let stats = stats.clone();
            let mut last = (0, 0);
            LoopingCall::start(reactor, REPORT_EVERY, StartAt::AfterInterval, move |_| {
                let now = (stats.frames_sent(), stats.frames_skipped());
                tracing::info!(
                    players = stats.players(),
                    arenas = stats.arenas(),
                    frames_per_second = (now.0 - last.0) / REPORT_EVERY.as_secs(),
                    skipped_per_second = (now.1 - last.1) / REPORT_EVERY.as_secs(),
                    "server load"
                );
                last = now;
            })
        };
        {
            let hub = hub.clone();
            let ticker = ticker.clone();
            reactor.add_shutdown_hook(move || {
                ticker.stop();
                report.stop();
                hub.borrow_mut().shut_down();
            });
        }
        Ok(Server {
            reactor: reactor.clone(),
            hub,
            stats,
            ticker,
        })
    }

    /// Listens on `endpoint`; each connection becomes a player.
    pub fn listen(&self, endpoint: &ServerEndpoint) -> Result<ListeningPort, ServerError> {
        let hub = self.hub.clone();
        let (classic, render) = {
            let hub = hub.borrow();
            (hub.options().classic, hub.options().render)
        };
        let policy = telnet_policy(classic, render);
        let factory = move |_peer: &Address| {
            let keys = if classic {
                KeyDecoder::classic()
            } else {
                KeyDecoder::full()
            };
            Some(TelnetProtocol::new(
                PlayerProtocol::new(hub.clone(), keys),
                policy.clone(),
            ))
        };
        self.reactor
            .listen(endpoint, factory)
            .map_err(|source| ServerError::Listen {
                endpoint: format!("{endpoint:?}"),
                source,
            })
    }

    /// Listens on every endpoint of the options.
    pub fn listen_all(&self) -> Result<Vec<ListeningPort>, ServerError> {
        let endpoints = self.hub.borrow().options().endpoints.clone();
        endpoints.iter().map(|e| self.listen(e)).collect()
    }

    /// Live counters, readable from any thread.
    pub fn stats(&self) -> Arc<Stats> {
        self.stats.clone()
    }

    /// Stops sending frames (the reactor's stop does this too).
    pub fn stop_ticking(&self) {
        self.ticker.stop();
    }
}

/// The telnet options asked for: the seed's (R19: WILL ECHO, WILL SGA,
/// WONT LINEMODE; agree to DO ECHO and DO SGA), plus DO NAWS when frames
/// may be ANSI (to centre the board in the window).
pub fn telnet_policy(classic: bool, render: RenderMode) -> Policy {
    let policy = Policy::new()
        .request_local(TelnetOption::ECHO)
        .request_local(TelnetOption::SGA)
        .announce_wont(TelnetOption::LINEMODE)
        .accept_remote(TelnetOption::SGA);
    if classic && render == RenderMode::Plain {
        policy
    } else {
        policy.request_remote(TelnetOption::NAWS)
    }
}
