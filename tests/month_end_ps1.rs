//! `scripts/month-end.ps1`, checked against `scripts/month-end.sh` (PowerShell cannot be
//! installed here; see docs/accountant-guide.md for the parser check on Windows): ASCII
//! only, strings and comments terminated, brackets balanced, nothing only PowerShell 7
//! knows, and the same kravia-batch calls, files, settings, exit codes, JSON keys and
//! messages as the bash script. The bash script itself runs end to end in
//! `month_end.rs`.

use std::path::PathBuf;

/// `scripts/NAME` in the crate.
fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("scripts")
        .join(name)
}

/// The code of a PowerShell script with comments removed and every string literal
/// replaced by `''`, plus the string literals themselves (unquoted). Panics on an
/// unterminated string or comment.
fn ps_code_and_strings(src: &str) -> (String, Vec<String>) {
    let chars: Vec<char> = src.chars().collect();
    let (mut code, mut strings) = (String::new(), Vec::new());
    let mut i = 0;
    let at = |i: usize, s: &str| src_starts_with(&chars, i, s);
    while i < chars.len() {
        let c = chars[i];
        if at(i, "<#") {
            let end = find(&chars, i + 2, "#>").expect("unterminated <# comment");
            i = end + 2;
        } else if c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if at(i, "@'") || at(i, "@\"") {
            let close = if c == '@' && chars[i + 1] == '\'' {
                "\n'@"
            } else {
                "\n\"@"
            };
            let end = find(&chars, i + 2, close).expect("unterminated here-string");
            strings.push(chars[i + 2..end].iter().collect());
            code.push_str("''");
            i = end + 3;
        } else if c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                assert!(i < chars.len(), "unterminated '...' string");
                if chars[i] == '\'' {
                    if i + 1 < chars.len() && chars[i + 1] == '\'' {
                        s.push('\'');
                        i += 2;
                        continue;
                    }
                    break;
                }
                s.push(chars[i]);
                i += 1;
            }
            i += 1;
            strings.push(s);
            code.push_str("''");
        } else if c == '"' {
            let mut s = String::new();
            i += 1;
            loop {
                assert!(i < chars.len(), "unterminated \"...\" string");
                match chars[i] {
                    '`' => {
                        s.push(chars[i]);
                        s.push(chars[i + 1]);
                        i += 2;
                        continue;
                    }
                    '"' => break,
                    ch => s.push(ch),
                }
                i += 1;
            }
            i += 1;
            strings.push(s);
            code.push_str("''");
        } else {
            code.push(c);
            i += 1;
        }
    }
    (code, strings)
}

fn src_starts_with(chars: &[char], i: usize, s: &str) -> bool {
    s.chars()
        .enumerate()
        .all(|(k, c)| chars.get(i + k) == Some(&c))
}

fn find(chars: &[char], from: usize, s: &str) -> Option<usize> {
    (from..chars.len()).find(|&i| src_starts_with(chars, i, s))
}

/// The text of every `say "..."` line of the bash script, with `$var` / `${var}` as `$`.
fn sh_messages(sh: &str) -> Vec<String> {
    sh.lines()
        .filter_map(|l| l.trim().strip_prefix("say \""))
        .filter_map(|l| l.strip_suffix('"'))
        // The usage text names the script itself.
        .filter(|l| !l.contains("$(basename"))
        .map(|m| normalize_vars(&m.replace("\\\"", "\"")))
        .collect()
}

/// `$name`, `${name}` and `$($x.y)` become `$`.
fn normalize_vars(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        out.push('$');
        match chars.peek() {
            Some('{') | Some('(') => {
                let close = if chars.next() == Some('{') { '}' } else { ')' };
                for d in chars.by_ref() {
                    if d == close {
                        break;
                    }
                }
            }
            _ => {
                while chars
                    .peek()
                    .is_some_and(|d| d.is_ascii_alphanumeric() || *d == '_')
                {
                    chars.next();
                }
            }
        }
    }
    out
}

