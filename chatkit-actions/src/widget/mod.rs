//! ChatKit widgets. (Being filled in: placeholder types so the rest of the crate compiles.)

use serde::{Deserialize, Serialize};

/// A widget root: Card, ListView or Basic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WidgetRoot(pub serde_json::Value);

/// Any widget component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WidgetComponent(pub serde_json::Value);
