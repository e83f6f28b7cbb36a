#!/usr/bin/env python3
"""Writes the conformance cases of tests/conformance.rs from the official Python SDK.

Every case is a value built with the SDK's own models (the named widget classes, a
WidgetTemplate, Action.create, the request, item and event models), then written by the
SDK server's serializer, `ChatKitServer._serialize`:

    obj.model_dump_json(by_alias=True, exclude_none=True, context={"exclude_metadata": True})

so a case's `json` is what a stock ChatKit Python server puts on the wire. The SDK then
parses that JSON again as the case's kind and serializes it once more: when the result
differs (a template's dynamic widget comes back typed, with the action defaults), the case
also gets a `roundtrip`, what the Rust side must write back.

One file per case, OUT_DIR/<name>.json: {"name", "kind", "json"[, "roundtrip"]}.
Run it with scripts/conformance-cases.sh, which sets up the pinned SDK.

    python generate.py OUT_DIR
"""

from __future__ import annotations

import json
import sys
import warnings
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Literal

# The SDK marks direct use of the named widget classes as deprecated in favour of
# templates; the cases use both, on purpose.
warnings.filterwarnings("ignore", category=DeprecationWarning)

from pydantic import BaseModel, TypeAdapter  # noqa: E402

from chatkit import types as T  # noqa: E402
from chatkit import widgets as W  # noqa: E402
from chatkit.actions import Action, ActionConfig  # noqa: E402

# The SDK type that parses each kind of case.
KINDS: dict[str, Any] = {
    "ActionConfig": ActionConfig,
    "Action": Action[str, Any],
    "WidgetRoot": W.WidgetRoot,
    "WidgetComponent": W.WidgetComponent,
    "ThreadItem": T.ThreadItem,
    "ThreadStreamEvent": T.ThreadStreamEvent,
    "ChatKitReq": T.ChatKitReq,
    "Thread": T.Thread,
    "Page[ThreadItem]": T.Page[T.ThreadItem],
    "SyncCustomActionResponse": T.SyncCustomActionResponse,
}

THREAD = "thr_1a2b3c4d"
WIDGET = "wid_5e6f7a8b"
# A stock server stamps items with the naive local time of `datetime.now()`.
NOON = datetime(2025, 1, 15, 12, 0, 0)
LATER = datetime(2025, 1, 15, 12, 0, 5, 250000)


# --- typed actions, as an application declares them -------------------------------------


class ExamplePayload(BaseModel):
    item_id: str
    count: int = 0
    note: str | None = None
    tags: list[str] = []


class IncrementPayload(BaseModel):
    count: int


ExampleAction = Action[Literal["example"], ExamplePayload]
IncrementAction = Action[Literal["increment"], IncrementPayload]


# --- widgets ---------------------------------------------------------------------------


def counter_card(count: int) -> W.Card:
    """The counter card of the SDK's examples, showing `count`."""
    return W.Card(
        key="counter",
        children=[
            W.Text(id="count-label", value=f"Count: {count}", weight="semibold", size="lg"),
            W.Button(
                label="Increment",
                onClickAction=IncrementAction.create(IncrementPayload(count=count)),
                style="primary",
            ),
        ],
    )


def counter_item(count: int) -> T.WidgetItem:
    return T.WidgetItem(id=WIDGET, thread_id=THREAD, created_at=NOON, widget=counter_card(count))


