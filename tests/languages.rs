//! Issue #16: the tool speaks Norwegian bokmål and English.
//!
//! - the catalogues (`locales/en`, `locales/nb`) have the same files, keys and arguments;
//! - the language is chosen by `--lang` > config `lang` > LC_ALL / LC_MESSAGES / LANG;
//! - no sentence is left as a literal in the converted modules ([`CONVERTED_MODULES`]).
//!
//! Snapshots of what people read in each language are in `languages_snapshots.rs`.

mod common;

use common::Test;
use fluent_syntax::ast::{self, Entry, Expression, InlineExpression, PatternElement};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every message of one language: key -> the `$arguments` it uses.
fn catalogue(lang: &str) -> BTreeMap<String, BTreeSet<String>> {
    let dir = common::crate_root().join("locales").join(lang);
    let mut keys = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("locales dir") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("ftl");
        let resource = fluent_syntax::parser::parse(text.as_str())
            .unwrap_or_else(|(_, errors)| panic!("{}: {errors:?}", path.display()));
        for entry in resource.body {
            if let Entry::Message(m) = entry {
                let mut args = BTreeSet::new();
                if let Some(p) = &m.value {
                    pattern_args(p, &mut args);
                }
                let key = m.id.name.to_string();
                assert!(
                    keys.insert(key.clone(), args).is_none(),
                    "{key} twice in {lang}"
                );
            }
        }
    }
    keys
}

fn pattern_args(p: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
    for element in &p.elements {
        if let PatternElement::Placeable { expression } = element {
            expression_args(expression, out);
        }
    }
}

fn expression_args(e: &Expression<&str>, out: &mut BTreeSet<String>) {
    match e {
        Expression::Inline(i) => inline_args(i, out),
        Expression::Select { selector, variants } => {
            inline_args(selector, out);
            for v in variants {
                pattern_args(&v.value, out);
            }
        }
    }
}

fn inline_args(i: &InlineExpression<&str>, out: &mut BTreeSet<String>) {
    match i {
        InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_string());
        }
        InlineExpression::Placeable { expression } => expression_args(expression, out),
        _ => {}
    }
}

