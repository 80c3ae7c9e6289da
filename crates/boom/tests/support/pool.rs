//! The game on a pool of two reactors, over real sockets: one server per
//! reactor, all of one lobby.

use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::{Arc, mpsc};

use boom::server::mode::Mode;
use boom::server::web::Elsewhere;
use boom::server::{Lobby, Options, Server};
use weft::pool::{Member, Pool, PoolHandle, SetupError};

use super::PATIENCE;

/// Starts a pool of two reactors, each with a [`Server`] of `options` in
/// one lobby of the full game; `listen` opens the server's ports on its
/// member and says what the test needs of them (`Some` on the member that
/// accepts). Returns the pool, the lobby, and what `listen` said.
pub fn start<T: Send + 'static>(
    options: Options,
    listen: impl Fn(&Member, &Arc<Lobby>, &Server) -> Result<Option<T>, SetupError>
    + Send
    + Sync
    + 'static,
) -> (PoolHandle, Arc<Lobby>, T) {
    let lobby = Lobby::new(2, Mode::Full);
    let (ready_tx, ready_rx) = mpsc::channel();
    let shared = lobby.clone();
    let pool = Pool::new()
        .threads(2)
        .start(move |member: &Member| {
            let server = Server::on_reactor_in_lobby(
                member.reactor(),
                options.clone(),
                shared.clone(),
                member.index(),
            )?;
            if let Some(ready) = listen(member, &shared, &server)? {
                ready_tx.send(ready).unwrap();
            }
            Ok(())
        })
        .unwrap();
    let ready = ready_rx.recv_timeout(PATIENCE).unwrap();
    (pool, lobby, ready)
}

/// [`start`] with telnet on `127.0.0.1` and the web front end on `web`,
/// both dispatched by the lobby, and a watcher of an arena on the other
/// reactor handed over there, as `boom --threads 2 --web` serves. Returns
/// the pool, the lobby, and the telnet and web addresses.
pub fn start_with_web(
    options: Options,
    web: String,
) -> (PoolHandle, Arc<Lobby>, (SocketAddr, SocketAddr)) {
    start(options, move |member, lobby, server| {
        let telnet = lobby.listen_dispatched(
            member,
            "tcp:port=0:interface=127.0.0.1",
            server.admission(),
        )?;
        let elsewhere = Elsewhere {
            dispatcher: member.dispatcher(),
            service: Rc::from(web.as_str()),
        };
        let site = server.web_admission_in_pool(elsewhere);
        let web = lobby.listen_dispatched(member, &web, site)?;
        let address = |port: weft::ListeningPort| port.address().tcp().unwrap();
        Ok(telnet
            .zip(web)
            .map(|(telnet, web)| (address(telnet), address(web))))
    })
}
