//! [`ActionConfig`]: the action a widget carries, and its options; [`IntoActionConfig`], what
//! a widget's action slot accepts.
//!
//! An action type's defaults ([`Handler`], [`LoadingBehavior`], streaming) are declared on the
//! action itself and live with its [`ActionSpec`] in [`crate::action`]; they
//! are re-exported here, where the config that carries them is built.

use serde::ser::{Error as _, SerializeStruct as _};
use serde::{Deserialize, Serialize, Serializer};

use crate::action::{Action, ActionSpec};
pub use crate::action::{Handler, LoadingBehavior};

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
///
/// # A payload that cannot be serialized
///
/// A typed action's payload becomes JSON when the config is built. That fails only when its
/// `Serialize` implementation fails (for example a map whose keys are not strings): a bug in
/// the application, never something a client can cause. Building never panics for it:
/// [`ActionConfig::create`], [`IntoActionConfig`] and so every widget builder keep the failure
/// in the config ([`ActionConfig::payload_error`]), and it surfaces where the widget is checked
/// or sent: [`WidgetRoot::check`](crate::widget::WidgetRoot::check) reports it, and
/// serializing the config (or the widget holding it) fails with its message, so no client ever
/// receives the action without its payload. [`ActionConfig::try_create`] returns it at once.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionConfig {
    /// The action's type string, which the server dispatches on.
    #[serde(rename = "type")]
    pub action_type: String,
    /// The data sent with the action. Form values are merged into it by the client.
    #[serde(default)]
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
    /// Why the typed action's payload could not be serialized, if it could not (boxed: it is
    /// rare, and a config is in every action slot of a widget).
    #[serde(skip)]
    payload_error: Option<Box<PayloadError>>,
}

/// As the SDK writes it: `payload` only when present, the three options always. A config whose
/// payload could not be serialized refuses to be written.
impl Serialize for ActionConfig {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if let Some(error) = &self.payload_error {
            return Err(S::Error::custom(error));
        }
        let fields = 4 + usize::from(self.payload.is_some());
        let mut state = serializer.serialize_struct("ActionConfig", fields)?;
        state.serialize_field("type", &self.action_type)?;
        match &self.payload {
            Some(payload) => state.serialize_field("payload", payload)?,
            None => state.skip_field("payload")?,
        }
        state.serialize_field("handler", &self.handler)?;
        state.serialize_field("loadingBehavior", &self.loading_behavior)?;
        state.serialize_field("streaming", &self.streaming)?;
        state.end()
    }
}

/// Builder setters of the options: `name(value)` sets the field `name`.
macro_rules! option_setters {
    ($($(#[$doc:meta])* $field:ident: $ty:ty,)+) => {$(
        $(#[$doc])*
        #[must_use]
        pub fn $field(mut self, $field: $ty) -> Self {
            self.$field = $field;
            self
        }
    )+};
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
            payload_error: None,
        }
    }

    /// The config of a typed action: its type string, its payload, and the defaults declared
    /// on it with `#[action(handler = …, loading = …, streaming = …)]`.
    ///
    /// This is the counterpart of the Python SDK's `Action.create(payload)`. Builder calls
    /// after it override the declared defaults. It never panics: a payload that cannot be
    /// serialized is kept as the config's [`payload_error`](ActionConfig::payload_error) (see
    /// [above](ActionConfig#a-payload-that-cannot-be-serialized)); use
    /// [`ActionConfig::try_create`] to get it at once.
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
    #[must_use]
    pub fn create<A: Action>(action: A) -> Self {
        let spec = action.spec();
        let mut config = ActionConfig::of_spec(spec);
        match action.into_payload() {
            Ok(payload) => config.payload = payload,
            Err(error) => config.payload_error = Some(Box::new(PayloadError::new(spec, &error))),
        }
        config
    }

    /// Like [`ActionConfig::create`], returning the payload's serialization error at once.
    ///
    /// This is the fallible conversion from a typed action; `#[derive(Action)]` also gives
    /// each action type `TryFrom<YourAction> for ActionConfig`, which calls it. (A blanket
    /// `impl<A: Action> TryFrom<A> for ActionConfig` would overlap the standard library's
    /// `TryFrom` for every type that is `Into<ActionConfig>`, hence one impl per type.)
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use chatkit_actions::{Action, ActionConfig};
    ///
    /// #[derive(Action, Debug)]
    /// enum AppAction {
    ///     // JSON object keys are strings: a map keyed by pairs has no JSON form.
    ///     Plot(BTreeMap<(i32, i32), String>),
    /// }
    ///
    /// let error = ActionConfig::try_create(AppAction::Plot(BTreeMap::from([((1, 2), "a".into())])))
    ///     .unwrap_err();
    /// assert_eq!(error.action_type(), "plot");
    /// assert!(error.to_string().starts_with("the payload of action `plot` cannot be serialized to JSON"));
    /// assert!(ActionConfig::try_from(AppAction::Plot(BTreeMap::new())).is_ok());
    /// ```
    ///
    /// # Errors
    ///
    /// The [`PayloadError`] when the payload's `Serialize` implementation fails.
    pub fn try_create<A: Action>(action: A) -> Result<Self, PayloadError> {
        let config = ActionConfig::create(action);
        match config.payload_error {
            Some(error) => Err(*error),
            None => Ok(config),
        }
    }

    /// The config of an action type with no payload yet: its type string and declared
    /// defaults.
    fn of_spec(spec: &ActionSpec) -> Self {
        ActionConfig {
            handler: spec.handler,
            loading_behavior: spec.loading_behavior,
            streaming: spec.streaming,
            ..ActionConfig::new(spec.action_type)
        }
    }

    /// Why the typed action this config was built from has no JSON payload: its `Serialize`
    /// implementation failed. `None` for every config that can be sent. Setting a payload with
    /// [`ActionConfig::payload`] clears it.
    #[must_use]
    pub fn payload_error(&self) -> Option<&PayloadError> {
        self.payload_error.as_deref()
    }

    /// Sets the payload.
    #[must_use]
    pub fn payload(mut self, payload: serde_json::Value) -> Self {
        self.payload = Some(payload);
        self.payload_error = None;
        self
    }

    option_setters! {
        /// Sets where the action is handled.
        handler: Handler,
        /// Sets which part of the widget shows a loading state.
        loading_behavior: LoadingBehavior,
        /// Sets whether the action is answered by a stream of events (`true`, the default) or
        /// by one synchronous JSON response (`false`).
        streaming: bool,
    }
}

