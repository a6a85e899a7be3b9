//! A sentence as data: a catalogue key and its arguments, rendered in a language only
//! where it is shown.

use super::Lang;
use fluent_templates::fluent_bundle::FluentValue;
use std::fmt;

/// One argument of a [`Message`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    /// Text shown as it is (a value, a header, a reference).
    Str(String),
    /// A number: plural selectors (`[one]`) read it; shown as plain digits.
    Int(i64),
    /// A sentence of its own (a model error's reason), rendered in the same language.
    Msg(Box<Message>),
}

impl Arg {
    pub(super) fn to_fluent(&self, lang: Lang) -> FluentValue<'static> {
        match self {
            Arg::Str(s) => FluentValue::from(s.clone()),
            Arg::Int(n) => FluentValue::from(*n),
            Arg::Msg(m) => FluentValue::from(m.render(lang)),
        }
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Str(s)
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Str(s.to_string())
    }
}

impl From<&String> for Arg {
    fn from(s: &String) -> Arg {
        Arg::Str(s.clone())
    }
}

impl From<Message> for Arg {
    fn from(m: Message) -> Arg {
        Arg::Msg(Box::new(m))
    }
}

macro_rules! int_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Arg {
                Arg::Int(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
int_arg!(i64, i32, u8, u16, u32, u64, usize);

/// A catalogue key and its arguments: what pure code says, in no language yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub key: &'static str,
    pub args: Vec<(&'static str, Arg)>,
}

impl Message {
    pub fn new(key: &'static str) -> Message {
        Message {
            key,
            args: Vec::new(),
        }
    }

    /// A text already in words, shown as it is in every language: a message read back
    /// from another run's JSON, or a sentence whose module is not converted yet.
    pub fn verbatim(text: impl Into<String>) -> Message {
        Message::new(VERBATIM).arg("text", text.into())
    }

    /// Adds the argument `$name`.
    #[must_use]
    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Message {
        self.args.push((name, value.into()));
        self
    }

    /// The sentence in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        lang.t(self.key, &self.args)
    }
}

/// The key of [`Message::verbatim`]: `{ $text }` in every catalogue.
pub const VERBATIM: &str = "problem-verbatim";

impl From<String> for Message {
    fn from(text: String) -> Message {
        Message::verbatim(text)
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Message {
        Message::verbatim(text)
    }
}

/// English, as the tool has always written it (logs, tests, callers not converted yet).
impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

/// `Display` (English) and `std::error::Error` for an error type whose words are its
/// `message()`: one text in the catalogue, no second copy in an `#[error]` attribute.
#[macro_export]
macro_rules! message_error {
    ($t:ty) => {
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.message().render($crate::i18n::Lang::En))
            }
        }
        impl std::error::Error for $t {}
    };
}
