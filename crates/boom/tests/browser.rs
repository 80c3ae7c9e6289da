//! A real browser plays: headless Chromium, driven through its WebDriver
//! (`chromedriver`), loads the page, sees the board, moves its pawn with a
//! key, meets a telnet player in the same arena; a second tab watches; a
//! screenshot shows the board with the player's colour; over https, on a
//! pool of reactors, it watches the arenas of each and plays. Like the other
//! interoperability tests, these need programs `.ci/install` installs
//! (`chromium`, `chromium-driver`): without them they fail in CI (the
//! `CI` variable set) and say so and skip elsewhere.

mod support;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use boom::server::Options;
use support::certificate::Certificate;
use support::net::{Client as TelnetClient, TestServer};
use support::received::Frames;
use support::{PATIENCE, classic, full};

/// The player colours of the page, by colour number (as the viewer's own
/// pawn fills its tile with them).
const PLAYER_COLOURS: [[u8; 3]; 6] = [
    [0x33, 0xcc, 0x33],
    [0xdd, 0x33, 0xdd],
    [0x33, 0xdd, 0xdd],
    [0xdd, 0xdd, 0x33],
    [0x44, 0x66, 0xff],
    [0xff, 0x44, 0x44],
];

/// A chromedriver of our own, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    /// Starts chromedriver on a free port, or says why not (and fails in
    /// CI).
    fn start() -> Option<Driver> {
        let found = |program: &str| {
            Command::new("sh")
                .args(["-c", &format!("command -v {program}")])
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if !(found("chromium") && found("chromedriver")) {
            let message = "these tests drive headless Chromium through chromedriver: \
                           install chromium and chromium-driver with .ci/install";
            assert!(std::env::var_os("CI").is_none(), "{message}");
            eprintln!("skipped: {message}");
            return None;
        }
        let mut child = Command::new("chromedriver")
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        // It says which port it took once it listens.
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let port = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|line| {
                line.strip_prefix("ChromeDriver was started successfully on port ")
                    .and_then(|rest| rest.trim_end_matches('.').parse().ok())
            })
            .expect("chromedriver says where it listens");
        // Keep reading its output so that it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Some(Driver { child, port })
    }

    /// A headless Chromium session, with a desktop's window.
    async fn browser(&self) -> Client {
        self.session(json!({})).await
    }

    /// A headless Chromium session that plays a phone: a small touch
    /// screen.
    async fn phone(&self) -> Client {
        self.session(json!({
            "mobileEmulation": { "deviceMetrics": { "width": 400, "height": 700, "touch": true } }
        }))
        .await
    }

    /// A headless Chromium session with `extra` Chrome options.
    async fn session(&self, extra: Value) -> Client {
        let mut options = json!({ "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                                           "--disable-dev-shm-usage", "--window-size=800,700"] });
        if let (Some(options), Value::Object(extra)) = (options.as_object_mut(), extra) {
            options.extend(extra);
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), options);
        // The https test's certificate is self-signed.
        capabilities.insert("acceptInsecureCerts".into(), Value::Bool(true));
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a Chromium session");
        client
            .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
                Some(PATIENCE),
                Some(PATIENCE),
                Some(PATIENCE),
            ))
            .await
            .expect("timeouts");
        client
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits, without polling, until `condition` (a script expression over
/// the page's `boom` state) holds after some update, and returns its
/// value; fails after [`PATIENCE`] (the script timeout).
async fn until(client: &Client, condition: &str) -> Value {
    let script = format!(
        "const done = arguments[arguments.length - 1];
         const where = (glyph) => {{
           const i = boom.cells.findIndex((cell) => cell[0] === glyph);
           return i < 0 ? null : [i % boom.width, Math.floor(i / boom.width)];
         }};
         const test = () => {{
           const value = ({condition});
           if (value) done(value); else boom.waiters.push(test);
         }};
         test();"
    );
    client
        .execute_async(&script, vec![])
        .await
        .unwrap_or_else(|error| panic!("waiting for {condition}: {error}"))
}

/// Presses `key` (a character, or a WebDriver key code) as a person does.
async fn press(client: &Client, key: char) {
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    client.perform_actions(keys).await.expect("a key press");
}

/// Opens the game's page at `address`, types `name` and presses Play.
async fn play_as(client: &Client, address: SocketAddr, name: &str) {
    play_at(client, &format!("http://{address}/"), name).await;
}

/// Opens the game's page at `url`, types `name` and presses Play.
async fn play_at(client: &Client, url: &str, name: &str) {
    client.goto(url).await.expect("the page loads");
    client
        .find(Locator::Id("name"))
        .await
        .expect("a name field")
        .send_keys(name)
        .await
        .expect("type a name");
    client
        .find(Locator::Id("play"))
        .await
        .expect("a play button")
        .click()
        .await
        .expect("play");
}

/// The server for these tests: the classic game (everyone starts at the
/// top-left corner), fast frames.
fn server() -> TestServer {
    TestServer::start(classic())
}

#[tokio::test(flavor = "current_thread")]
async fn a_browser_plays_meets_a_telnet_player_and_is_watched() {
    let Some(driver) = Driver::start() else {
        return;
    };
    let server = server();
    let client = driver.browser().await;
    play_as(&client, server.web_address, "Ann").await;

    // The board appears, the own pawn (A, the first) at the corner.
    assert_eq!(
        until(&client, "boom.width > 0 && where('A')").await,
        json!([0, 0])
    );
    // A key press moves it.
    press(&client, '\u{E014}').await; // the right arrow
    assert_eq!(
        until(&client, "where('A')[0] === 1 && where('A')").await,
        json!([1, 0])
    );

    // A telnet player (B) joins the same board; each sees the other move.
    let mut bob = server.connect();
    bob.send(b"s");
    // (B may show at the corner first, before its key arrives.)
    let b_below = "where('B') && where('B')[1] === 1 && where('B')";
    assert_eq!(until(&client, b_below).await, json!([0, 1]));
    press(&client, 'a').await;
    bob.frame_until(0, |frame| frame.at(0, 0) == 'A' && frame.at(0, 1) == 'B');

    // A second tab watches the arena, read-only, and sees the moves.
    let player_tab = client.window().await.unwrap();
    let watcher_tab = client.new_window(true).await.unwrap().handle;
    client.switch_to_window(watcher_tab).await.unwrap();
    client
        .goto(&format!("http://{}/watch", server.web_address))
        .await
        .unwrap();
    client
        .find(Locator::Css("#arenas a"))
        .await
        .expect("the arena is listed")
        .click()
        .await
        .unwrap();
    assert_eq!(until(&client, b_below).await, json!([0, 1]));
    assert_eq!(
        client.execute("return boom.own", vec![]).await.unwrap(),
        Value::Null
    );
    bob.send(b"w");
    // B is drawn under A, who is first on the tile: A shows at the corner,
    // and B nowhere.
    assert_eq!(
        until(&client, "where('B') === null && where('A')").await,
        json!([0, 0])
    );

    // The player's tab: a screenshot of the board, in the pawn's colour.
    client.switch_to_window(player_tab).await.unwrap();
    let own_style = until(&client, "boom.own !== null && boom.cells[boom.own][1]").await;
    let style = own_style.as_str().unwrap().as_bytes()[0] - b'a';
    let colour = PLAYER_COLOURS[usize::from(style) - 14];
    let shot = client.screenshot().await.expect("a screenshot");
    let pixels = decode(&shot);
    let distinct: std::collections::BTreeSet<[u8; 3]> = pixels.iter().copied().collect();
    assert!(
        distinct.len() > 8,
        "the screenshot is not blank: {distinct:?}"
    );
    assert!(
        pixels.contains(&colour),
        "the own pawn's colour {colour:?} is drawn"
    );

    client.close().await.unwrap();
    server.stop();
}

#[tokio::test(flavor = "current_thread")]
async fn a_phone_plays_with_the_on_screen_pad_under_its_chosen_name() {
    let Some(driver) = Driver::start() else {
        return;
    };
    // The full game: rounds (a bot keeps a lone player company), names
    // chosen on the page.
    let server = TestServer::start(full());
    let client = driver.phone().await;
    play_as(&client, server.web_address, "Ann").await;
    assert_eq!(
        until(
            &client,
            "boom.lines.scores && boom.lines.scores.includes('Ann 0')"
        )
        .await,
        json!(true)
    );
    let bomb = client
        .find(Locator::Css("#pad button[data-key='e']"))
        .await
        .expect("the pad");
    assert!(
        bomb.is_displayed().await.unwrap(),
        "the pad shows on a touch screen"
    );
    until(&client, "boom.lines.round.includes('playing')").await;
    bomb.click().await.expect("tap the bomb button");
    assert_eq!(
        until(&client, "boom.lines.you.includes('bombs 0')").await,
        json!(true),
        "the bomb was dropped"
    );
    client.close().await.unwrap();
    server.stop();
}

#[tokio::test(flavor = "current_thread")]
async fn over_https_a_browser_watches_the_arenas_of_every_reactor_and_plays() {
    let Some(driver) = Driver::start() else {
        return;
    };
    // One player per arena: the telnet players A and B open arenas on the
    // two reactors of the pool.
    let options = Options {
        bots: Some(0),
        max_players: 1,
        ..full()
    };
    let certificate = Certificate::new("browser");
    let web = certificate.ssl_endpoint("127.0.0.1");
    let (pool, lobby, (telnet, web)) = support::pool::start_with_web(options, web);
    let mut a = TelnetClient::connect(telnet);
    a.frame_until(3, |f| f.status_line("You are A").is_some());
    let mut b = TelnetClient::connect(telnet);
    b.frame_until(3, |f| f.status_line("You are B").is_some());
    assert_eq!((lobby.players_in(0), lobby.players_in(1)), (1, 1));

    // Whichever reactor accepts the page's socket, the TLS connection is
    // served by the one with the arena.
    let client = driver.browser().await;
    let site = format!("https://127.0.0.1:{}", web.port());
    for (place, pawn) in [(0, 'A'), (1, 'B')] {
        client
            .goto(&format!("{site}/?watch={place}.0"))
            .await
            .expect("the page loads over https");
        let found = until(&client, &format!("boom.width > 0 && where('{pawn}')")).await;
        assert_ne!(found, Value::Null, "arena {place}.0 shows {pawn}");
    }

    // The page plays over wss too.
    play_at(&client, &format!("{site}/"), "Cy").await;
    assert_eq!(
        until(&client, "boom.lines.you && boom.lines.you.includes('Cy')").await,
        json!(true)
    );
    client.close().await.unwrap();
    drop((a, b));
    pool.stop();
    pool.join().unwrap();
}

/// The RGB pixels of a PNG.
fn decode(png_bytes: &[u8]) -> Vec<[u8; 3]> {
    let mut decoder = png::Decoder::new(png_bytes);
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buffer).expect("a frame");
    let channels = info.color_type.samples();
    buffer[..info.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect()
}
