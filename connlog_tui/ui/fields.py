"""A text field that handles every key typed into it in the order typed."""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class OrderedInput(Input):
    """An Input that runs its own bindings (Enter, Backspace, arrows…) as each key comes,
    in order with the characters around it. Textual inserts a character when the field
    gets the key, but runs a binding only once the key has bubbled up to the app; in a
    burst (a paste, keys an SSH link delivered together) `x<Backspace>0` then deleted the
    0, and the text typed after Enter went in before Enter was acted on."""

    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable:
            for binding in self._bindings.key_to_bindings.get(event.key, ()):
                if await self.app.run_action(binding.action, self):
                    event.stop()
                    event.prevent_default()
                    return
        await super()._on_key(event)