#[test]
fn the_powershell_script_parses_and_mirrors_the_bash_script() {
    let ps1 = std::fs::read_to_string(script("month-end.ps1")).expect("scripts/month-end.ps1");
    let sh = std::fs::read_to_string(script("month-end.sh")).expect("scripts/month-end.sh");

    // Windows PowerShell 5.1 reads a script without a BOM in the ANSI code page.
    assert!(ps1.is_ascii(), "month-end.ps1 must stay ASCII");

    // Strings and comments are terminated, and brackets balance in the code.
    let (code, strings) = ps_code_and_strings(&ps1);
    let mut stack: Vec<(char, usize)> = Vec::new();
    for (n, line) in code.lines().enumerate() {
        for c in line.chars() {
            match c {
                '(' | '{' | '[' => stack.push((c, n + 1)),
                ')' | '}' | ']' => {
                    let open = match c {
                        ')' => '(',
                        '}' => '{',
                        _ => '[',
                    };
                    let top = stack.pop();
                    assert_eq!(
                        top.map(|t| t.0),
                        Some(open),
                        "month-end.ps1 line {}: '{c}' closes {top:?}",
                        n + 1
                    );
                }
                _ => {}
            }
        }
    }
    assert!(stack.is_empty(), "month-end.ps1: unclosed {stack:?}");

    // Nothing that only PowerShell 7 understands.
    for seven in ["&&", "||", "??", "?.", "-Parallel", "-AsHashtable"] {
        assert!(
            !code.contains(seven),
            "month-end.ps1 uses {seven:?}, which Windows PowerShell 5.1 does not know"
        );
    }

    // The same kravia-batch calls: subcommands and flags.
    let ps_strings: std::collections::BTreeSet<&str> = strings.iter().map(String::as_str).collect();
    for flag in [
        "validate",
        "import",
        "--format",
        "json",
        "--report",
        "--annotate",
        "--plan",
        "--confirm-total",
    ] {
        assert!(sh.contains(flag), "month-end.sh lacks {flag}");
        assert!(ps_strings.contains(flag), "month-end.ps1 lacks {flag}");
    }
    // The same files next to the export, and the same settings.
    for name in [
        ".errors.csv",
        ".plan.json",
        ".last-run.json",
        ".annotated",
        ".annotated.xlsx",
        ".rehearsal.results.csv",
        ".rehearsal.last-run.json",
        "--sandbox",
        "--results",
    ] {
        assert!(sh.contains(name), "month-end.sh lacks {name}");
        assert!(ps1.contains(name), "month-end.ps1 lacks {name}");
    }
    for var in ["KRAVIA_BATCH", "KRAVIA_IMPORT_ARGS", "KRAVIA_NO_OPEN"] {
        assert!(sh.contains(var), "month-end.sh lacks {var}");
        assert!(
            code.contains(&format!("$env:{var}")),
            "month-end.ps1 lacks $env:{var}"
        );
    }

    // The same exit codes handled after the check and after the sending: bash `N)` case
    // arms, PowerShell `switch ($code)` arms.
    let sh_arms = |from: &str| -> Vec<String> {
        let part = &sh[sh.find(from).expect(from)..];
        let part = &part[..part.find("\nesac").expect("esac")];
        part.lines()
            .filter_map(|l| l.split_once(')'))
            .map(|(arm, _)| arm)
            .filter(|a| a == &"*" || (!a.is_empty() && a.chars().all(|c| c.is_ascii_digit())))
            .map(|a| if a == "*" { "default" } else { a }.to_string())
            .collect()
    };
    let ps_arms = |nth: usize| -> Vec<String> {
        let part = code.split("switch ($code)").nth(nth).expect("switch");
        part.lines()
            .filter_map(|l| l.strip_prefix("    ")?.split_once(" {"))
            .map(|(arm, _)| arm)
            .filter(|a| a == &"default" || (!a.is_empty() && a.chars().all(|c| c.is_ascii_digit())))
            .map(str::to_string)
            .collect()
    };
    let sh_check = sh_arms("case \"$code\" in\n0) ;;");
    let sh_send = sh_arms("case \"$code\" in\n0)\n");
    assert_eq!(
        sh_check,
        ["0", "1", "3", "default"],
        "month-end.sh check arms"
    );
    assert_eq!(
        sh_send,
        ["0", "4", "5", "1", "2", "3", "default"],
        "month-end.sh sending arms"
    );
    let ps_check = ps_arms(1);
    let ps_send = ps_arms(2);
    assert_eq!(
        ps_check[..sh_check.len()],
        sh_check[..],
        "month-end.ps1 check arms"
    );
    assert_eq!(
        ps_send[..sh_send.len()],
        sh_send[..],
        "month-end.ps1 sending arms"
    );

    // The same JSON keys read.
    for key in [
        "error",
        "invoices",
        "valid_invoices",
        "invalid_invoices",
        "lines",
        "errors",
        "warnings",
        "by_type",
        "totals",
        "vat_rates",
        "problems",
        "currency",
        "amount",
        "vat_amount",
        "net_amount",
        "largest",
        "merchant_reference",
        "customer",
        "rate",
        "base",
        "row",
        "column",
        "column_letter",
        "value",
        "severity",
        "message",
        "account",
        "results_file",
        "counts",
        "interrupted",
        "reconciled",
        "created",
        "already_exists",
        "failed",
        "unknown",
        "not_sent",
        "started_at",
        "exit_code",
    ] {
        let in_sh = sh.contains(&format!("\"{key}\""));
        let in_ps = code.contains(&format!(".{key}"))
            || ps_strings.contains(key)
            || code.contains(&format!("{key} ="));
        assert!(in_sh, "month-end.sh does not read {key:?}");
        assert!(in_ps, "month-end.ps1 does not read {key:?}");
    }

    // Every message of the bash script's own, word for word.
    let ps_messages: Vec<String> = strings.iter().map(|s| normalize_vars(s)).collect();
    for m in sh_messages(&sh) {
        // Only bash needs python3 (PowerShell reads JSON itself).
        let bash_only = ["python3", "xcode-select"];
        if m.trim().is_empty() || bash_only.iter().any(|b| m.contains(b)) {
            continue;
        }
        assert!(
            ps_messages.iter().any(|p| p == &m),
            "month-end.ps1 does not say {m:?}"
        );
    }
}
