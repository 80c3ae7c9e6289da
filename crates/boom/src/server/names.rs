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
}

impl Names {
    /// Unique names, lowest free first.
    pub fn unique() -> Self {
        Names {
            classic: false,
            next: 0,
            free: BTreeSet::new(),
        }
    }

    /// The seed's names: A … Z in connection order, wrapping.
    pub fn classic() -> Self {
        Names {
            classic: true,
            next: 0,
            free: BTreeSet::new(),
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
    fn classic_names_wrap_after_z() {
        let mut names = Names::classic();
        let taken: Vec<_> = (0..28).map(|_| names.take().1).collect();
        assert_eq!(&taken[24..], ["Y", "Z", "A", "B"]);
    }
}
