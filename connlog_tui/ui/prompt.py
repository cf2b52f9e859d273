"""A one-line prompt (a time to jump to, a note on a row, a saved view's name)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class PromptScreen(ModalScreen[str | None]):
    """Asks for one line of text (a time to jump to, a note); None if cancelled."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = """
    PromptScreen { align: center middle; }
    PromptScreen > Vertical {
        width: 70; max-width: 100%; height: auto; border: thick $accent; padding: 1 2;
        background: $surface;
    }
    """

    def __init__(self, prompt: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.prompt, self.value, self.placeholder = prompt, value, placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.prompt, markup=False)
            yield self.field()

    def field(self) -> Input:
        return Input(value=self.value, placeholder=self.placeholder, id="prompt")

    def answer(self, typed: str) -> str | None:
        return typed

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(self.answer(event.value))
