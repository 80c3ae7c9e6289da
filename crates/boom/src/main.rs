//! `boom`: the multiplayer bomb game, served over telnet.
//!
//! `cargo run --release -p boom`, then `telnet HOST 8900` (or `nc HOST
//! 8900`, a line at a time). See `boom --help` for the options.

use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use weft::endpoints::ServerEndpoint;
use weft::pool::{Member, Pool, PoolError};
use weft::{ListeningPort, Reactor};

use boom::server::mode::Mode;
use boom::server::ssh::{Entrances, SshServer, host_key};
use boom::server::web::Elsewhere;
use boom::server::{BoardSize, ListenEndpoint, Lobby, Options, RenderMode, Server, ServerError};

/// The longest fuse and fire, in milliseconds (a minute).
const MAX_TIMER_MS: u64 = 60_000;
/// The longest frame interval, in milliseconds (a second).
const MAX_FRAME_MS: u64 = 1_000;
/// The most players an arena may be given.
const MAX_PLAYERS: u64 = 1_024;
/// The most bots any arena holds.
const MAX_BOTS: u64 = Options::MAX_BOTS as u64;
/// The longest join timeout, in seconds (an hour).
const MAX_JOIN_TIMEOUT_S: u64 = 3_600;
/// The most connections one address may be allowed.
const MAX_PER_ADDRESS: u64 = 100_000;
/// The most reactor threads.
const MAX_THREADS: u64 = 1_024;
/// How long SSH players' goodbyes may take to go out when the server
/// stops.
const SSH_GRACE: Duration = Duration::from_secs(2);

/// boom: a multiplayer bomb game played over telnet.
///
/// Players join with `telnet HOST 8900` (or `nc HOST 8900`). Keys: arrows,
/// wasd or hjkl move, e or space drops a bomb, q leaves.
#[derive(Parser, Debug)]
#[command(name = "boom", version)]
struct Cli {
    /// The original game exactly: no rounds, everyone at (0,0), wasd/e only,
    /// the plain board to everyone every 0.2 s.
    #[arg(long)]
    classic: bool,

    /// Where to listen, in weft's endpoint syntax (tcp:PORT,
    /// tcp:PORT:interface=ADDRESS, unix:PATH, TLS with
    /// ssl:PORT:privateKey=KEY.pem:certKey=CERT.pem, haproxy:tcp:PORT
    /// behind HAProxy's send-proxy …); may be repeated.
    #[arg(long = "listen", value_name = "ENDPOINT", default_value = "tcp:8900")]
    listen: Vec<ListenEndpoint>,

    /// Where the web front end listens (a page to play in a browser, and
    /// /watch to watch), in the same syntax; may be repeated.
    #[arg(long = "web", value_name = "ENDPOINT")]
    web: Vec<ListenEndpoint>,

    /// Board size in tiles, each side 1 to 256.
    #[arg(long, value_name = "WxH", default_value = "11x11")]
    size: BoardSize,

    /// A bomb's fuse, in milliseconds (1 to 60000).
    #[arg(long, value_name = "MS", default_value_t = 2000, allow_negative_numbers = true, value_parser = whole_number(1..=MAX_TIMER_MS))]
    fuse_ms: u64,

    /// How long a fire burns, in milliseconds (1 to 60000).
    #[arg(long, value_name = "MS", default_value_t = 1000, allow_negative_numbers = true, value_parser = whole_number(1..=MAX_TIMER_MS))]
    burn_ms: u64,

