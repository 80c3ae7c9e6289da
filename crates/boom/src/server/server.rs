//! [`Server`]: the thin socket shell around the session core — a weft
//! [`Factory`] of per-player protocols, listening, and the frame tick.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use weft::policies::{AddressCounts, LimitPerAddress};
use weft::protocols::http::{Response, Status};
use weft::protocols::telnet::{Policy, TelnetOption, TelnetProtocol};
use weft::time::{LoopingCall, Scheduler, StartAt, Timers};
use weft::{Address, Factory, ListeningPort, Reactor, catch_panic};

use super::connection::PlayerProtocol;
use super::error::ServerError;
use super::lobby::Lobby;
use super::mode::Mode;
use super::options::{ListenEndpoint, Options, RenderMode};
use super::session::Session;
use super::shell::Shell;
use super::stats::Stats;
use super::web::{Elsewhere, WebSite};

/// How often the server logs its load (at `info` level).
const REPORT_EVERY: Duration = Duration::from_secs(10);

/// The boom server: a [`Session`] fed by the connections it builds (it is
/// the [`Factory`] of their protocols), ticked by a [`LoopingCall`] on a
/// scheduler.
///
/// On a reactor: [`Server::on_reactor`], then [`Server::listen_all`] (or
/// [`Server::listen`]), then run the reactor. When the reactor stops
/// (SIGINT, SIGTERM with [`Reactor::handle_signals`], or
/// [`Reactor::stop`]), every player is told the server is going down and
/// its terminal is restored before the connections close.
///
/// In a test: [`Server::new`] on a [`weft::testing::Clock`], and
/// connections built with [`Factory::build_protocol`] over a
/// [`weft::testing::StringTransport`] or [`weft::testing::loopback`]: the
/// whole telnet stack, no sockets, time moved by hand.
///
/// Clones share one server.
#[derive(Clone)]
pub struct Server {
    shell: Rc<RefCell<Shell>>,
    stats: Arc<Stats>,
    policy: Policy,
    ticker: LoopingCall,
    report: Option<LoopingCall>,
    timers: Timers,
}

impl Server {
    /// A server for `options` whose frame tick (and load report) run on
    /// `scheduler`, starting at once.
    pub fn new(scheduler: &dyn Scheduler, options: Options) -> Result<Server, ServerError> {
        let lobby = Lobby::new(1, Mode::new(options.classic));
        Self::in_lobby(scheduler, options, lobby, 0)
    }

    /// One of the servers of a pool of reactors, session number `place`
    /// of `lobby` (which its players' names, counters and seats are shared
    /// through); the one at place 0 logs the load of all.
    pub fn in_lobby(
        scheduler: &dyn Scheduler,
        options: Options,
        lobby: Arc<Lobby>,
        place: usize,
    ) -> Result<Server, ServerError> {
        let policy = telnet_policy(options.classic, options.render);
        let interval = options.frame_interval;
        let session = Session::in_lobby(options, lobby, place)?;
        let stats = session.stats();
        let shell = Rc::new(RefCell::new(Shell::new(session, scheduler.timers())));
        let ticker = {
            let shell = shell.clone();
            LoopingCall::start(scheduler, interval, StartAt::AfterInterval, move |_| {
                // A bug in one tick must not stop the game for everyone:
                // it is logged, and the next tick comes as usual.
                if let Ok(work) = catch_panic("frame tick", || shell.borrow_mut().tick()) {
                    tracing::trace!(?work, "frame tick");
                }
            })
        };
        let report = (place == 0).then(|| report_load(scheduler, stats.clone()));
        Ok(Server {
            shell,
            stats,
            policy,
            ticker,
            report,
            timers: scheduler.timers(),
        })
    }

    /// A server on `reactor` ([`Server::new`]) that says goodbye to every
    /// player when the reactor stops.
    pub fn on_reactor(reactor: &Reactor, options: Options) -> Result<Server, ServerError> {
        let lobby = Lobby::new(1, Mode::new(options.classic));
        Self::on_reactor_in_lobby(reactor, options, lobby, 0)
    }

    /// [`Server::in_lobby`] on `reactor`, saying goodbye to every player
    /// when the reactor stops.
    pub fn on_reactor_in_lobby(
        reactor: &Reactor,
        options: Options,
        lobby: Arc<Lobby>,
        place: usize,
    ) -> Result<Server, ServerError> {
        let server = Server::in_lobby(reactor, options, lobby, place)?;
        let going_down = server.clone();
        reactor.add_shutdown_hook(move || going_down.shut_down());
        Ok(server)
    }

    /// Listens on `endpoint` on `reactor`; each connection becomes a
    /// player, at most [`Options::max_per_address`] at a time from one
    /// address.
    pub fn listen(
        &self,
        reactor: &Reactor,
        endpoint: &ListenEndpoint,
    ) -> Result<ListeningPort, ServerError> {
        self.listen_with(reactor, endpoint, self.admission())
    }

