//! [`ActionConfig`]: the action a widget carries, and its options.

use serde::{Deserialize, Serialize};

use crate::action::Action;

/// Where an action is handled.
///
/// On the wire: `"server"` (the default) or `"client"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Handler {
    /// The client sends the action to the backend (`threads.custom_action`, or
    /// `threads.sync_custom_action` when `streaming` is false).
    #[default]
    Server,
    /// The action goes to the page's `widgets.onAction` callback; nothing reaches the server
    /// unless that callback forwards it.
    Client,
}

impl Handler {
    /// The wire name: `"server"` or `"client"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Handler::Server => "server",
            Handler::Client => "client",
        }
    }
}

/// Which part of the widget shows a loading state while the action runs.
///
/// On the wire: `"auto"` (the default), `"none"`, `"self"` or `"container"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoadingBehavior {
    /// Chosen by the binding: a Button's click shows it on the button, a Select's change
    /// shows none, a Card's confirm shows it on the whole card.
    #[default]
    Auto,
    /// No loading state.
    None,
    /// The loading state is shown on the node that triggered the action (`"self"` on the wire).
    #[serde(rename = "self")]
    SelfNode,
    /// The whole widget fades and becomes inert.
    Container,
}

impl LoadingBehavior {
    /// The wire name: `"auto"`, `"none"`, `"self"` or `"container"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            LoadingBehavior::Auto => "auto",
            LoadingBehavior::None => "none",
            LoadingBehavior::SelfNode => "self",
            LoadingBehavior::Container => "container",
        }
    }
}

const fn default_streaming() -> bool {
    true
}

/// The action a widget node carries: `Button.onClickAction`, `Form.onSubmitAction`,
/// `ListViewItem.onClickAction`, `Card.confirm`/`cancel`, and the `onChangeAction` of `Select`,
/// `Checkbox`, `RadioGroup` and `DatePicker`.
///
/// Serializes exactly as the official Python SDK does: `payload` is omitted when absent, and
/// `handler`, `loadingBehavior` and `streaming` are always written. When parsing, the three
/// options may be absent (widget templates leave them out) and take their defaults.
///
/// Build one from a typed action with [`ActionConfig::create`] (the counterpart of the SDK's
/// `Action.create`), or from an untyped type string with [`ActionConfig::new`]:
///
/// ```
/// use chatkit_actions::{ActionConfig, Handler, LoadingBehavior};
///
/// let config = ActionConfig::new("form_submit")
///     .payload(serde_json::json!({ "formData": "value" }))
///     .loading_behavior(LoadingBehavior::Container);
/// assert_eq!(
///     serde_json::to_value(&config).unwrap(),
///     serde_json::json!({
///         "type": "form_submit",
///         "payload": { "formData": "value" },
///         "handler": "server",
///         "loadingBehavior": "container",
///         "streaming": true,
///     })
/// );
/// assert_eq!(config.handler, Handler::Server);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionConfig {
    /// The action's type string, which the server dispatches on.
    #[serde(rename = "type")]
    pub action_type: String,
    /// The data sent with the action. Form values are merged into it by the client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<serde_json::Value>,
    /// Where the action is handled.
    #[serde(default)]
    pub handler: Handler,
    /// Which part of the widget shows a loading state.
    #[serde(default)]
    pub loading_behavior: LoadingBehavior,
    /// `false` makes the client send the action as `threads.sync_custom_action` and wait for
    /// one JSON answer instead of a stream of events.
    #[serde(default = "default_streaming")]
    pub streaming: bool,
}

impl ActionConfig {
    /// An untyped config with the given type string, no payload and the default options.
    ///
    /// Prefer [`ActionConfig::create`] with a typed action: the type string and payload then
    /// come from a type the server's dispatch knows.
    #[must_use]
    pub fn new(action_type: impl Into<String>) -> Self {
        ActionConfig {
            action_type: action_type.into(),
            payload: None,
            handler: Handler::Server,
            loading_behavior: LoadingBehavior::Auto,
            streaming: true,
        }
    }