/// Why a typed action's payload has no JSON form: its `Serialize` implementation failed.
///
/// Returned by [`ActionConfig::try_create`], kept by [`ActionConfig::create`] (see
/// [`ActionConfig::payload_error`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the payload of action `{action_type}` cannot be serialized to JSON: {message}")]
pub struct PayloadError {
    action_type: &'static str,
    message: String,
}

impl PayloadError {
    fn new(spec: &ActionSpec, error: &serde_json::Error) -> Self {
        PayloadError {
            action_type: spec.action_type,
            message: error.to_string(),
        }
    }

    /// The type string of the action whose payload failed.
    #[must_use]
    pub fn action_type(&self) -> &'static str {
        self.action_type
    }

    /// The serializer's message.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// What a widget's action slot accepts (`on_click_action`, `on_submit_action`,
/// `on_change_action`, a Card's `confirm` and `cancel`): an [`ActionConfig`], or any typed
/// action (`#[derive(Action)]`), which becomes [`ActionConfig::create`] of it.
///
/// The conversion never fails and never panics. A typed action whose payload cannot be
/// serialized (a bug in its `Serialize` implementation) gives a config that keeps the error:
/// [`WidgetRoot::check`](crate::widget::WidgetRoot::check) reports it and serializing the
/// widget fails with it. To handle it where the action is built, convert with
/// [`ActionConfig::try_create`] first and pass the config.
///
/// ```
/// use chatkit_actions::widget::Button;
/// use chatkit_actions::{Action, ActionConfig, LoadingBehavior};
///
/// #[derive(Action, Debug)]
/// enum AppAction {
///     Complete { id: String },
/// }
///
/// // A typed action directly…
/// let done = Button::new("Done").on_click_action(AppAction::Complete { id: "t1".into() });
/// // …or a config, to change its options or to see a serialization error where it happens.
/// let config = ActionConfig::try_create(AppAction::Complete { id: "t1".into() })?
///     .loading_behavior(LoadingBehavior::SelfNode);
/// let busy = Button::new("Done").on_click_action(config);
/// assert_eq!(done.on_click_action.unwrap().action_type, busy.on_click_action.unwrap().action_type);
/// # Ok::<(), chatkit_actions::config::PayloadError>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot go into a widget's action slot",
    note = "an action slot takes an `ActionConfig` or a type deriving `chatkit_actions::Action`"
)]
pub trait IntoActionConfig {
    /// The config, with the error kept in it when a typed payload cannot be serialized.
    fn into_action_config(self) -> ActionConfig;
}

impl IntoActionConfig for ActionConfig {
    fn into_action_config(self) -> ActionConfig {
        self
    }
}

impl<A: Action> IntoActionConfig for A {
    fn into_action_config(self) -> ActionConfig {
        ActionConfig::create(self)
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
