//! Unit tests of plans and their comparison (moved out of plan.rs unchanged).

use super::report::LISTED;
use super::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn planned(hash: &str, amount: i64) -> Planned {
    Planned {
        content_hash: hash.to_string(),
        currency: "NOK".to_string(),
        amount,
    }
}

fn plan(invoices: &[(&str, &str, i64)]) -> Plan {
    let invoices: BTreeMap<String, Planned> = invoices
        .iter()
        .map(|(r, h, a)| (r.to_string(), planned(h, *a)))
        .collect();
    let mut totals: BTreeMap<String, Total> = BTreeMap::new();
    for p in invoices.values() {
        let t = totals.entry(p.currency.clone()).or_default();
        t.invoices += 1;
        t.amount += p.amount;
    }
    Plan {
        format: FORMAT.to_string(),
        version: VERSION,
        created_at: "2026-12-01T09:00:00.000Z".to_string(),
        tool_version: "0.1.0".to_string(),
        input: FileRef {
            path: "november.csv".to_string(),
            sha256: "a".repeat(64),
        },
        mapping: Mapping {
            file: None,
            columns: [("amount".to_string(), "Beløp".to_string())].into(),
            defaults: [("currency".to_string(), "NOK".to_string())].into(),
        },
        invoices,
        totals,
    }
}

fn none() -> BTreeMap<String, String> {
    BTreeMap::new()
}

#[test]
fn identical_plans_have_no_differences() {
    let p = plan(&[("A", "h1", 100), ("B", "h2", 200)]);
    let d = diff(&p, &p.clone(), &none());
    assert_eq!(d, Diff::default());
    assert!(!d.refuses());
    assert!(d.lines().is_empty());
}

#[test]
fn a_changed_amount_is_refused_with_old_and_new_amounts_and_totals() {
    let old = plan(&[("A", "h1", 125_000), ("B", "h2", 200)]);
    let mut new = plan(&[("A", "h1x", 135_000), ("B", "h2", 200)]);
    new.input.sha256 = "b".repeat(64);
    let d = diff(&old, &new, &none());
    assert!(d.refuses());
    let lines = d.lines();
    assert_eq!(lines[0], "changed: A amount NOK 1 250,00 -> NOK 1 350,00");
    assert_eq!(
        lines[1],
        "totals NOK: 2 invoices, 1 252,00 (VAT 0,00) -> 2 invoices, 1 352,00 (VAT 0,00)"
    );
    assert!(lines[2].starts_with("the file's SHA-256 differs (aaaaaaaaaaaa in the plan"));
}

#[test]
fn only_the_file_hash_differs_is_a_notice_not_a_refusal() {
    let old = plan(&[("A", "h1", 100)]);
    let mut new = old.clone();
    new.input.sha256 = "c".repeat(64);
    let d = diff(&old, &new, &none());
    assert!(!d.refuses());
    assert_eq!(d.notices().len(), 1);
    assert!(d.notices()[0].contains("byte-identical"));
}

#[test]
fn added_removed_and_invalid_now_are_told_apart() {
    let old = plan(&[("A", "h1", 100), ("B", "h2", 200), ("C", "h3", 300)]);
    let new = plan(&[("A", "h1", 100), ("D", "h4", 400)]);
    let invalid: BTreeMap<String, String> = [
        ("B".to_string(), "bad email".to_string()),
        ("E".to_string(), "no amount".to_string()),
    ]
    .into();
    let d = diff(&old, &new, &invalid);
    assert_eq!(d.removed.len(), 1);
    assert_eq!(d.removed[0].0, "C");
    assert_eq!(d.changed.len(), 1);
    assert_eq!(d.changed[0].invalid.as_deref(), Some("bad email"));
    let added: Vec<&str> = d.added.iter().map(|a| a.reference.as_str()).collect();
    assert_eq!(added, ["D", "E"]);
    assert!(d.refuses());
}

