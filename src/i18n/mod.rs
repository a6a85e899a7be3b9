//! Languages: every sentence a user reads, in English or Norwegian bokmål.
//!
//! How it fits together (read this before converting a module):
//!
//! - **The catalogues** are Project Fluent files, `locales/en/*.ftl` and
//!   `locales/nb/*.ftl`, one file per area (`summary.ftl`, `problems.ftl`, `help.ftl`,
//!   ...; add your own area's file rather than growing another's). Keys are kebab-case
//!   and start with the area (`summary-invoices`, `problem-quantity-zero`). Plurals are
//!   Fluent select expressions on a number argument (`{ $count -> [one] ... *[other] ... }`).
//!   English must say exactly what the tool said before its module was converted.
//! - **The catalogues are constant data**, embedded in the binary at compile time by
//!   `fluent_templates::static_loader!` (the `LOCALES` static below, parsed once on first
//!   use). There is no global *state*: the chosen language is a [`Lang`] value that the
//!   cli resolves once ([`Lang::resolve`]: `--lang` > config `lang` > LC_ALL /
//!   LC_MESSAGES / LANG > English), keeps in the settings (`config::Loaded::lang`, which
//!   every command receives) and passes down, like any other setting.
//! - **Rendering**: `lang.t("summary-lines", &[("count", n.into())])`, or the
//!   [`t!`](crate::t) macro: `t!(lang, "summary-lines", count = n)`. A key missing in the
//!   language falls back to English, then to the key itself: never a panic.
//! - **Pure code returns messages as data**: a [`Message`] is a key and its arguments,
//!   rendered at the edge (summary, report, annotated copy) with the run's language.
//!   `Display` on a `Message` renders English, so logs and old callers keep working.
//!   An argument may itself be a `Message` (a model error's reason inside a rule's
//!   sentence); it is rendered in the same language.
//! - **Tests**: `tests/languages.rs` checks that both catalogues have the same keys and
//!   arguments, and lists the modules scanned for sentence literals left in the code
//!   (`CONVERTED_MODULES`): extend that list when you convert a module.
//!
//! Numbers: amounts are written the Norwegian ledger way (`1 234,50`) in both languages,
//! as they always were (`model::money::format_minor_nordic`); counts are plain digits.

mod detect;
mod message;

pub use detect::{from_locale, system_locale};
pub use message::{Arg, Message};

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};
use std::borrow::Cow;
use std::collections::HashMap;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // No Unicode isolation marks around arguments: they would reach terminals,
        // CSV files and tests as invisible characters.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static EN: LanguageIdentifier = langid!("en");
static NB: LanguageIdentifier = langid!("nb");

/// The language of everything a user reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    En,
    Nb,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Nb];

    /// The code `--lang` and the config file take: `en` or `nb`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Nb => "nb",
        }
    }

    /// A language the user named (`--lang`, `KRAVIA_LANG`, the config's `lang`): `en`,
    /// `nb`, `no`, `nn` or a locale like `nb_NO.UTF-8`; `None` when it is none of these.
    pub fn parse(s: &str) -> Option<Lang> {
        from_locale(s)
    }

    /// The language of a run: `flag` (`--lang` or `KRAVIA_LANG`), else the config
    /// file's `lang`, else the first of LC_ALL, LC_MESSAGES and LANG that is set (as
    /// POSIX orders them: `LC_ALL=C` means English whatever LANG says), else the
    /// system's language (Windows, macOS), else English.
    pub fn resolve(
        flag: Option<Lang>,
        config: Option<Lang>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Lang {
        flag.or(config)
            .or_else(|| detect::from_env(env))
            .or_else(|| system_locale().as_deref().and_then(from_locale))
            .unwrap_or(Lang::En)
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::En => &EN,
            Lang::Nb => &NB,
        }
    }

    /// The catalogue's text of `key` with `args`; English when this language lacks it,
    /// the key itself when English does too.
    pub fn t(self, key: &str, args: &[(&str, Arg)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(name, arg)| (Cow::Owned((*name).to_string()), arg.to_fluent(self)))
            .collect();
        let args = (!map.is_empty()).then_some(&map);
        LOCALES
            .try_lookup_complete(self.id(), key, args)
            .or_else(|| LOCALES.try_lookup_complete(&EN, key, args))
            .unwrap_or_else(|| key.to_string())
    }

    /// Whether the catalogue of this language has `key` (the help's localization hook
    /// replaces a text only when it does). Only for keys without arguments: Fluent
    /// reports a missing argument as a failed lookup.
    pub fn has(self, key: &str) -> bool {
        LOCALES.try_lookup(self.id(), key).is_some()
    }
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Lang, String> {
        Lang::parse(s).ok_or_else(|| Lang::En.t("lang-unknown", &[("value", s.into())]))
    }
}

impl<'de> serde::Deserialize<'de> for Lang {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Lang, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// `t!(lang, "key")` or `t!(lang, "key", name = value, ...)`: [`Lang::t`] with the
/// arguments written as Fluent names them (`count = n` for `$count`).
#[macro_export]
macro_rules! t {
    ($lang:expr, $key:expr $(, $name:ident = $value:expr)* $(,)?) => {
        $lang.t($key, &[$((stringify!($name), $crate::i18n::Arg::from($value))),*])
    };
}

#[cfg(test)]
mod tests;
