//! The game on a pool of two reactors, over real sockets: one server per
//! reactor, all of one lobby.

use std::sync::{Arc, mpsc};

use boom::server::mode::Mode;
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
