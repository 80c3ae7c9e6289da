//! Lists of CPU cores as command lines give them: single cores and
//! ranges, comma-separated, as Linux writes them (`8-15`, `8,9,10`,
//! `0-3,8`).

use std::fmt;
use std::str::FromStr;

/// The most cores a list may name: a thread can be pinned to cores 0 to
/// `CPU_SETSIZE - 1` only.
const LIMIT: usize = libc::CPU_SETSIZE as usize;

/// A non-empty list of distinct cores, in the order given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoreList(Vec<usize>);

impl CoreList {
    /// The list holding `core` alone.
    pub fn one(core: usize) -> CoreList {
        CoreList(vec![core])
    }

    /// The cores, in the order given.
    pub fn cores(&self) -> &[usize] {
        &self.0
    }

    /// How many cores the list names.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always `false`: a list names at least one core.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromStr for CoreList {
    type Err = String;

    /// Reads `8-15`, `8,9,10` or `0-3,8`; the error names what is wrong
    /// (an empty list or item, a word that is not a core number, a range
    /// that goes backwards, a core listed twice, a core past the last one
    /// a thread can be pinned to).
    fn from_str(text: &str) -> Result<CoreList, String> {
        let mut cores = Vec::new();
        for item in text.split(',') {
            let (first, last) = match item.split_once('-') {
                Some((first, last)) => (core(first, item)?, core(last, item)?),
                None => (core(item, item)?, core(item, item)?),
            };
            if last < first {
                return Err(format!("the range `{item}` goes backwards"));
            }
            for core in first..=last {
                if cores.contains(&core) {
                    return Err(format!("core {core} is listed twice"));
                }
                cores.push(core);
            }
        }
        Ok(CoreList(cores))
    }
}

/// `text`, part of the list item `item`, as a core number.
fn core(text: &str, item: &str) -> Result<usize, String> {
    if item.is_empty() {
        return Err("an empty list of cores, or an empty item in one".into());
    }
    let core: usize = text
        .trim()
        .parse()
        .map_err(|_| format!("`{item}` is not a core number or a range of them (such as 8-15)"))?;
    if core >= LIMIT {
        return Err(format!(
            "core {core} is past the last one a thread can be pinned to ({})",
            LIMIT - 1
        ));
    }
    Ok(core)
}

impl fmt::Display for CoreList {
    /// The cores, comma-separated.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cores: Vec<String> = self.0.iter().map(usize::to_string).collect();
        f.write_str(&cores.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<usize>, String> {
        text.parse::<CoreList>().map(|list| list.cores().to_vec())
    }

    #[test]
    fn reads_single_cores_ranges_and_both() {
        assert_eq!(parse("1"), Ok(vec![1]));
        assert_eq!(parse("8,9,10"), Ok(vec![8, 9, 10]));
        assert_eq!(parse("8-11"), Ok(vec![8, 9, 10, 11]));
        assert_eq!(parse("0-1,8"), Ok(vec![0, 1, 8]));
        assert_eq!(parse("5-5"), Ok(vec![5]));
        assert_eq!(parse("3,1"), Ok(vec![3, 1]));
    }

    #[test]
    fn a_bad_list_is_refused_with_what_is_wrong() {
        for (text, problem) in [
            ("", "empty"),
            ("1,,2", "empty"),
            ("1,", "empty"),
            ("x", "`x` is not a core number"),
            ("8-", "`8-` is not a core number"),
            ("-3", "`-3` is not a core number"),
            ("1-2-3", "`1-2-3` is not a core number"),
            ("15-8", "the range `15-8` goes backwards"),
            ("1,0-2", "core 1 is listed twice"),
            ("1024", "core 1024 is past the last one"),
        ] {
            let error = parse(text).expect_err(text);
            assert!(error.contains(problem), "{text:?}: {error}");
        }
    }

    #[test]
    fn shows_as_the_cores_it_names() {
        assert_eq!("0-2,7".parse::<CoreList>().unwrap().to_string(), "0,1,2,7");
        assert_eq!(CoreList::one(4).to_string(), "4");
        assert_eq!(CoreList::one(4).len(), 1);
    }
}
