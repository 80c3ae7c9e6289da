//! The grammar of a description: a type, then `:`-separated arguments, each
//! positional or `key=value`, with `\` escaping the next character; and the
//! checks every endpoint kind shares (known options, ports, backlogs,
//! flags, timeouts), each failing with an [`EndpointError`] that names the
//! fault.

use std::time::Duration;

use super::{DEFAULT_BACKLOG, EndpointError};

/// A description split into its type, positional and keyword arguments.
pub(super) struct Description {
    text: String,
    /// The endpoint type: `tcp`, `unix`, …
    pub(super) kind: String,
    positional: Vec<String>,
    keywords: Vec<(String, String)>,
    /// What the positional arguments stand for, set by [`Self::check`].
    positional_names: &'static [&'static str],
}

impl Description {
    pub(super) fn parse(text: &str, forms: &'static str) -> Result<Self, EndpointError> {
        let fail = |fault: &str| EndpointError {
            description: text.to_owned(),
            fault: fault.to_owned(),
            expected: forms,
        };
        let mut fields = split_unescaped(text).map_err(&fail)?.into_iter();
        let kind = match fields.next() {
            Some((kind, None)) if !kind.is_empty() => kind,
            _ => return Err(fail("the endpoint type is missing")),
        };
        let mut positional = Vec::new();
        let mut keywords = Vec::new();
        for (field, value) in fields {
            match value {
                Some(value) => keywords.push((field, value)),
                None => positional.push(field),
            }
        }
        Ok(Description {
            text: text.to_owned(),
            kind,
            positional,
            keywords,
            positional_names: &[],
        })
    }

    pub(super) fn error(&self, fault: String, expected: &'static str) -> EndpointError {
        EndpointError {
            description: self.text.clone(),
            fault,
            expected,
        }
    }

    /// Checks positional count and keyword names, and that no argument is
    /// given twice.
    pub(super) fn check(
        &mut self,
        positional_names: &'static [&'static str],
        keys: &[&str],
        form: &'static str,
    ) -> Result<(), EndpointError> {
        self.positional_names = positional_names;
        if self.positional.len() > positional_names.len() {
            return Err(self.error(
                format!(
                    "too many arguments ('{}')",
                    self.positional[positional_names.len()]
                ),
                form,
            ));
        }
        for (i, (key, _)) in self.keywords.iter().enumerate() {
            if !keys.contains(&key.as_str()) {
                return Err(self.error(format!("unknown option '{key}'"), form));
            }
            let positional_too = positional_names
                .iter()
                .position(|name| name == key)
                .is_some_and(|p| p < self.positional.len());
            if positional_too || self.keywords[..i].iter().any(|(k, _)| k == key) {
                return Err(self.error(format!("'{key}' is given twice"), form));
            }
        }
        Ok(())
    }

    /// The value of `name`, by keyword or by its position in `check`'s list.
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        if let Some((_, value)) = self.keywords.iter().find(|(k, _)| k == name) {
            return Some(value);
        }
        let index = self.positional_names.iter().position(|n| *n == name)?;
        self.positional.get(index).map(String::as_str)
    }

    pub(super) fn required(&self, name: &str, form: &'static str) -> Result<&str, EndpointError> {
        self.get(name)
            .ok_or_else(|| self.error(format!("the {name} is missing"), form))
    }

    pub(super) fn port(&self, text: &str, form: &'static str) -> Result<u16, EndpointError> {
        text.parse().map_err(|_| {
            self.error(
                format!("port must be a number from 0 to 65535, not '{text}'"),
                form,
            )
        })
    }

    pub(super) fn backlog(&self, form: &'static str) -> Result<u32, EndpointError> {
        match self.get("backlog") {
            None => Ok(DEFAULT_BACKLOG),
            Some(text) => text.parse().ok().filter(|b| *b > 0).ok_or_else(|| {
                self.error(
                    format!("backlog must be a positive number, not '{text}'"),
                    form,
                )
            }),
        }
    }

    pub(super) fn flag(&self, name: &str, form: &'static str) -> Result<bool, EndpointError> {
        match self.get(name) {
            None | Some("0") | Some("false") | Some("no") => Ok(false),
            Some("1") | Some("true") | Some("yes") => Ok(true),
            Some(text) => Err(self.error(format!("{name} must be 0 or 1, not '{text}'"), form)),
        }
    }

    pub(super) fn timeout(&self, form: &'static str) -> Result<Option<Duration>, EndpointError> {
        self.seconds("timeout", form)
    }

    /// A positive number of seconds given as `name`, if given.
    pub(super) fn seconds(
        &self,
        name: &str,
        form: &'static str,
    ) -> Result<Option<Duration>, EndpointError> {
        let Some(text) = self.get(name) else {
            return Ok(None);
        };
        text.parse::<f64>()
            .ok()
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
            .filter(|d| !d.is_zero())
            .map(Some)
            .ok_or_else(|| {
                self.error(
                    format!("{name} must be a positive number of seconds, not '{text}'"),
                    form,
                )
            })
    }
}

/// Splits on unescaped `:`; each field is split at its first unescaped `=`
/// into key and value.
fn split_unescaped(text: &str) -> Result<Vec<(String, Option<String>)>, &'static str> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut key: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => current.push(chars.next().ok_or("it ends with a lone backslash")?),
            ':' => {
                fields.push(finish_field(&mut key, &mut current));
            }
            '=' if key.is_none() => key = Some(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    fields.push(finish_field(&mut key, &mut current));
    Ok(fields)
}

fn finish_field(key: &mut Option<String>, current: &mut String) -> (String, Option<String>) {
    let text = std::mem::take(current);
    match key.take() {
        Some(key) => (key, Some(text)),
        None => (text, None),
    }
}