def profile_form() -> W.Form:
    """A form with every kind of field."""
    return W.Form(
        direction="col",
        gap=3,
        onSubmitAction=ActionConfig(
            type="profile.save", payload={"user_id": "u_42"}, loadingBehavior="container"
        ),
        children=[
            W.Title(value="Edit profile", size="md"),
            W.Text(
                value="Ada Lovelace",
                editable={
                    "name": "profile.name",
                    "pattern": "^[A-Za-z ]+$",
                    "placeholder": "Your name",
                    "required": True,
                },
            ),
            W.Label(value="Email", fieldName="profile.email"),
            W.Input(
                name="profile.email",
                inputType="email",
                required=True,
                placeholder="you@example.com",
            ),
            W.Textarea(name="profile.bio", defaultValue="Hello", rows=3, autoResize=True, maxRows=6),
            W.Select(
                name="profile.role",
                options=[
                    {"value": "admin", "label": "Admin"},
                    {"value": "user", "label": "User", "description": "Regular access"},
                ],
                defaultValue="user",
                clearable=True,
            ),
            W.Checkbox(name="profile.newsletter", label="Subscribe", defaultChecked=True),
            W.RadioGroup(
                name="profile.plan",
                options=[
                    {"label": "Free", "value": "free"},
                    {"label": "Pro", "value": "pro", "disabled": True},
                ],
                defaultValue="free",
                direction="row",
            ),
            W.DatePicker(
                name="profile.birthday",
                defaultValue=datetime(1990, 1, 15),
                min=datetime(1900, 1, 1),
                max=datetime(2025, 12, 31),
            ),
            W.Row(justify="end", children=[W.Button(submit=True, label="Save", style="primary")]),
        ],
    )


def template(source: dict[str, Any], data: dict[str, Any]) -> W.DynamicWidgetRoot:
    """A widget rendered from a `.widget` definition by the SDK's WidgetTemplate."""
    definition = {"version": "1.0", "name": "case", "template": json.dumps(source)}
    return W.WidgetTemplate(definition).build(data)