    /// Shortest time between two frames, in milliseconds, 1 to 1000
    /// (default 50; with --classic, the repaint period, default 200).
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = whole_number(1..=MAX_FRAME_MS))]
    frame_ms: Option<u64>,

    /// How to draw the board: auto (ANSI for telnet clients, plain for
    /// others), ansi or plain. Default: auto, or plain with --classic.
    #[arg(long, value_name = "auto|ansi|plain")]
    render: Option<RenderMode>,

    /// Bots in every arena, at most one per spawn point of the board and
    /// no more than --max-players (default: one bot keeps a lone player
    /// company).
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = whole_number(0..=MAX_BOTS))]
    bots: Option<u64>,

    /// Players per arena, 1 to 1024; the next player opens a new arena
    /// (default 8; with --classic, everyone shares one board).
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = whole_number(1..=MAX_PLAYERS))]
    max_players: Option<u64>,

    /// Seconds a new connection has to press a key (or answer telnet)
    /// before it is closed, 1 to 3600; players who answered are never
    /// closed for being quiet.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, allow_negative_numbers = true, value_parser = whole_number(1..=MAX_JOIN_TIMEOUT_S))]
    join_timeout: u64,

    /// Connections one IP address may hold at once, 1 to 100000; the next
    /// is told so and closed.
    #[arg(long, value_name = "N", default_value_t = 32, allow_negative_numbers = true, value_parser = whole_number(1..=MAX_PER_ADDRESS))]
    max_per_address: u64,

    /// Reactor threads, 1 to 1024 (default: one per core); arenas are
    /// spread over them, and a newcomer joins the reactor with a free seat
    /// in an open arena. The classic game (one shared board) uses one.
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = whole_number(1..=MAX_THREADS))]
    threads: Option<u64>,

    /// Seed of the boards, power-ups and bots (0 to 2^64 - 1).
    #[arg(long, value_name = "N", default_value_t = 0, allow_negative_numbers = true, value_parser = whole_number(0..=u64::MAX))]
    seed: u64,

    /// Also serve the game over SSH on this endpoint (tcp:PORT or
    /// tcp:PORT:interface=ADDRESS): players join with
    /// `ssh -p PORT NAME@HOST`, no password asked, NAME shown as theirs.
    #[arg(long, value_name = "ENDPOINT")]
    ssh: Option<ListenEndpoint>,

    /// The SSH host key's file: made on the first start (mode 0600), then
    /// kept, so that players' clients know the server again.
    #[arg(long, value_name = "PATH", default_value = host_key::DEFAULT_PATH)]
    ssh_host_key: PathBuf,
}

/// Where and with which key to serve SSH.
struct SshSettings {
    endpoint: ListenEndpoint,
    host_key: PathBuf,
}

impl SshSettings {
    /// Loads (or makes) the host key and starts the SSH front end, whose
    /// players go through `entrances`.
    fn start(
        self,
        entrances: Arc<Entrances>,
        options: &Options,
    ) -> Result<SshServer, Box<dyn std::error::Error>> {
        let key = host_key::load_or_create(&self.host_key)?;
        let ssh = SshServer::start(&self.endpoint, key, entrances, options)?;
        let address = ssh.address();
        let host = if address.ip().is_unspecified() {
            host_name().unwrap_or_else(|| "HOST".to_owned())
        } else {
            address.ip().to_string()
        };
        println!(
            "boom: SSH on {address}; join with: ssh -p {} NAME@{host}",
            address.port()
        );
        Ok(ssh)
    }
}

/// A parser of whole numbers in `range`, whose error names the range.
fn whole_number(
    range: RangeInclusive<u64>,
) -> impl Fn(&str) -> Result<u64, String> + Clone + Send + Sync + 'static {
    move |text| {
        text.parse()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                format!(
                    "expected a whole number in {}..={}",
                    range.start(),
                    range.end()
                )
            })
    }
}

