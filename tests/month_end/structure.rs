//! scripts/month-end.ps1 and month-end.sh, read rather than run: PowerShell cannot be
//! installed here. Both must stay thin: the words come from `kravia-batch month-end`
//! (tested by running it, in `steps` and through bash), and the scripts only pass the
//! file and the options, ask the question and stop on the exit code. So the PowerShell
//! script is checked against the bash script (see docs/accountant-guide.md for the parser
//! check on Windows), and both for what they must not do themselves.

use super::{PS1, SH, crate_root};

/// The text of the PowerShell script and of the bash script.
fn scripts() -> (String, String) {
    let read = |path| std::fs::read_to_string(crate_root().join(path)).expect(path);
    (read(PS1), read(SH))
}

/// The bash script's code: no comments, no `say` lines (its words, checked apart).
fn sh_code(sh: &str) -> String {
    sh.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && !l.starts_with("say "))
        .collect::<Vec<_>>()
        .join("\n")
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

// Long: one checklist of the two scripts side by side, read top to bottom; split up, each
// part would re-read and re-tokenize both scripts and the list would be harder to audit.
#[test]
fn the_powershell_script_parses_and_mirrors_the_bash_script() {
    let (ps1, sh) = scripts();

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

    // The same steps of kravia-batch, in the same order, each on the file as given with
    // the extra options.
    let ps_steps: Vec<&str> = code
        .split("month-end ")
        .skip(1)
        .filter_map(|rest| rest.split_whitespace().next())
        .collect();
    let sh_steps: Vec<&str> = sh
        .lines()
        .filter_map(|l| l.trim().strip_prefix("step "))
        .filter_map(|rest| rest.split_whitespace().next())
        .collect();
    assert_eq!(
        sh_steps,
        ["check", "question", "send"],
        "month-end.sh steps"
    );
    assert_eq!(ps_steps, sh_steps, "month-end.ps1 steps");
    assert!(
        sh.contains(r#"step() { "$bin" month-end "$1" "$input" ${extra[@]+"${extra[@]}"}; }"#),
        "month-end.sh: how a step is run"
    );
    for step in &ps_steps {
        assert!(
            code.contains(&format!("& $bin month-end {step} $inputArg @extra")),
            "month-end.ps1: how the {step} step is run"
        );
    }

    // The same exit codes: stop at a check or question that does not end with 0, with its
    // code; end with the sending's; 2 when not confirmed, 3 without kravia-batch, 2 or 0
    // for the usage.
    for stop in [
        "step check || exit $?",
        "step question || exit $?",
        "step send || code=$?",
    ] {
        assert!(sh.contains(stop), "month-end.sh lacks {stop:?}");
    }
    assert!(
        sh.trim_end().ends_with("exit \"$code\""),
        "month-end.sh's last line"
    );
    let stop = "if ($LASTEXITCODE -ne 0) { Stop-Script $LASTEXITCODE }";
    assert_eq!(code.matches(stop).count(), 2, "month-end.ps1: {stop}");
    assert!(
        code.trim_end().ends_with("Stop-Script $LASTEXITCODE"),
        "month-end.ps1's last line"
    );
    assert!(code.contains("exit $Code"), "month-end.ps1: Stop-Script");
    let literal_exits = |text: &str, words: &[&str]| -> Vec<String> {
        text.lines()
            .flat_map(|l| l.split(['{', '}', ';']))
            .flat_map(|part| part.split("&&"))
            .filter_map(|part| {
                let mut w = part.split_whitespace();
                let first = w.next()?;
                let n = w.next()?;
                (words.contains(&first) && n.parse::<u8>().is_ok()).then(|| n.to_string())
            })
            .collect()
    };
    let sh_exits = literal_exits(&sh_code(&sh), &["exit"]);
    assert_eq!(sh_exits, ["2", "0", "3", "2"], "month-end.sh exit codes");
    assert_eq!(
        literal_exits(&code, &["exit", "Stop-Script"]),
        sh_exits,
        "month-end.ps1 exit codes"
    );

    // The same settings, and the same answers.
    for var in ["KRAVIA_BATCH", "KRAVIA_IMPORT_ARGS"] {
        assert!(sh_code(&sh).contains(var), "month-end.sh lacks {var}");
        assert!(
            code.contains(&format!("$env:{var}")),
            "month-end.ps1 lacks $env:{var}"
        );
    }
    // Read by kravia-batch (it opens the checked copy), documented by both.
    assert!(sh.contains("KRAVIA_NO_OPEN=1") && ps1.contains("KRAVIA_NO_OPEN=1"));

    let ps_strings: std::collections::BTreeSet<&str> = strings.iter().map(String::as_str).collect();
    for word in ["yes", "y", "ja", "j", "no", "n", "nei"] {
        assert!(
            ps_strings.contains(word),
            "month-end.ps1 does not take {word:?}"
        );
    }
    assert!(sh.contains("yes | y | ja | j | no | n | nei) break ;;"));
    assert!(sh.contains("yes | y | ja | j) ;;"));

    // Every message of the bash script's own, word for word.
    let ps_messages: Vec<String> = strings.iter().map(|s| normalize_vars(s)).collect();
    for m in sh_messages(&sh) {
        if m.trim().is_empty() {
            continue;
        }
        assert!(
            ps_messages.iter().any(|p| p == &m),
            "month-end.ps1 does not say {m:?}"
        );
    }
}

// Long for the same reason: the list of what the scripts must not do is the test.
#[test]
fn neither_script_formats_money_reads_json_or_words_an_outcome() {
    let (ps1, sh) = scripts();
    let (ps_code, ps_strings) = ps_code_and_strings(&ps1);
    let sh_code = sh_code(&sh);
    // The usage, which names the script and its options.
    let usage = |s: &str| s.contains("month-end.ps1") || s.starts_with("Checks the month's");
    // What the Python program and its PowerShell twin did: read kravia-batch's JSON,
    // format amounts and problems, keep the state file, open the checked copy. All of it
    // is `kravia-batch month-end`'s now.
    for own in [
        "python",
        "json",
        "Json",
        "jq ",
        "amount",
        "totals",
        "problem",
        "column_letter",
        "merchant_reference",
        "valid_invoices",
        "counts",
        "results_file",
        "exit_code",
        "--format",
        "--report",
        "--annotate",
        "--plan",
        "--confirm-total",
        "--results",
        "rehearsal",
        "validate",
        "import ",
        "last-run",
        "errors.csv",
        "annotated",
        "xdg-open",
        "Invoke-Item",
        "Get-Date",
        "{0,",
        ":D2",
        "#,0",
        "printf '%s%",
        "%-",
        "divmod",
        "Format-",
        "N-Of",
    ] {
        assert!(!sh_code.contains(own), "month-end.sh does {own:?} itself");
        assert!(!ps_code.contains(own), "month-end.ps1 does {own:?} itself");
        assert!(
            !ps_strings.iter().any(|s| !usage(s) && s.contains(own)),
            "month-end.ps1 does {own:?} itself"
        );
    }
    // The only words of the scripts' own: how to start them, a missing kravia-batch, and
    // the answer to the question. Everything else on the screen is kravia-batch's.
    let own_words = [
        "Cannot find the kravia-batch program ('$').",
        "Ask whoever set up this computer: kravia-batch must be installed, or KRAVIA_BATCH must name it.",
        "Please type yes or no.",
        "NOTHING WAS SENT: you did not answer yes.",
        "Run this again when you want to send the invoices.",
        "",
    ];
    for m in sh_messages(&sh) {
        assert!(
            usage(&m) || own_words.contains(&m.as_str()),
            "month-end.sh says {m:?} itself"
        );
    }
    for s in ps_strings.iter().map(|s| normalize_vars(s)) {
        assert!(
            !s.contains(' ') || usage(&s) || own_words.contains(&s.as_str()),
            "month-end.ps1 says {s:?} itself"
        );
    }
    // Thin, and meant to stay so.
    let ps_lines = ps_code.lines().filter(|l| !l.trim().is_empty()).count();
    let sh_lines = sh_code.lines().filter(|l| !l.is_empty()).count();
    assert!(sh_lines <= 60, "month-end.sh has {sh_lines} lines of code");
    assert!(ps_lines <= 80, "month-end.ps1 has {ps_lines} lines of code");
}
