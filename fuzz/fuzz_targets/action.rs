//! Raw-to-typed action parsing: any bytes that parse as a `RawAction` go through `from_raw`
//! without panicking, and an action that parses serializes back to a `RawAction` that parses
//! to the same action.
#![no_main]

use chatkit_actions::{Action, RawAction};
use libfuzzer_sys::fuzz_target;

#[derive(Action, Debug, PartialEq)]
enum FuzzAction {
    Increment {
        count: i64,
    },
    SetCount(i64),
    Rename {
        title: String,
        note: Option<String>,
    },
    Tags {
        tags: Vec<String>,
        weights: Vec<f64>,
        id: Option<u64>,
    },
    #[action(rename = "todo.delete")]
    Delete {
        id: String,
    },
    Refresh,
}

fuzz_target!(|body: &[u8]| {
    let Ok(raw) = serde_json::from_slice::<RawAction>(body) else {
        return;
    };
    if let Ok(action) = FuzzAction::from_raw(raw) {
        let raw = action.to_raw().expect("a parsed action serializes");
        let again = FuzzAction::from_raw(raw).expect("and parses back");
        assert_eq!(again, action);
    }
});