def widget_cases() -> dict[str, tuple[str, Callable[[], Any]]]:
    return {
        "widget-card-button": ("WidgetRoot", lambda: counter_card(0)),
        "widget-form-all-fields": ("WidgetRoot", lambda: W.Card(children=[profile_form()])),
        "widget-card-as-form-confirm-cancel": (
            "WidgetRoot",
            lambda: W.Card(
                asForm=True,
                size="md",
                children=[
                    W.Text(value="Rename item", weight="medium"),
                    W.Input(name="title", defaultValue="Old title", required=True),
                ],
                confirm={
                    "label": "Save",
                    "action": ActionConfig(type="item.rename", payload={"item": "i1"}),
                },
                cancel={"label": "Cancel", "action": ActionConfig(type="item.cancel", handler="client")},
            ),
        ),
        "widget-listview-items": (
            "WidgetRoot",
            lambda: W.ListView(
                limit=3,
                status={"text": "Inbox", "favicon": "https://example.com/favicon.ico"},
                children=[
                    W.ListViewItem(
                        key=f"row-{i}",
                        gap=2,
                        align="center",
                        onClickAction=ActionConfig(type="row.select", payload={"row_id": f"r{i}"}),
                        children=[W.Text(value=f"Row {i}"), W.Spacer(), W.Caption(value="2m")],
                    )
                    for i in range(3)
                ],
            ),
        ),
        "widget-onchange-controls": (
            "WidgetRoot",
            lambda: W.Card(
                children=[
                    W.Select(
                        name="sort",
                        options=[
                            {"value": "new", "label": "Newest"},
                            {"value": "old", "label": "Oldest"},
                        ],
                        onChangeAction=ActionConfig(type="list.sort", loadingBehavior="none"),
                    ),
                    W.Checkbox(
                        name="done",
                        label="Show done",
                        onChangeAction=ActionConfig(type="list.toggle_done", payload={"list": "inbox"}),
                    ),
                    W.RadioGroup(
                        name="density",
                        options=[
                            {"label": "Compact", "value": "c"},
                            {"label": "Cozy", "value": "z"},
                        ],
                        onChangeAction=ActionConfig(type="list.density", handler="client"),
                    ),
                    W.DatePicker(
                        name="due", onChangeAction=ActionConfig(type="list.due", streaming=False)
                    ),
                ]
            ),
        ),
        "widget-nested-box-row-col": (
            "WidgetRoot",
            lambda: W.Card(
                children=[
                    W.Box(
                        direction="col",
                        gap=2,
                        padding=4,
                        border=1,
                        radius="lg",
                        background={"dark": "gray-900", "light": "white"},
                        children=[
                            W.Row(
                                align="center",
                                justify="between",
                                children=[
                                    W.Title(value="Orders"),
                                    W.Badge(label="3 new", color="info", pill=True),
                                ],
                            ),
                            W.Col(
                                flex=1,
                                gap="8px",
                                children=[W.Text(value="First"), W.Text(value="Second")],
                            ),
                        ],
                    )
                ]
            ),
        ),
        "widget-misc-components": (
            "WidgetRoot",
            lambda: W.Card(
                background="blue-50",
                status={"text": "Report", "icon": "chart"},
                collapsed=False,
                theme="light",
                children=[
                    W.Title(value="Quarterly", weight="bold", size="2xl", textAlign="center"),
                    W.Caption(value="Updated today", color="tertiary", truncate=True),
                    W.Markdown(id="md-1", value="# Heading\n\n- a\n- b"),
                    W.Badge(label="beta", variant="outline", size="sm"),
                    W.Icon(name="lucide:rocket"),
                    W.Image(
                        src="https://example.com/a.png",
                        alt="A",
                        fit="cover",
                        radius="md",
                        frame=True,
                        size=64,
                    ),
                    W.Divider(color="strong", size=2),
                    W.Text(
                        value="Streaming...",
                        streaming=True,
                        lineThrough=False,
                        width=120.5,
                        minLines=1,
                        maxLines=2,
                    ),
                    W.Button(
                        label="Docs",
                        onClickAction=ActionConfig(
                            type="open_docs", handler="client", loadingBehavior="none", streaming=False
                        ),
                        iconEnd="external-link",
                        color="secondary",
                        variant="outline",
                        size="sm",
                        pill=False,
                        uniform=True,
                        disabled=False,
                    ),
                ],
            ),
        ),
        "widget-chart": (
            "WidgetRoot",
            lambda: W.Card(
                children=[
                    W.Chart(
                        data=[
                            {"month": "Jan", "sales": 10, "cost": 4.5},
                            {"month": "Feb", "sales": 12, "cost": 5},
                        ],
                        series=[
                            W.BarSeries(label="Sales", dataKey="sales", color="blue"),
                            W.LineSeries(label=None, dataKey="cost", curveType="monotone"),
                        ],
                        xAxis={"dataKey": "month"},
                        showLegend=True,
                        height=200,
                    )
                ]
            ),
        ),
        # A Basic root's children are dynamic: the action keeps only the keys written.
        "widget-basic-root": (
            "WidgetRoot",
            lambda: template(
                {
                    "type": "Basic",
                    "children": [
                        {"type": "Text", "value": "Inside Basic"},
                        {
                            "type": "Button",
                            "label": "Go",
                            "onClickAction": {"type": "go", "payload": {"to": "{{ to }}"}},
                        },
                    ],
                },
                {"to": "/home"},
            ),
        ),
        "widget-template-counter": (
            "WidgetRoot",
            lambda: template(
                {
                    "type": "Card",
                    "size": "sm",
                    "children": [
                        {"type": "Text", "value": "Count: {{ count }}", "weight": "bold"},
                        {
                            "type": "Button",
                            "label": "Increment",
                            "onClickAction": {"type": "increment", "payload": {"count": 5}},
                        },
                    ],
                },
                {"count": 5},
            ),
        ),
        "widget-component-button": (
            "WidgetComponent",
            lambda: W.Button(
                label="Next", onClickAction=IncrementAction.create(IncrementPayload(count=1))
            ),
        ),
    }


# --- actions ---------------------------------------------------------------------------


