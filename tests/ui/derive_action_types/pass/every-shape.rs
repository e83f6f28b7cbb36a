//! Every variant shape with `ActionTypes`: struct variants (serde, ts and schemars attributes
//! on their fields), newtype payloads deriving `TS` and `JsonSchema`, a `typed` variant whose
//! struct derives `ActionTypes`, a unit variant, a client action.

use chatkit_actions::{Action, ActionTypes};

#[derive(serde::Serialize, serde::Deserialize, ts_rs::TS, schemars::JsonSchema)]
struct Coupon {
    code: String,
}

/// Rates the shop.
#[derive(Action, ActionTypes)]
#[action(type = "rate", client_payload)]
struct Rate {
    stars: u8,
    #[serde(default)]
    comment: String,
}

#[derive(Action, ActionTypes)]
#[action(rename_all = "kebab-case")]
enum ShopAction {
    /// Buys an item.
    Buy {
        id: u64,
        #[serde(rename = "qty", default)]
        #[ts(type = "number")]
        #[schemars(range(min = 1))]
        quantity: u32,
        #[action(form)]
        note: Option<String>,
    },
    Apply(Coupon),
    #[action(typed, client_payload)]
    Rate(Rate),
    Refresh,
    #[action(handler = "client")]
    Copy { text: String },
    Empty {},
}

fn main() {
    let generated = chatkit_actions::typescript::generate::<ShopAction>().unwrap();
    assert!(generated.typescript.contains("export type BuyPayload = { id: number, qty?: number, note?: string | null, };"));
    assert!(generated.typescript.contains("| { type: \"rate\"; payload: Rate }"));
    assert_eq!(generated.schemas["payloads/buy.json"]["properties"]["qty"]["minimum"], 1);
    let single = chatkit_actions::typescript::generate::<Rate>().unwrap();
    assert!(single.typescript.contains("export type RateAction = ServerAction | ClientAction;"));
    assert!(single.typescript.contains("export type ImperativeAction =\n  /**\n   * Rates the shop.\n   */\n  | { type: \"rate\"; payload: Rate };"));
}