/// A count on the command line, as a `usize`.
fn count(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

impl Cli {
    /// The reactor threads asked for: one per core by default, one for the
    /// classic game (one board, everyone on it), which refuses more.
    fn threads(&self) -> Result<usize, clap::Error> {
        match (self.classic, self.threads) {
            (true, Some(n)) if n > 1 => Err(Cli::command().error(
                ErrorKind::ArgumentConflict,
                format!(
                    "invalid value '{n}' for '--threads <N>': the classic game plays on one \
                     shared board, so on one reactor (give 1, or leave --threads out)"
                ),
            )),
            (true, _) => Ok(1),
            (false, Some(n)) => Ok(count(n)),
            (false, None) => Ok(std::thread::available_parallelism().map_or(1, usize::from)),
        }
    }

    /// The server's options, or the error naming the option out of range
    /// when options bound each other (the bots an arena holds).
    fn options(self) -> Result<Options, clap::Error> {
        let base = if self.classic {
            Options::classic()
        } else {
            Options::default()
        };
        let options = Options {
            endpoints: self.listen,
            web: self.web,
            size: self.size,
            fuse: Duration::from_millis(self.fuse_ms),
            burn: Duration::from_millis(self.burn_ms),
            frame_interval: self
                .frame_ms
                .map_or(base.frame_interval, Duration::from_millis),
            render: self.render.unwrap_or(base.render),
            bots: self.bots.map(count),
            max_players: self.max_players.map_or(base.max_players, count),
            seed: self.seed,
            join_timeout: Duration::from_secs(self.join_timeout),
            max_per_address: count(self.max_per_address),
            ..base
        };
        match options.bots {
            Some(bots) if bots > options.max_bots() => Err(Cli::command().error(
                ErrorKind::ValueValidation,
                format!(
                    "invalid value '{bots}' for '--bots <N>': {bots} is not in 0..={}, \
                     the most bots an arena holds (one per spawn point of a {} board, \
                     at most --max-players)",
                    options.max_bots(),
                    options.size
                ),
            )),
            _ => Ok(options),
        }
    }
}

/// Prints the first line of `error` and exits with status 2 (help and
/// version print in full and exit 0).
fn fail(error: clap::Error) -> ! {
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        error.exit();
    }
    let text = error.render().to_string();
    let first = text.lines().next().unwrap_or("error: invalid arguments");
    eprintln!("{first} (see boom --help)");
    std::process::exit(2);
}

/// Parses and checks the command line (the server's options, its
/// reactor threads, SSH); a bad argument prints one line naming it and
/// its valid values, and exits with status 2.
fn parse_options() -> (Options, usize, Option<SshSettings>) {
    Cli::try_parse()
        .and_then(|mut cli| {
            let threads = cli.threads()?;
            let ssh = cli.ssh.take().map(|endpoint| SshSettings {
                endpoint,
                host_key: cli.ssh_host_key.clone(),
            });
            Ok((cli.options()?, threads, ssh))
        })
        .unwrap_or_else(|error| fail(error))
}

/// This machine's name, to tell players where to connect.
fn host_name() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most `buf.len()` bytes into `buf`.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return None;
    }
    let end = buf.iter().position(|&b| b == 0)?;
    let name = std::str::from_utf8(&buf[..end]).ok()?;
    (!name.is_empty()).then(|| name.to_owned())
}

fn main() -> ExitCode {
    let (options, threads, ssh) = parse_options();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    boom::server::raise_open_file_limit();
    let served = if threads == 1 {
        serve(options, ssh)
    } else {
        serve_on_pool(options, threads, ssh)
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("boom: {error}");
            ExitCode::FAILURE
        }
    }
}

fn serve(options: Options, ssh: Option<SshSettings>) -> Result<(), Box<dyn std::error::Error>> {
    let classic = options.classic;
    let ssh_options = options.clone();
    let reactor = Reactor::new()?;
    reactor.handle_signals()?;
    let telnet_endpoints = options.endpoints.clone();
    let server = Server::on_reactor(&reactor, options)?;
    for (n, port) in server.listen_all(&reactor)?.iter().enumerate() {
        match telnet_endpoints.get(n) {
            Some(endpoint) => announce(port, endpoint, classic),
            None => announce_web(port),
        }
    }
    let entrances = Entrances::new(server.lobby());
    entrances.open(0, &server, &reactor);
    let ssh = ssh
        .map(|ssh| ssh.start(entrances, &ssh_options))
        .transpose()?;
    reactor.run()?;
    if let Some(ssh) = ssh {
        ssh.stop(SSH_GRACE);
    }
    Ok(())
}

