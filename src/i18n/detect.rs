//! Which language a locale name means, and where the user's locale is found.
//!
//! On Unix the environment decides, as POSIX orders it: the first of `LC_ALL`,
//! `LC_MESSAGES` and `LANG` that is set and not empty is the locale, even when it says
//! `C` (then English). The variables are read here through the caller's lookup closure,
//! not by `sys-locale`, because `sys-locale` puts GNU's `LANGUAGE` before them and reads
//! the process environment directly (tests could not give it one). Where the
//! environment usually says nothing (Windows, macOS), the user's system setting is asked
//! through `sys-locale`.

use super::Lang;

/// The language of a locale name: `nb`, `no`, `nn` (with or without a territory,
/// encoding or modifier: `nb_NO.UTF-8`, `no_NO`, `nb-NO`) are Norwegian, `en...`, `C`
/// and `POSIX` English; `None` for anything else.
pub fn from_locale(locale: &str) -> Option<Lang> {
    let language = locale
        .trim()
        .split(['_', '-', '.', '@'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match language.as_str() {
        "nb" | "no" | "nn" | "norsk" | "norwegian" | "bokmal" | "bokmål" => Some(Lang::Nb),
        "en" | "english" | "c" | "posix" => Some(Lang::En),
        _ => None,
    }
}

/// The language of the first of LC_ALL, LC_MESSAGES and LANG that is set; English
/// when that one names an unknown language; `None` when none is set.
pub(super) fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Option<Lang> {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|name| env(name).filter(|v| !v.trim().is_empty()))
        .map(|locale| from_locale(&locale).unwrap_or(Lang::En))
}

/// The user's locale as the system keeps it (Windows: the user's locale; macOS: the
/// preferred languages); `None` elsewhere, where the environment is the setting.
pub fn system_locale() -> Option<String> {
    #[cfg(any(windows, target_vendor = "apple"))]
    {
        sys_locale::get_locale()
    }
    #[cfg(not(any(windows, target_vendor = "apple")))]
    {
        None
    }
}
