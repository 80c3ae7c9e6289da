//! Browser players and watchers in the session core, on the fake clock:
//! the snapshot, then only what changed; names chosen on the page;
//! watchers who see and cannot act.

mod support;

use boom::server::Close;
use boom::server::view::WebView;
use support::driver::Driver;
use support::page::Page;
use support::{classic, full};

#[test]
fn a_page_gets_the_board_once_then_only_the_cells_that_changed() {
    let mut game = Driver::new(classic());
    let a = game.join_web("Ann");
    let mut page = Page::default();
    game.tick();
    game.update(a, &mut page);
    assert_eq!((page.width, page.height, page.snapshots), (11, 11, 1));
    // The classic game names pawns A, B …; the own pawn is marked.
    assert_eq!(page.at(0, 0), 'A');
    assert_eq!(page.own, Some(0));
    game.keys(a, b"d");
    game.tick();
    let delta = game.take(a);
    assert!(delta.starts_with("cells "), "{delta:?}");
    page.apply(&delta);
    assert_eq!(page.snapshots, 1, "no second snapshot");
    assert_eq!(page.changed_cells, 2, "the tile left and the tile entered");
    assert_eq!((page.at(0, 0), page.at(1, 0)), (' ', 'A'));
    assert_eq!(page.own, Some(1));
    game.tick();
    assert!(game.take(a).is_empty(), "nothing changed, nothing sent");
}

#[test]
fn the_full_game_sends_the_status_lines_and_the_chosen_name() {
    let mut game = Driver::new(full());
    let ann = game.join_web("<Ann>");
    let mut page = Page::default();
    game.tick();
    game.update(ann, &mut page);
    assert!(page.line("you").starts_with("You are Ann"), "{page:?}");
    assert!(page.line("scores").contains("Ann 0"), "{page:?}");
    assert!(!page.line("round").is_empty());
    let twin = game.join_web("Ann");
    let mut twin_page = Page::default();
    game.tick();
    game.update(twin, &mut twin_page);
    assert!(
        twin_page.line("you").starts_with("You are Ann2"),
        "{twin_page:?}"
    );
}

#[test]
fn a_watcher_sees_the_moves_and_its_keys_do_nothing() {
    let mut game = Driver::new(classic());
    let a = game.join_web("Ann");
    game.tick();
    let arenas = game.session.arenas();
    assert_eq!(arenas.len(), 1);
    assert_eq!((arenas[0].players, arenas[0].watchers), (1, 0));
    let watcher = game
        .session
        .watch(arenas[0].key, Box::new(WebView::new()))
        .expect("the arena is open");
    assert_eq!(game.session.arenas()[0].watchers, 1);
    let mut seen = Page::default();
    game.tick();
    game.update(watcher, &mut seen);
    assert_eq!(seen.find('A'), Some((0, 0)));
    assert_eq!(seen.own, None, "a watcher has no pawn");
    assert_eq!(seen.line("you"), "You are watching");
    game.keys(watcher, b"s");
    game.keys(a, b"d");
    game.tick();
    game.update(watcher, &mut seen);
    assert_eq!(
        seen.find('A'),
        Some((1, 0)),
        "the player moved, nothing else"
    );
    assert_eq!(game.session.stats().players(), 1, "a watcher is no player");
    assert!(
        game.session
            .watch(arenas[0].key + 1, Box::new(WebView::new()))
            .is_none()
    );
}

#[test]
fn watchers_are_told_when_their_arena_closes() {
    let mut game = Driver::new(classic());
    let a = game.join_web("Ann");
    game.tick();
    let key = game.session.arenas()[0].key;
    let watcher = game.session.watch(key, Box::new(WebView::new())).unwrap();
    game.tick();
    game.take(watcher);
    game.session.leave(a);
    assert!(game.session.arenas().is_empty());
    game.tick();
    let mut seen = Page::default();
    game.update(watcher, &mut seen);
    assert_eq!(seen.line("bye"), "Everyone left this arena: it closed.");
    assert_eq!(game.mail.closed(watcher), Some(Close::AfterSending));
    game.session.leave(watcher);
    assert!(game.session.is_empty());
}