    /// The config of a typed action: its type string, its payload, and the defaults declared
    /// on it with `#[action(handler = …, loading = …, streaming = …)]`.
    ///
    /// This is the counterpart of the Python SDK's `Action.create(payload)`. Builder calls
    /// after it override the declared defaults.
    ///
    /// ```
    /// use chatkit_actions::{Action, ActionConfig, LoadingBehavior};
    ///
    /// #[derive(Action, Debug)]
    /// enum AppAction {
    ///     Increment { count: i64 },
    ///     #[action(handler = "client")]
    ///     Copy(String),
    /// }
    ///
    /// let config = ActionConfig::create(AppAction::Increment { count: 3 })
    ///     .loading_behavior(LoadingBehavior::SelfNode);
    /// assert_eq!(config.action_type, "increment");
    /// assert_eq!(config.payload, Some(serde_json::json!({ "count": 3 })));
    /// assert_eq!(config.loading_behavior, LoadingBehavior::SelfNode);
    /// ```
    ///
    /// # Panics
    ///
    /// Panics if the payload cannot be represented as JSON, which only happens when its
    /// `Serialize` implementation fails (for example a map whose keys are not strings). Use
    /// [`ActionConfig::try_create`] to get that error instead.
    #[must_use]
    pub fn create<A: Action>(action: A) -> Self {
        match Self::try_create(action) {
            Ok(config) => config,
            Err(error) => panic!("the action payload cannot be serialized to JSON: {error}"),
        }
    }

    /// Like [`ActionConfig::create`], returning the serialization error instead of panicking.
    ///
    /// # Errors
    ///
    /// Fails when the payload's `Serialize` implementation fails.
    pub fn try_create<A: Action>(action: A) -> Result<Self, serde_json::Error> {
        let spec = action.spec();
        Ok(ActionConfig {
            action_type: spec.action_type.to_owned(),
            payload: action.into_payload()?,
            handler: spec.handler,
            loading_behavior: spec.loading_behavior,
            streaming: spec.streaming,
        })
    }

    /// Sets the payload.
    #[must_use]
    pub fn payload(mut self, payload: serde_json::Value) -> Self {
        self.payload = Some(payload);
        self
    }

    /// Sets where the action is handled.
    #[must_use]
    pub fn handler(mut self, handler: Handler) -> Self {
        self.handler = handler;
        self
    }

    /// Sets which part of the widget shows a loading state.
    #[must_use]
    pub fn loading_behavior(mut self, loading_behavior: LoadingBehavior) -> Self {
        self.loading_behavior = loading_behavior;
        self
    }

    /// Sets whether the action is answered by a stream of events (`true`, the default) or by
    /// one synchronous JSON response (`false`).
    #[must_use]
    pub fn streaming(mut self, streaming: bool) -> Self {
        self.streaming = streaming;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_are_always_written_and_may_be_absent_on_input() {
        let config: ActionConfig = serde_json::from_value(json!({"type": "x"})).unwrap();
        assert_eq!(config, ActionConfig::new("x"));
        assert_eq!(
            serde_json::to_value(&config).unwrap(),
            json!({"type": "x", "handler": "server", "loadingBehavior": "auto", "streaming": true})
        );
    }

    #[test]
    fn loading_behavior_self_is_spelled_self() {
        let config = ActionConfig::new("x")
            .handler(Handler::Client)
            .loading_behavior(LoadingBehavior::SelfNode)
            .streaming(false);
        let value = serde_json::to_value(&config).unwrap();
        assert_eq!(value["loadingBehavior"], "self");
        assert_eq!(value["handler"], "client");
        assert_eq!(value["streaming"], false);
        assert_eq!(
            serde_json::from_value::<ActionConfig>(value).unwrap(),
            config
        );
    }

    #[test]
    fn unknown_option_values_are_rejected() {
        let error =
            serde_json::from_value::<ActionConfig>(json!({"type": "x", "handler": "browser"}))
                .unwrap_err()
                .to_string();
        assert!(error.contains("unknown variant `browser`"), "{error}");
    }
}
