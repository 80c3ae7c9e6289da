//! Players' names: letters, like the seed's, but as many as needed.

use std::collections::BTreeSet;

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

/// The longest chosen name.
pub const MAX_CHOSEN: usize = 12;

/// `wanted` as a pawn's name: its ASCII letters and digits, at most
/// [`MAX_CHOSEN`], the first upper case and the rest lower case; `None`
/// when fewer than two are left. Such a name never reads as one of the
/// sequence (those are upper-case letters only), so the two kinds never
/// clash.
pub fn presentable(wanted: &str) -> Option<String> {
    let kept: Vec<char> = wanted
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(MAX_CHOSEN)
        .collect();
    if kept.len() < 2 {
        return None;
    }
    let mut name = String::with_capacity(kept.len());
    name.push(kept[0].to_ascii_uppercase());
    name.extend(kept[1..].iter().map(char::to_ascii_lowercase));
    Some(name)
}

/// Hands out names.
///
/// - [`Names::unique`] (the full game): the first name of the sequence
///   A … Z, AA, AB … that no connected player holds, so names are unique
///   among those connected and short ones are reused as players leave.
/// - [`Names::classic`] (the seed's game, R17): A, B, C … in order of
///   connection, wrapping after Z; names may repeat.
#[derive(Debug, Clone)]
pub struct Names {
    classic: bool,
    next: usize,
    free: BTreeSet<usize>,
    /// Chosen names in use.
    chosen: BTreeSet<String>,
}

impl Names {
    /// Unique names, lowest free first.
    pub fn unique() -> Self {
        Names {
            classic: false,
            next: 0,
            free: BTreeSet::new(),
            chosen: BTreeSet::new(),
        }
    }

    /// The seed's names: A … Z in connection order, wrapping.
    pub fn classic() -> Self {
        Names {
            classic: true,
            next: 0,
            free: BTreeSet::new(),
            chosen: BTreeSet::new(),
        }
    }

    /// Takes a name; give its number back with [`Names::release`].
    pub fn take(&mut self) -> (usize, String) {
        if self.classic {
            let n = self.next % 26;
            self.next = n + 1;
            return (n, nth_name(n));
        }
        let n = match self.free.pop_first() {
            Some(n) => n,
            None => {
                self.next += 1;
                self.next - 1
            }
        };
        (n, nth_name(n))
    }

    /// Takes the name `wanted`, made [presentable]; when another player
    /// holds it, with the first digit from 2 to 9 that makes it unique.
    /// `None` in the classic game (names are the seed's), when nothing
    /// presentable is left of `wanted`, or when every variant is taken.
    pub fn take_chosen(&mut self, wanted: &str) -> Option<String> {
        if self.classic {
            return None;
        }
        let name = presentable(wanted)?;
        let stem: String = name.chars().take(MAX_CHOSEN - 1).collect();
        let free = std::iter::once(name)
            .chain((2..=9).map(|n| format!("{stem}{n}")))
            .find(|candidate| !self.chosen.contains(candidate))?;
        self.chosen.insert(free.clone());
        Some(free)
    }

    /// The holder of the chosen name `name` left.
    pub fn release_chosen(&mut self, name: &str) {
        self.chosen.remove(name);
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
    fn chosen_names_are_presentable_and_unique() {
        let mut names = Names::unique();
        assert_eq!(
            names.take_chosen("  ann <script>"),
            Some("Annscript".into())
        );
        assert_eq!(names.take_chosen("ANNSCRIPT"), Some("Annscript2".into()));
        assert_eq!(names.take_chosen("x"), None, "too short");
        assert_eq!(names.take_chosen("é!"), None, "nothing kept");
        names.release_chosen("Annscript");
        assert_eq!(names.take_chosen("annscript"), Some("Annscript".into()));
        assert_eq!(Names::classic().take_chosen("Ann"), None);
    }

    #[test]
    fn classic_names_wrap_after_z() {
        let mut names = Names::classic();
        let taken: Vec<_> = (0..28).map(|_| names.take().1).collect();
        assert_eq!(&taken[24..], ["Y", "Z", "A", "B"]);
    }
}
