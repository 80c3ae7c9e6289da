//! Players' names: letters, like the seed's, but as many as needed; and
//! names players choose (an SSH login name), cleaned up and kept unique.

use std::collections::BTreeSet;

/// The longest name a player may choose, in characters.
pub const MAX_CHOSEN: usize = 12;

/// What is left of a name a player asked for once cleaned up: ASCII
/// letters, digits, `-` and `_`, starting with a letter (the letter its
/// pawn shows), at most [`MAX_CHOSEN`] characters; `None` when nothing is
/// left (the player then gets a name of the sequence).
pub fn clean_name(wanted: &str) -> Option<String> {
    let name: String = wanted
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .skip_while(|c| !c.is_ascii_alphabetic())
        .take(MAX_CHOSEN)
        .collect();
    (!name.is_empty()).then_some(name)
}

/// The number `n` for which [`nth_name`] gives `name`, if it is a name of
/// the sequence (upper-case letters only).
fn sequence_number(name: &str) -> Option<usize> {
    if name.is_empty() || name.len() > 13 || !name.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let mut n = 0usize;
    for b in name.bytes() {
        n = n * 26 + usize::from(b - b'A') + 1;
    }
    Some(n - 1)
}

/// A name a player holds, to give back with [`Names::release_held`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeldName {
    /// Name number `n` of the sequence.
    Numbered(usize),
    /// A name the player chose.
    Chosen(String),
}

impl HeldName {
    /// The name as shown.
    pub fn text(&self) -> String {
        match self {
            HeldName::Numbered(n) => nth_name(*n),
            HeldName::Chosen(name) => name.clone(),
        }
    }
}