/// The game on a pool of `threads` reactors: each runs a server (its own
/// arenas) sharing one lobby; reactor 0 accepts every connection and hands
/// it to the reactor where the newcomer has a seat; SSH players go to
/// that reactor too.
fn serve_on_pool(
    options: Options,
    threads: usize,
    ssh: Option<SshSettings>,
) -> Result<(), Box<dyn std::error::Error>> {
    let lobby = Lobby::new(threads, Mode::new(options.classic));
    let entrances = Entrances::new(lobby.clone());
    let ssh = ssh
        .map(|ssh| ssh.start(entrances.clone(), &options))
        .transpose()?;
    let run = Pool::new().threads(threads).run(move |member: &Member| {
        let reactor = member.reactor();
        let server =
            Server::on_reactor_in_lobby(reactor, options.clone(), lobby.clone(), member.index())?;
        entrances.open(member.index(), &server, reactor);
        for endpoint in &options.endpoints {
            let port = listen_dispatched(member, endpoint, server.admission(), &lobby)?;
            if let Some(port) = port {
                announce(&port, endpoint, options.classic);
            }
        }
        for endpoint in &options.web {
            let elsewhere = Elsewhere {
                dispatcher: member.dispatcher(),
                service: endpoint.to_string().into(),
            };
            let site = server.web_admission_in_pool(elsewhere);
            let port = listen_dispatched(member, endpoint, site, &lobby)?;
            if let Some(port) = port {
                announce_web(&port);
            }
        }
        Ok(())
    });
    if let Some(ssh) = ssh {
        ssh.stop(SSH_GRACE);
    }
    match run {
        // The setup's own error says what went wrong, and where.
        Err(PoolError::Setup { source, .. }) => Err(source),
        other => Ok(other?),
    }
}

/// Listens on `endpoint` on the pool: reactor 0 accepts, and hands each
/// connection to the reactor where a newcomer has a seat.
fn listen_dispatched<F: weft::Factory + 'static>(
    member: &Member,
    endpoint: &ListenEndpoint,
    factory: F,
    lobby: &std::sync::Arc<Lobby>,
) -> Result<Option<ListeningPort>, ServerError> {
    lobby
        .listen_dispatched(member, &endpoint.to_string(), factory)
        .map_err(|source| ServerError::Listen {
            endpoint: endpoint.to_string(),
            source,
        })
}

/// Tells where the web front end listens.
fn announce_web(port: &ListeningPort) {
    let address = port.address();
    match address.tcp() {
        Some(socket) => println!(
            "boom: web front end on {address}; play at http://{}:{}/",
            host_name().unwrap_or_else(|| "HOST".to_owned()),
            socket.port()
        ),
        None => println!("boom: web front end on {address}"),
    }
}

/// Tells where the server listens and how to join.
fn announce(port: &ListeningPort, endpoint: &ListenEndpoint, classic: bool) {
    let address = port.address();
    if matches!(endpoint.endpoint(), ServerEndpoint::Haproxy(_)) {
        println!(
            "boom{}: listening on {address} for a proxy that sends the PROXY header; \
             players join through the proxy",
            if classic { " (classic)" } else { "" },
        );
        return;
    }
    match address.tcp() {
        Some(socket) => {
            let host = if socket.ip().is_unspecified() {
                host_name().unwrap_or_else(|| "HOST".to_owned())
            } else {
                socket.ip().to_string()
            };
            let client = match endpoint.endpoint() {
                ServerEndpoint::Ssl(_) => format!("openssl s_client -quiet -connect {host}:"),
                _ => format!("telnet {host} "),
            };
            println!(
                "boom{}: listening on {address}; join with: {client}{}",
                if classic { " (classic)" } else { "" },
                socket.port()
            );
        }
        None => match address {
            weft::Address::Unix(Some(path)) => println!(
                "boom: listening on {address}; join with: nc -U {}",
                path.display()
            ),
            _ => println!("boom: listening on {address}"),
        },
    }
}
