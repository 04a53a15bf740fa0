//! Where a value came from (a flag, an environment variable, the state file, a default), so
//! that a message about a bad value can say where to fix it.

use std::fmt;
use std::path::PathBuf;

/// The source of one user-supplied value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag, e.g. `--key`.
    Flag(&'static str),
    /// An environment variable, e.g. `NS_PRIVATE_KEY`.
    Env(&'static str),
    /// The rotation state file at this path.
    StateFile(PathBuf),
    /// NetSuite's answer to a request (the ID of an uploaded certificate).
    NetSuiteAnswer,
    /// Computed from this certificate file (its NetSuite Certificate ID).
    Certificate(PathBuf),
    /// A profile in the configuration file.
    Profile {
        /// The profile's name.
        name: String,
        /// The configuration file.
        file: PathBuf,
    },
    /// nskeys' default for the option.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(flag) => f.write_str(flag),
            Origin::Env(var) => f.write_str(var),
            Origin::StateFile(path) => write!(f, "the state file {}", path.display()),
            Origin::NetSuiteAnswer => f.write_str("NetSuite's answer"),
            Origin::Certificate(path) => write!(f, "the certificate {}", path.display()),
            Origin::Profile { name, file } => {
                write!(f, "profile '{name}' in {}", file.display())
            }
            Origin::Default => f.write_str("the default"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    /// The value.
    pub value: T,
    /// Where it came from.
    pub origin: Origin,
}

impl<T> Sourced<T> {
    /// `value` from `origin`.
    pub fn new(value: T, origin: Origin) -> Self {
        Sourced { value, origin }
    }

    /// nskeys' default `value`.
    pub fn default_value(value: T) -> Self {
        Sourced::new(value, Origin::Default)
    }

    /// Whether the user left the option to its default: a source below the flags and
    /// variables (a profile) may then set it.
    pub fn is_default(&self) -> bool {
        self.origin == Origin::Default
    }

    /// The same origin for a value derived from this one.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Sourced<U> {
        Sourced::new(f(self.value), self.origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_say_where_to_look() {
        assert_eq!(Origin::Flag("--key").to_string(), "--key");
        assert_eq!(Origin::Env("NS_PRIVATE_KEY").to_string(), "NS_PRIVATE_KEY");
        assert_eq!(
            Origin::StateFile("k/nskeys-state.json".into()).to_string(),
            "the state file k/nskeys-state.json"
        );
        assert_eq!(Origin::Default.to_string(), "the default");
        assert!(Sourced::default_value(1).is_default());
        let given = Sourced::new(1, Origin::Flag("--x")).map(|v| v + 1);
        assert_eq!((given.value, given.is_default()), (2, false));
    }
}
