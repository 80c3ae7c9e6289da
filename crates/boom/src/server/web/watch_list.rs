//! The `/watch` page: the open arenas, with their players, round and
//! scores, each a link to the page watching it.

use std::fmt::Write as _;

use super::super::session::ArenaSummary;

/// The page listing `arenas`.
pub fn page(arenas: &[ArenaSummary]) -> String {
    let mut rows = String::new();
    for arena in arenas {
        let _ = writeln!(
            rows,
            "<li><a href=\"/?watch={id}\">Arena {id}</a>: {players} playing, {watchers} watching \
             &mdash; {round} &mdash; {scores}</li>",
            id = arena.id(),
            players = arena.players,
            watchers = arena.watchers,
            round = escape(&arena.round),
            scores = escape(&arena.scores),
        );
    }
    if rows.is_empty() {
        rows.push_str("<li>No arena is open: <a href=\"/\">start one</a>.</li>\n");
    }
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>boom: watch</title>\
         <style>body{{background:#111;color:#ddd;font:16px monospace;margin:2em}}\
         a{{color:#6cf}}li{{margin:.5em 0}}</style></head>\n<body>\
         <h1>boom: live arenas</h1>\n<ul id=\"arenas\">\n{rows}</ul>\n\
         <p><a href=\"/watch\">Refresh</a> &middot; <a href=\"/\">Play</a></p></body></html>\n"
    )
}

/// `text` safe inside HTML.
fn escape(text: &str) -> String {
    let mut safe = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => safe.push_str("&lt;"),
            '>' => safe.push_str("&gt;"),
            '&' => safe.push_str("&amp;"),
            '"' => safe.push_str("&quot;"),
            _ => safe.push(c),
        }
    }
    safe
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_arena_is_a_link_and_text_is_escaped() {
        let page = page(&[ArenaSummary {
            place: 1,
            key: 3,
            players: 2,
            watchers: 1,
            round: "Round 1: playing, 2 alive".into(),
            scores: "Scores:  <b> 1".into(),
        }]);
        assert!(page.contains("<a href=\"/?watch=1.3\">Arena 1.3</a>: 2 playing, 1 watching"));
        assert!(page.contains("Scores:  &lt;b&gt; 1"));
    }

    #[test]
    fn no_arena_says_so() {
        assert!(page(&[]).contains("No arena is open"));
    }
}
