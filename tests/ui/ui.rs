//! Compile-fail and compile-pass tests of `#[derive(Action)]`, `#[derive(ActionTypes)]`,
//! `#[action_handler]`, `#[derive(WidgetData)]`, `#[derive(Tools)]` and `#[tool_handler]`.
//!
//! The `.stderr` snapshots pin rustc's exact output, which changes between compiler
//! versions, so the suite runs on the toolchain the snapshots were reviewed with and is
//! ignored, with its reason, on any other.

#[rustversion::attr(
    not(stable(1.95)),
    ignore = "UI snapshots are reviewed for rustc 1.95 stable"
)]
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("derive_action/pass/*.rs");
    t.compile_fail("derive_action/fail/*.rs");
    t.pass("derive_action_types/pass/*.rs");
    t.compile_fail("derive_action_types/fail/*.rs");
    t.pass("action_handler/pass/*.rs");
    t.compile_fail("action_handler/fail/*.rs");
    t.pass("widget_data/pass/*.rs");
    t.compile_fail("widget_data/fail/*.rs");
    t.pass("tools/pass/*.rs");
    t.compile_fail("tools/fail/*.rs");
}