    /// Listens on every endpoint of the options, telnet and web; the cap
    /// on connections per address counts them all together.
    pub fn listen_all(&self, reactor: &Reactor) -> Result<Vec<ListeningPort>, ServerError> {
        let (endpoints, web) = {
            let shell = self.shell.borrow();
            let options = shell.session().options();
            (options.endpoints.clone(), options.web.clone())
        };
        let admission = self.admission();
        let web_admission = self.web_admission();
        let telnet = endpoints
            .iter()
            .map(|e| self.listen_with(reactor, e, admission.clone()));
        let web = web
            .iter()
            .map(|e| self.listen_with(reactor, e, web_admission.clone()));
        telnet.chain(web).collect()
    }

    /// Listens for the web front end on `endpoint` on `reactor`.
    pub fn listen_web(
        &self,
        reactor: &Reactor,
        endpoint: &ListenEndpoint,
    ) -> Result<ListeningPort, ServerError> {
        self.listen_with(reactor, endpoint, self.web_admission())
    }

    fn listen_with<F: Factory>(
        &self,
        reactor: &Reactor,
        endpoint: &ListenEndpoint,
        admission: LimitPerAddress<F>,
    ) -> Result<ListeningPort, ServerError> {
        reactor
            .listen(endpoint.endpoint(), admission)
            .map_err(|source| ServerError::Listen {
                endpoint: endpoint.to_string(),
                source,
            })
    }

    /// This server as a factory that admits at most
    /// [`Options::max_per_address`] connections from one address.
    pub fn admission(&self) -> LimitPerAddress<Server> {
        let (max, counts) = self.per_address();
        let refusal = format!(
            "Too many connections from your address (at most {max}). Close one and try again.\r\n"
        );
        LimitPerAddress::counting_in(self.clone(), max, counts).with_refusal(refusal.as_bytes())
    }

    /// The web front end of this server.
    pub fn web_site(&self) -> WebSite {
        let limits = self.shell.borrow().session().options().web_limits;
        WebSite::new(self.shell.clone(), self.timers.clone(), limits)
    }

    /// The web front end as a factory that admits at most
    /// [`Options::max_per_address`] connections from one address (counted
    /// with the telnet ones); the next is answered 503.
    pub fn web_admission(&self) -> LimitPerAddress<WebSite> {
        self.admit_web(self.web_site())
    }

    /// [`web_admission`](Self::web_admission) on a reactor of a pool, where
    /// a request to watch an arena of another reactor goes there.
    pub fn web_admission_in_pool(&self, elsewhere: Elsewhere) -> LimitPerAddress<WebSite> {
        self.admit_web(self.web_site().in_pool(elsewhere))
    }

    fn admit_web(&self, site: WebSite) -> LimitPerAddress<WebSite> {
        let (max, counts) = self.per_address();
        let refusal = Response::error(
            Status::new(503, "Service Unavailable"),
            &format!("Too many connections from your address (at most {max})."),
        );
        LimitPerAddress::counting_in(site, max, counts).with_refusal(&refusal.to_bytes())
    }

    /// The cap on connections from one address, and the counts.
    fn per_address(&self) -> (usize, AddressCounts) {
        let shell = self.shell.borrow();
        let session = shell.session();
        (
            session.options().max_per_address,
            session.lobby().addresses(),
        )
    }

    /// What this server shares with the servers of other reactors.
    pub fn lobby(&self) -> Arc<Lobby> {
        self.shell.borrow().session().lobby().clone()
    }

    /// Live counters, readable from any thread.
    pub fn stats(&self) -> Arc<Stats> {
        self.stats.clone()
    }

    /// Stops ticking, and tells every player the server is going down
    /// (restoring terminals) before closing their connections.
    pub fn shut_down(&self) {
        self.ticker.stop();
        if let Some(report) = &self.report {
            report.stop();
        }
        self.shell.borrow_mut().shut_down();
    }
}

/// The server builds one protocol per connection: the player's
/// connection, under telnet.
impl Factory for Server {
    type Protocol = TelnetProtocol<PlayerProtocol>;

    fn build_protocol(&mut self, _peer: &Address) -> Option<Self::Protocol> {
        Some(TelnetProtocol::new(self.player(None), self.policy.clone()))
    }
}

impl Server {
    /// The protocol of a new player's connection (under whatever layers
    /// its front end speaks), asking for the name `wanted` if it has one.
    pub(crate) fn player(&self, wanted: Option<String>) -> PlayerProtocol {
        PlayerProtocol::new(self.shell.clone(), wanted)
    }
}

/// Logs the server's load every [`REPORT_EVERY`].
fn report_load(scheduler: &dyn Scheduler, stats: Arc<Stats>) -> LoopingCall {
    let mut last = (0, 0);
    LoopingCall::start(scheduler, REPORT_EVERY, StartAt::AfterInterval, move |_| {
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
