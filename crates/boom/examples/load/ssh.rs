//! SSH players for the load generator (`--ssh`): russh's client on a
//! tokio runtime of each players' thread, one task per player, each
//! logging in under its own name with an 80 x 24 pty, pressing a key
//! every `--key-ms`, and counting what arrives like a telnet player does
//! (each data message with bytes counts as one update). Each also notes
//! the time from its connect to the first whole board drawn.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use russh::ChannelMsg;
use russh::client::{self, Handler};
use russh::keys::PublicKeyOrCertificate;

use super::seen::{Shared, read};

/// Trusts the server's key: the load generator started that server.
struct Trusting;

impl Handler for Trusting {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        _key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// The board's top border as the ANSI view draws it: once it arrived,
/// the board is on the player's screen.
const BORDER: &[u8] = b"+-----------+";

/// Plays as player number `n` until the task is dropped.
pub async fn play(address: SocketAddr, n: usize, key_every: Duration, seen: Shared) {
    let started = Instant::now();
    let Some((_session, mut channel)) = log_in(address, n).await else {
        return;
    };
    read(&seen, |s| s.connected = true);
    let mut keys = tokio::time::interval(key_every);
    let mut seed = 0x2545_f491_4f6c_dd1d_u64 ^ n as u64;
    let mut board_drawn = false;
    loop {
        tokio::select! {
            message = channel.wait() => match message {
                Some(ChannelMsg::Data { data }) => {
                    let now = Instant::now();
                    if !board_drawn && data.windows(BORDER.len()).any(|w| w == BORDER) {
                        board_drawn = true;
                        read(&seen, |s| s.first_board = Some(now - started));
                    }
                    read(&seen, |s| {
                        s.bytes += data.len() as u64;
                        s.frame(now);
                    });
                }
                Some(_) => {}
                None => return,
            },
            _ = keys.tick() => {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let key = [b"wasdwasde"[(seed % 9) as usize]];
                if channel.data(&key[..]).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Connects, logs in with no password, asks for a pty and a shell; the
/// session lives as long as its handle is kept.
async fn log_in(
    address: SocketAddr,
    n: usize,
) -> Option<(client::Handle<Trusting>, russh::Channel<client::Msg>)> {
    let config = Arc::new(client::Config::default());
    let mut session = client::connect(config, address, Trusting).await.ok()?;
    let auth = session.authenticate_none(format!("p{n}")).await.ok()?;
    if !auth.success() {
        return None;
    }
    let channel = session.channel_open_session().await.ok()?;
    channel
        .request_pty(false, "xterm", 80, 24, 0, 0, &[])
        .await
        .ok()?;
    channel.request_shell(false).await.ok()?;
    Some((session, channel))
}
