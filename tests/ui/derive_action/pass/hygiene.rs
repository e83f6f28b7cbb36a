// The expansion names everything by absolute path: decoys named like std and serde items,
// a module named like the crate, and strict lints change nothing.
#![deny(warnings, clippy::pedantic, unused_qualifications)]
#![allow(dead_code)]

mod decoys {
    pub struct Result;
    pub struct Ok;
    pub struct Option;
    pub struct Vec;
    pub struct Some;
    pub struct None;
    pub mod serde {}
    pub mod core {}
    pub mod std {}
}

mod actions {
    #[allow(unused_imports)]
    use super::decoys::*;

    /// The actions.
    #[derive(chatkit_actions::Action, Debug)]
    pub enum AppAction {
        /// Unit.
        Refresh,
        /// Newtype.
        Add(String),
        /// Struct.
        Update {
            /// Id.
            id: String,
        },
    }
}

fn main() {
    let _ = <actions::AppAction as chatkit_actions::Action>::TYPES;
}
