//! `plan_file`: arbitrary bytes as a plan JSON (`import --plan PLAN`). A plan that
//! reads must write back to the same plan, and compare equal to itself.

use kravia_batch::plan::{Plan, diff};
use std::collections::BTreeMap;

pub fn run(data: &[u8]) {
    // The plan is read with read_to_string: non-UTF-8 never reaches from_json.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(plan) = Plan::from_json(text) else {
        return;
    };
    let again = Plan::from_json(&plan.to_json()).expect("a plan's own JSON reads back");
    assert_eq!(plan, again, "a plan changed through to_json/from_json");
    let d = diff(&plan, &again, &BTreeMap::new());
    assert!(!d.refuses(), "a plan differs from itself: {:?}", d.lines());
    std::hint::black_box((d.notices(), d.lines()));
}