def action_cases() -> dict[str, tuple[str, Callable[[], Any]]]:
    toggle = {"id": "x1"}
    return {
        "action-config-defaults": ("ActionConfig", lambda: ActionConfig(type="noop")),
        "action-config-client-none-nostream": (
            "ActionConfig",
            lambda: ActionConfig(
                type="toggle", payload=toggle, handler="client", loadingBehavior="none", streaming=False
            ),
        ),
        "action-config-server-self-stream": (
            "ActionConfig",
            lambda: ActionConfig(type="toggle", payload=toggle, loadingBehavior="self"),
        ),
        "action-config-server-container-nostream": (
            "ActionConfig",
            lambda: ActionConfig(
                type="toggle", payload=toggle, loadingBehavior="container", streaming=False
            ),
        ),
        "action-config-client-auto-stream": (
            "ActionConfig",
            lambda: ActionConfig(type="toggle", payload=toggle, handler="client"),
        ),
        # A standalone ActionConfig keeps the nulls inside a dict payload.
        "action-config-dict-payload-with-null": (
            "ActionConfig",
            lambda: ActionConfig(
                type="filter",
                payload={"query": "shoes", "page": None, "ids": [1, None, 3], "nested": {"a": None}},
            ),
        ),
        "action-config-scalar-payload": (
            "ActionConfig",
            lambda: ActionConfig(type="set_count", payload=42),
        ),
        "action-create-example": (
            "ActionConfig",
            lambda: ExampleAction.create(ExamplePayload(item_id="it_1", count=3, tags=["a", "b"])),
        ),
        "action-create-example-client-nostream": (
            "ActionConfig",
            lambda: ExampleAction.create(
                ExamplePayload(item_id="it_2", note="hello"),
                handler="client",
                loading_behavior="none",
                streaming=False,
            ),
        ),
        "action-create-increment": (
            "ActionConfig",
            lambda: IncrementAction.create(IncrementPayload(count=10), loading_behavior="self"),
        ),
        "action-example-typed": (
            "Action",
            lambda: ExampleAction(type="example", payload=ExamplePayload(item_id="it_1", count=3)),
        ),
        "action-increment": ("Action", lambda: IncrementAction(type="increment", payload=IncrementPayload(count=1))),
        "action-no-payload": ("Action", lambda: Action[Literal["ping"], None](type="ping")),
    }


# --- thread items, events, requests and responses --------------------------------------


def item_cases() -> dict[str, tuple[str, Callable[[], Any]]]:
    return {
        "item-widget": ("ThreadItem", lambda: counter_item(1)),
        "item-hidden-context": (
            "ThreadItem",
            lambda: T.HiddenContextItem(
                id="hcx_1", thread_id=THREAD, created_at=NOON, content="User clicked increment (count=1)"
            ),
        ),
        "item-sdk-hidden-context": (
            "ThreadItem",
            lambda: T.SDKHiddenContextItem(
                id="shcx_1", thread_id=THREAD, created_at=LATER, content="The user cancelled the stream."
            ),
        ),
        "item-assistant-message": (
            "ThreadItem",
            lambda: T.AssistantMessageItem(
                id="msg_a1",
                thread_id=THREAD,
                created_at=LATER,
                content=[T.AssistantMessageContent(text="Hello! How can I help?")],
            ),
        ),
        "item-user-message": (
            "ThreadItem",
            lambda: T.UserMessageItem(
                id="msg_u1",
                thread_id=THREAD,
                created_at=NOON,
                content=[T.UserMessageTextContent(text="Show my counter")],
                inference_options=T.InferenceOptions(),
            ),
        ),
        "item-end-of-turn": (
            "ThreadItem",
            lambda: T.EndOfTurnItem(id="eot_1", thread_id=THREAD, created_at=LATER),
        ),
    }


