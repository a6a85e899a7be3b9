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

/// The files whose user-facing sentences are all in the catalogues. Converting a module
/// means moving its sentences to `locales/*/AREA.ftl` and adding its files here.
const CONVERTED_MODULES: &[&str] = &[
    "src/i18n/mod.rs",
    "src/i18n/detect.rs",
    "src/i18n/message.rs",
    "src/problem.rs",
    "src/output/summary.rs",
    "src/output/report.rs",
    "src/output/annotate/annotations.rs",
    "src/validate/finish.rs",
    "src/validate/rules/agree.rs",
    "src/validate/rules/amount.rs",
    "src/validate/rules/cells.rs",
    "src/validate/rules/finalize.rs",
    "src/validate/rules/invoice.rs",
    "src/validate/rules/line.rs",
    "src/validate/rules/product.rs",
    "src/model/address.rs",
    "src/model/contact.rs",
    "src/model/invoice.rs",
    "src/model/money.rs",
    "src/model/orgnr.rs",
    "src/model/vat.rs",
    "src/input/encoding.rs",
    "src/input/csv_rows.rs",
    "src/cli/validate.rs",
];

/// Literals that look like sentences but are not shown to users in a language, with why.
const ALLOWED_LITERALS: &[(&str, &str)] = &[
    // Results-file texts (`Rejected::error`): converted with output/results.
    ("src/validate/rules/finalize.rs", "has errors on its rows"),
    (
        "src/validate/finish.rs",
        "a row of this invoice could not be read",
    ),
    (
        "src/validate/finish.rs",
        "no row of this invoice could be read",
    ),
    // Match keys: PhoneError::Length's English, mapped to catalogue keys.
    ("src/model/contact.rs", "Norway (8 digits"),
    ("src/model/contact.rs", "Sweden (7 to 9 digits"),
    ("src/model/contact.rs", "Finland (5 to 10 digits"),
    // DecimalConvention's Display (logs; the summary uses summary-input-decimal-*).
    ("src/model/money.rs", "decimal comma"),
    ("src/model/money.rs", "decimal point"),
    ("src/model/money.rs", "decimal separator not known"),
    // ProductType::label, for outputs not converted yet (the summary uses summary-type-*).
    ("src/model/invoice.rs", "B2B grouped"),
    // Internal errors (a bug, not the user's file) and error contexts rendered by
    // error.rs, which is converted with the error path.
    (
        "src/input/csv_rows.rs",
        "the rows of one chunk are too long",
    ),
    ("src/input/csv_rows.rs", "internal: chunk text is not UTF-8"),
    ("src/cli/validate.rs", "cannot write the report"),
];

/// A string literal with two words, the second lower case: a sentence, or part of one.
fn sentence_literals(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let code = line.trim_start();
        if code.starts_with("//") || code.starts_with("#[") {
            continue;
        }
        let mut rest = line;
        while let Some(start) = rest.find('"') {
            let after = &rest[start + 1..];
            let Some(end) = after.find('"') else { break };
            let literal = &after[..end];
            if has_two_words(literal) {
                found.push((n + 1, literal.to_string()));
            }
            rest = &after[end + 1..];
        }
    }
    found
}

fn has_two_words(s: &str) -> bool {
    let words: Vec<&str> = s.split_whitespace().collect();
    words.windows(2).any(|w| {
        w[0].chars().filter(|c| c.is_alphabetic()).count() >= 2
            && w[1].len() >= 2
            && w[1].chars().all(|c| c.is_ascii_lowercase())
    })
}

#[test]
fn no_sentence_literals_left_in_converted_modules() {
    let mut left = Vec::new();
    for file in CONVERTED_MODULES {
        let text = std::fs::read_to_string(common::crate_root().join(file)).expect(file);
        for (line, literal) in sentence_literals(&text) {
            let allowed = ALLOWED_LITERALS
                .iter()
                .any(|(f, start)| f == file && literal.starts_with(start));
            if !allowed {
                left.push(format!("{file}:{line}: \"{literal}\""));
            }
        }
    }
    assert!(
        left.is_empty(),
        "sentences outside the catalogues (move them to locales/*/*.ftl, or allow them with a reason):\n{}",
        left.join("\n")
    );
}

#[test]
fn the_lint_finds_a_sentence() {
    let found =
        sentence_literals("let m = format!(\"{x} is not a number\");\n// \"a comment here\"");
    assert_eq!(found, vec![(1, "{x} is not a number".to_string())]);
    assert!(sentence_literals("let k = \"problem-number-empty\";").is_empty());
}
