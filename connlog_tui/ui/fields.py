"""A text field that handles every key typed into it in the order typed."""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class OrderedInput(Input):
    """An Input that runs its own bindings (Enter, Backspace, arrows…) as each key comes,
    in order with the characters around it. Textual inserts a character when the field
    gets the key, but runs a binding only once the key has bubbled up to the app; in a
    burst (a paste, keys an SSH link delivered together) `x<Backspace>0` then deleted the
    0, and the text typed after Enter went in before Enter was acted on.

    With `then_focus` (a selector on the field's screen), Enter also moves focus there at
    once, so a key typed right after Enter (`/abc<Enter>e`) acts on the screen, not the
    field; a handler of Submitted would move it only after the queued keys."""

    def __init__(self, *args, then_focus: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.then_focus = then_focus

    async def action_submit(self) -> None:
        await super().action_submit()
        if self.then_focus is not None:
            self.screen.set_focus(self.screen.query_one(self.then_focus))

    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable:
            for binding in self._bindings.key_to_bindings.get(event.key, ()):
                if await self.app.run_action(binding.action, self):
                    event.stop()
                    event.prevent_default()
                    return
        await super()._on_key(event)