#[test]
fn a_mapping_change_is_refused_and_a_moved_mapping_file_is_not() {
    let mut old = plan(&[("A", "h1", 100)]);
    old.mapping.file = Some(FileRef {
        path: "map.toml".to_string(),
        sha256: "m".repeat(64),
    });
    let mut moved = old.clone();
    if let Some(f) = moved.mapping.file.as_mut() {
        f.path = "elsewhere/map.toml".to_string();
    }
    let d = diff(&old, &moved, &none());
    assert!(!d.refuses());
    assert_eq!(d.notices().len(), 1);

    let mut edited = old.clone();
    if let Some(f) = edited.mapping.file.as_mut() {
        f.sha256 = "n".repeat(64);
    }
    assert!(diff(&old, &edited, &none()).refuses());

    let mut defaults = old.clone();
    defaults
        .mapping
        .defaults
        .insert("currency".to_string(), "SEK".to_string());
    let d = diff(&old, &defaults, &none());
    assert!(d.refuses());
    assert_eq!(d.lines(), ["default currency: NOK -> SEK"]);

    let mut columns = old.clone();
    columns.mapping.columns.clear();
    assert!(diff(&old, &columns, &none()).refuses());
}

#[test]
fn long_lists_are_cut() {
    let old = plan(&[]);
    let many: Vec<(String, String, i64)> = (0..25)
        .map(|i| (format!("R{i:02}"), format!("h{i}"), 100))
        .collect();
    let many: Vec<(&str, &str, i64)> = many
        .iter()
        .map(|(r, h, a)| (r.as_str(), h.as_str(), *a))
        .collect();
    let new = plan(&many);
    let lines = diff(&old, &new, &none()).lines();
    assert_eq!(lines[LISTED], "... and 5 more");
}

#[test]
fn json_round_trips_and_versions_are_checked() {
    let p = plan(&[("A", "h1", 100)]);
    assert_eq!(Plan::from_json(&p.to_json()).ok(), Some(p.clone()));
    let mut v: serde_json::Value = serde_json::from_str(&p.to_json()).unwrap_or_default();
    v["version"] = 2.into();
    assert!(matches!(
        Plan::from_json(&v.to_string()),
        Err(PlanError::Version { found: 2 })
    ));
    assert!(matches!(
        Plan::from_json("{\"a\": 1}"),
        Err(PlanError::NotAPlan)
    ));
    assert!(matches!(Plan::from_json("{"), Err(PlanError::Json(_))));
}

#[cfg(unix)]
#[test]
fn load_refuses_an_endless_file() {
    let e = Plan::load(std::path::Path::new("/dev/zero")).unwrap_err();
    assert!(e.to_string().contains("a device, not a file"), "{e}");
}

proptest! {
    /// The diff is exactly the set difference: an invoice is reported once, as
    /// added, removed or changed, iff it differs; and a diff refuses iff any
    /// invoice differs (file facts being equal).
    #[test]
    fn diff_reports_exactly_the_differing_invoices(
        old in prop::collection::btree_map("[A-F]", (0u8..3, 1i64..1000), 0..6),
        new in prop::collection::btree_map("[A-F]", (0u8..3, 1i64..1000), 0..6),
    ) {
        let to_plan = |m: &BTreeMap<String, (u8, i64)>| {
            let v: Vec<(String, String, i64)> = m
                .iter()
                .map(|(r, (h, a))| (r.clone(), format!("h{h}-{a}"), *a))
                .collect();
            let v: Vec<(&str, &str, i64)> =
                v.iter().map(|(r, h, a)| (r.as_str(), h.as_str(), *a)).collect();
            plan(&v)
        };
        let (po, pn) = (to_plan(&old), to_plan(&new));
        let d = diff(&po, &pn, &BTreeMap::new());
        let mut reported: Vec<String> = d.added.iter().map(|a| a.reference.clone())
            .chain(d.removed.iter().map(|r| r.0.clone()))
            .chain(d.changed.iter().map(|c| c.reference.clone()))
            .collect();
        reported.sort();
        let mut expected: Vec<String> = old.keys().chain(new.keys())
            .filter(|k| old.get(*k) != new.get(*k))
            .cloned()
            .collect();
        expected.sort();
        expected.dedup();
        prop_assert_eq!(&reported, &expected);
        prop_assert_eq!(d.refuses(), !expected.is_empty());
        // Symmetry: swapping the sides swaps added and removed.
        let back = diff(&pn, &po, &BTreeMap::new());
        prop_assert_eq!(back.added.len(), d.removed.len());
        prop_assert_eq!(back.removed.len(), d.added.len());
        prop_assert_eq!(back.changed.len(), d.changed.len());
    }
}