def event_cases() -> dict[str, tuple[str, Callable[[], Any]]]:
    def updated(item_id: str, update: Any) -> T.ThreadItemUpdatedEvent:
        return T.ThreadItemUpdatedEvent(item_id=item_id, update=update)

    return {
        "event-thread-created": (
            "ThreadStreamEvent",
            lambda: T.ThreadCreatedEvent(
                thread=T.Thread(id=THREAD, created_at=NOON, items=T.Page(data=[]))
            ),
        ),
        "event-item-added-widget": (
            "ThreadStreamEvent",
            lambda: T.ThreadItemAddedEvent(item=counter_item(0)),
        ),
        "event-item-done-widget": (
            "ThreadStreamEvent",
            lambda: T.ThreadItemDoneEvent(
                item=T.WidgetItem(
                    id="wid_form", thread_id=THREAD, created_at=NOON, widget=W.Card(children=[profile_form()])
                )
            ),
        ),
        "event-item-replaced-widget": (
            "ThreadStreamEvent",
            lambda: T.ThreadItemReplacedEvent(item=counter_item(2)),
        ),
        "event-item-removed": ("ThreadStreamEvent", lambda: T.ThreadItemRemovedEvent(item_id="msg_a1")),
        "event-updated-widget-root": (
            "ThreadStreamEvent",
            lambda: updated(WIDGET, T.WidgetRootUpdated(widget=counter_card(3))),
        ),
        "event-updated-streaming-text-delta": (
            "ThreadStreamEvent",
            lambda: updated(
                WIDGET, T.WidgetStreamingTextValueDelta(component_id="count-label", delta="Cou", done=False)
            ),
        ),
        "event-updated-component": (
            "ThreadStreamEvent",
            lambda: updated(
                WIDGET,
                T.WidgetComponentUpdated(
                    component_id="count-label",
                    component=W.Text(id="count-label", value="Count: 4", streaming=False),
                ),
            ),
        ),
        "event-updated-assistant-text-delta": (
            "ThreadStreamEvent",
            lambda: updated(
                "msg_a1", T.AssistantMessageContentPartTextDelta(content_index=0, delta="Hel")
            ),
        ),
        "event-stream-options": (
            "ThreadStreamEvent",
            lambda: T.StreamOptionsEvent(stream_options=T.StreamOptions(allow_cancel=True)),
        ),
        "event-error-stream-error": (
            "ThreadStreamEvent",
            lambda: T.ErrorEvent(code="stream.error", allow_retry=True),
        ),
        "event-error-custom-message": (
            "ThreadStreamEvent",
            lambda: T.ErrorEvent(message="Counter overflow"),
        ),
        "event-error-defaults": ("ThreadStreamEvent", lambda: T.ErrorEvent()),
        "event-notice": (
            "ThreadStreamEvent",
            lambda: T.NoticeEvent(level="info", message="Saved. [Undo](https://example.com)", title="Heads up"),
        ),
        "event-notice-warning": (
            "ThreadStreamEvent",
            lambda: T.NoticeEvent(level="warning", message="Slow down"),
        ),
        "event-progress-update": (
            "ThreadStreamEvent",
            lambda: T.ProgressUpdateEvent(icon="search", text="Searching..."),
        ),
        "event-client-effect": (
            "ThreadStreamEvent",
            lambda: T.ClientEffectEvent(name="confetti", data={"count": 3, "colors": ["red", "blue"]}),
        ),
        "event-client-effect-no-data": (
            "ThreadStreamEvent",
            lambda: T.ClientEffectEvent(name="refresh_sidebar"),
        ),
    }