/// The `n`th name of the sequence A … Z, AA … AZ, BA … ZZ, AAA … (bijective
/// base 26, `n` from 0).
pub fn nth_name(mut n: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

/// Hands out names.
///
/// - [`Names::unique`] (the full game): the first name of the sequence
///   A … Z, AA, AB … that no connected player holds, so names are unique
///   among those connected and short ones are reused as players leave.
/// - [`Names::classic`] (the seed's game, R17): A, B, C … in order of
///   connection, wrapping after Z; names may repeat.
/// - [`Names::take_chosen`]: the name a player asked for (cleaned up),
///   or, when someone holds it, that name followed by the first number
///   from 2 that makes it unique; the sequence skips chosen names.
#[derive(Debug, Clone)]
pub struct Names {
    classic: bool,
    next: usize,
    free: BTreeSet<usize>,
    /// Names players chose and hold now.
    chosen: BTreeSet<String>,
    /// Numbers of the sequence held back because their name was chosen.
    parked: BTreeSet<usize>,
}

impl Names {
    /// Unique names, lowest free first.
    pub fn unique() -> Self {
        Names {
            classic: false,
            next: 0,
            free: BTreeSet::new(),
            chosen: BTreeSet::new(),
            parked: BTreeSet::new(),
        }
    }

    /// The seed's names: A … Z in connection order, wrapping.
    pub fn classic() -> Self {
        Names {
            classic: true,
            ..Names::unique()
        }
    }

    /// Takes a name; give its number back with [`Names::release`].
    pub fn take(&mut self) -> (usize, String) {
        if self.classic {
            let n = self.next % 26;
            self.next = n + 1;
            return (n, nth_name(n));
        }
        loop {
            let n = match self.free.pop_first() {
                Some(n) => n,
                None => {
                    self.next += 1;
                    self.next - 1
                }
            };
            let name = nth_name(n);
            if !self.chosen.contains(&name) {
                return (n, name);
            }
            self.parked.insert(n);
        }
    }

    /// Takes the name `wanted` (already [cleaned up](clean_name)), or
    /// `wanted` with a number when it is held; give it back with
    /// [`Names::release_chosen`].
    pub fn take_chosen(&mut self, wanted: &str) -> String {
        let name = (1..)
            .map(|n| numbered(wanted, n))
            .find(|name| !self.is_held(name))
            .expect("a free name among endless ones");
        self.chosen.insert(name.clone());
        name
    }

    /// Whether a connected player holds `name`.
    fn is_held(&self, name: &str) -> bool {
        self.chosen.contains(name)
            || sequence_number(name).is_some_and(|n| {
                n < self.next && !self.free.contains(&n) && !self.parked.contains(&n)
            })
    }

    /// The holder of the chosen name `name` left.
    pub fn release_chosen(&mut self, name: &str) {
        if self.chosen.remove(name)
            && let Some(n) = sequence_number(name)
            && self.parked.remove(&n)
        {
            self.release(n);
        }
    }

    /// Takes the name a player asked for, if anything is left of it once
    /// cleaned up, or else the next of the sequence.
    /// In the classic game every player gets the next of the sequence
    /// (the seed's names, R17).
    pub fn take_held(&mut self, wanted: Option<&str>) -> HeldName {
        match wanted.filter(|_| !self.classic).and_then(clean_name) {
            Some(wanted) => HeldName::Chosen(self.take_chosen(&wanted)),
            None => HeldName::Numbered(self.take().0),
        }
    }

    /// The holder of `held` left.
    pub fn release_held(&mut self, held: &HeldName) {
        match held {
            HeldName::Numbered(n) => self.release(*n),
            HeldName::Chosen(name) => self.release_chosen(name),
        }
    }

    /// The holder of name number `n` left.
    pub fn release(&mut self, n: usize) {
        if self.classic {
            return;
        }
        if n + 1 == self.next {
            self.next -= 1;
            // Shrink past trailing free numbers so the set stays small.
            while self.next > 0 && self.free.remove(&(self.next - 1)) {
                self.next -= 1;
            }
        } else if n < self.next {
            self.free.insert(n);
        }
    }
}

/// `name`, then `name2`, `name3` …, at most [`MAX_CHOSEN`] characters.
fn numbered(name: &str, n: usize) -> String {
    if n == 1 {
        return name.to_owned();
    }
    let suffix = n.to_string();
    let keep = MAX_CHOSEN.saturating_sub(suffix.len()).min(name.len());
    format!("{}{suffix}", &name[..keep])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sequence() {
        let names: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702]
            .into_iter()
            .map(nth_name)
            .collect();
        assert_eq!(names, ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
    }

    #[test]
    fn unique_names_reuse_the_lowest_free() {
        let mut names = Names::unique();
        let taken: Vec<_> = (0..30).map(|_| names.take()).collect();
        assert_eq!(taken[26].1, "AA");
        names.release(1);
        names.release(29);
        assert_eq!(names.take().1, "B");
        assert_eq!(names.take().1, "AD");
        assert_eq!(names.take().1, "AE");
    }

    #[test]
    fn classic_names_wrap_after_z() {
        let mut names = Names::classic();
        let taken: Vec<_> = (0..28).map(|_| names.take().1).collect();
        assert_eq!(&taken[24..], ["Y", "Z", "A", "B"]);
    }

    #[test]
    fn chosen_names_are_cleaned_up_and_bounded() {
        assert_eq!(clean_name("alice").as_deref(), Some("alice"));
        assert_eq!(clean_name("9 lives: Bob!").as_deref(), Some("livesBob"));
        assert_eq!(
            clean_name("a-very_long_name_indeed").as_deref(),
            Some("a-very_long_")
        );
        assert_eq!(
            clean_name("\x1b[2Jeve\x07").as_deref(),
            Some("Jeve"),
            "no escapes"
        );
        assert_eq!(clean_name("123 !?"), None);
        assert_eq!(clean_name(""), None);
    }

    #[test]
    fn a_chosen_name_held_gets_a_number_and_comes_back_when_freed() {
        let mut names = Names::unique();
        assert_eq!(names.take_chosen("bob"), "bob");
        assert_eq!(names.take_chosen("bob"), "bob2");
        assert_eq!(names.take_chosen("bob"), "bob3");
        names.release_chosen("bob2");
        assert_eq!(names.take_chosen("bob"), "bob2");
        let long = "abcdefghijkl";
        assert_eq!(names.take_chosen(long), long);
        assert_eq!(
            names.take_chosen(long),
            "abcdefghijk2",
            "still 12 characters"
        );
    }

    #[test]
    fn chosen_names_and_the_sequence_never_clash() {
        let mut names = Names::unique();
        assert_eq!(names.take().1, "A");
        assert_eq!(names.take_chosen("A"), "A2", "A is held by the sequence");
        assert_eq!(names.take_chosen("B"), "B");
        assert_eq!(names.take().1, "C", "the sequence skips the chosen B");
        names.release_chosen("B");
        assert_eq!(names.take().1, "B", "and takes it once it is free");
    }

    #[test]
    fn the_classic_game_gives_the_seeds_names_whatever_is_asked() {
        let mut names = Names::classic();
        assert_eq!(names.take_held(Some("bob")), HeldName::Numbered(0));
        assert_eq!(names.take_held(None), HeldName::Numbered(1));
    }
}