#[test]
fn both_catalogues_have_the_same_files_keys_and_arguments() {
    let files = |lang: &str| -> BTreeSet<String> {
        std::fs::read_dir(common::crate_root().join("locales").join(lang))
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(
        files("en"),
        files("nb"),
        "one file per area in both languages"
    );
    let (en, nb) = (catalogue("en"), catalogue("nb"));
    let only = |a: &BTreeMap<String, _>, b: &BTreeMap<String, _>| -> Vec<String> {
        a.keys().filter(|k| !b.contains_key(*k)).cloned().collect()
    };
    assert_eq!(only(&en, &nb), Vec::<String>::new(), "keys missing in nb");
    assert_eq!(only(&nb, &en), Vec::<String>::new(), "keys missing in en");
    for (key, args) in &en {
        assert_eq!(Some(args), nb.get(key), "arguments of {key}");
    }
    // Keys name their area: the file they are in.
    for lang in ["en", "nb"] {
        let dir = common::crate_root().join("locales").join(lang);
        for entry in std::fs::read_dir(&dir).expect("dir") {
            let path = entry.expect("entry").path();
            check_key_prefixes(&path);
        }
    }
}

/// Every key of `area.ftl` starts with the area (`summary.ftl`: `summary-...`), or
/// with the area's singular (`problems.ftl`: `problem-...`).
fn check_key_prefixes(path: &Path) {
    let area = path
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    let singular = area.strip_suffix('s').unwrap_or(&area).to_string();
    let text = std::fs::read_to_string(path).expect("ftl");
    for line in text.lines() {
        let Some((key, _)) = line.split_once(" =") else {
            continue;
        };
        if key.starts_with(' ') || key.starts_with('#') || key.is_empty() {
            continue;
        }
        assert!(
            key.starts_with(&format!("{area}-")) || key.starts_with(&format!("{singular}-")),
            "{}: key {key} does not start with {area}-",
            path.display()
        );
        assert!(
            key.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{key} is not kebab-case"
        );
    }
}

#[test]
fn an_unknown_language_is_a_usage_error() {
    let out = Test::new().run(["--lang", "xx", "validate", "samples/november-2026-no.csv"]);
    assert_eq!(out.code(), Some(2));
    assert!(
        out.stderr()
            .contains("use nb (Norwegian bokmål) or en (English)")
    );
}

#[test]
fn an_unknown_language_in_the_config_file_is_refused() {
    let t = Test::new().file("config.toml", "lang = \"xx\"\n");
    let out = t
        .cmd([
            "validate",
            "samples/november-2026-no.csv",
            "--quiet",
            "--config",
        ])
        .arg(t.path("config.toml"))
        .run();
    assert_eq!(out.code(), Some(3), "{}", out.stderr());
    assert!(
        out.stderr().contains("'xx' is not a language"),
        "{}",
        out.stderr()
    );
}

const SAMPLE: &str = "samples/november-2026-no.csv";
const NB_LINE: &str = "Fakturaer 25 i filen, 25 gyldige";
const EN_LINE: &str = "Invoices  25 in the file, 25 valid";

/// The summary of the sample month with `vars` set and `args` added.
fn summary(vars: &[(&str, &str)], args: &[&str]) -> String {
    let t = Test::new().envs(vars.iter().copied());
    let out = t.cmd(["validate", SAMPLE, "--quiet"]).args(args).run();
    assert_eq!(out.code(), Some(0), "{}", out.stderr());
    out.stdout()
}

#[test]
fn the_locale_chooses_the_language() {
    assert!(summary(&[("LANG", "nb_NO.UTF-8")], &[]).contains(NB_LINE));
    assert!(summary(&[("LANG", "no_NO")], &[]).contains(NB_LINE));
    assert!(summary(&[("LANG", "nn_NO.UTF-8")], &[]).contains(NB_LINE));
    assert!(summary(&[("LANG", "en_US.UTF-8")], &[]).contains(EN_LINE));
    assert!(summary(&[("LANG", "sv_SE.UTF-8")], &[]).contains(EN_LINE));
    assert!(summary(&[], &[]).contains(EN_LINE), "tests run with LANG=C");
    // POSIX order: LC_ALL, then LC_MESSAGES, then LANG.
    let both = [("LC_ALL", "C"), ("LANG", "nb_NO.UTF-8")];
    assert!(summary(&both, &[]).contains(EN_LINE));
    let both = [("LC_MESSAGES", "nb_NO.UTF-8"), ("LANG", "en_US.UTF-8")];
    assert!(summary(&both, &[]).contains(NB_LINE));
}

#[test]
fn lang_wins_over_the_locale() {
    let nb = [("LANG", "nb_NO.UTF-8"), ("LC_ALL", "nb_NO.UTF-8")];
    assert!(summary(&nb, &["--lang", "en"]).contains(EN_LINE));
    assert!(summary(&nb, &["--lang=en"]).contains(EN_LINE));
    let en = [("LANG", "en_US.UTF-8"), ("LC_ALL", "en_US.UTF-8")];
    assert!(summary(&en, &["--lang", "nb"]).contains(NB_LINE));
    assert!(summary(&[("KRAVIA_LANG", "nb")], &[]).contains(NB_LINE));
    assert!(summary(&[("KRAVIA_LANG", "nb")], &["--lang", "en"]).contains(EN_LINE));
}

#[test]
fn the_config_key_chooses_the_language() {
    let t = Test::new().file("config.toml", "lang = \"nb\"\n");
    let run = |vars: &[(&str, &str)], args: &[&str]| {
        let out = t
            .cmd(["validate", SAMPLE, "--quiet", "--config"])
            .arg(t.path("config.toml"))
            .envs(vars.iter().copied())
            .args(args)
            .run();
        out.stdout()
    };
    assert!(run(&[("LANG", "en_US.UTF-8")], &[]).contains(NB_LINE));
    assert!(run(&[], &["--lang", "en"]).contains(EN_LINE));
    assert!(run(&[("KRAVIA_LANG", "en")], &[]).contains(EN_LINE));
}