def request_cases() -> dict[str, tuple[str, Callable[[], Any]]]:
    def message(text: str) -> T.UserMessageInput:
        return T.UserMessageInput(
            content=[T.UserMessageTextContent(text=text)],
            attachments=[],
            inference_options=T.InferenceOptions(),
        )

    return {
        "req-custom-action-with-item": (
            "ChatKitReq",
            lambda: T.ThreadsCustomActionReq(
                params=T.ThreadCustomActionParams(
                    thread_id=THREAD,
                    item_id=WIDGET,
                    action=Action[str, Any](type="increment", payload={"count": 1}),
                )
            ),
        ),
        "req-custom-action-no-item": (
            "ChatKitReq",
            lambda: T.ThreadsCustomActionReq(
                params=T.ThreadCustomActionParams(thread_id=THREAD, action=Action[str, Any](type="refresh"))
            ),
        ),
        "req-sync-custom-action": (
            "ChatKitReq",
            lambda: T.ThreadsSyncCustomActionReq(
                params=T.ThreadCustomActionParams(
                    thread_id=THREAD,
                    item_id=WIDGET,
                    action=Action[str, Any](type="increment", payload={"count": 4}),
                )
            ),
        ),
        "req-threads-create": (
            "ChatKitReq",
            lambda: T.ThreadsCreateReq(params=T.ThreadCreateParams(input=message("Hi there"))),
        ),
        "req-add-user-message": (
            "ChatKitReq",
            lambda: T.ThreadsAddUserMessageReq(
                params=T.ThreadAddUserMessageParams(input=message("Increment twice"), thread_id=THREAD)
            ),
        ),
        "req-get-by-id": (
            "ChatKitReq",
            lambda: T.ThreadsGetByIdReq(params=T.ThreadGetByIdParams(thread_id=THREAD)),
        ),
        "req-items-list": (
            "ChatKitReq",
            lambda: T.ItemsListReq(
                params=T.ItemsListParams(thread_id=THREAD, limit=20, order="asc", after="msg_u1")
            ),
        ),
        "req-threads-list": (
            "ChatKitReq",
            lambda: T.ThreadsListReq(params=T.ThreadListParams(limit=5)),
        ),
    }


def response_cases() -> dict[str, tuple[str, Callable[[], Any]]]:
    return {
        "response-thread": (
            "Thread",
            lambda: T.Thread(
                title="Counter demo",
                id=THREAD,
                created_at=NOON,
                items=T.Page(
                    data=[
                        T.AssistantMessageItem(
                            id="msg_a1",
                            thread_id=THREAD,
                            created_at=LATER,
                            content=[T.AssistantMessageContent(text="Hi")],
                        ),
                        counter_item(1),
                    ]
                ),
            ),
        ),
        "response-items-page": (
            "Page[ThreadItem]",
            lambda: T.Page[T.ThreadItem](data=[counter_item(5)], has_more=True, after=WIDGET),
        ),
        "response-sync-custom-action": (
            "SyncCustomActionResponse",
            lambda: T.SyncCustomActionResponse(updated_item=counter_item(5)),
        ),
        "response-sync-custom-action-none": (
            "SyncCustomActionResponse",
            lambda: T.SyncCustomActionResponse(),
        ),
    }


# --- writing ---------------------------------------------------------------------------


def serialize(value: Any, kind: str) -> Any:
    """The value as the SDK server writes it (`ChatKitServer._serialize`), as JSON."""
    options = {"by_alias": True, "exclude_none": True, "context": {"exclude_metadata": True}}
    if isinstance(value, BaseModel):
        return json.loads(value.model_dump_json(**options))
    return json.loads(TypeAdapter(KINDS[kind]).dump_json(value, **options))


def case(name: str, kind: str, value: Any) -> dict[str, Any]:
    written = serialize(value, kind)
    # What the SDK writes back after parsing its own output as `kind`.
    again = serialize(TypeAdapter(KINDS[kind]).validate_python(written), kind)
    out = {"name": name, "kind": kind, "json": written}
    if again != written:
        out["roundtrip"] = again
    return out


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: generate.py OUT_DIR", file=sys.stderr)
        return 2
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    cases: dict[str, tuple[str, Callable[[], Any]]] = {}
    for group in (action_cases, widget_cases, item_cases, event_cases, request_cases, response_cases):
        cases.update(group())
    for stale in out.glob("*.json"):
        if stale.stem not in cases:
            stale.unlink()
    for name, (kind, build) in sorted(cases.items()):
        text = json.dumps(case(name, kind, build()), indent=2, ensure_ascii=False)
        (out / f"{name}.json").write_text(text + "\n", encoding="utf-8")
    print(f"{len(cases)} cases written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
