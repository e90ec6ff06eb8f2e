"""Provides `KeyBar`: a one-line footer of the keys that matter now, generated from the bindings.

It lists the active bindings marked `show=True` (of the focused widget, its screen and the app), one
`key description` pair each, and redraws when the screen's bindings change. One widget draws the
whole line (Textual's `Footer` mounts a widget per key, which costs more on every focus change).
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from reviewtui.tui.screens.help import key_label


class KeyBar(Static):
    """The keys of the screen in view, generated from its `BINDINGS`."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-description-foreground;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.refresh_keys()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: object) -> None:
        self.refresh_keys()

    def refresh_keys(self) -> None:
        """Redraw from the screen's active bindings (one entry per action, first key shown)."""
        seen: set[str] = set()
        parts: list[str | tuple[str, str]] = []
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            style = "bold $footer-key-foreground" if enabled else "$text-disabled"
            parts += [
                (f" {key_label(binding.key.split(',')[0])} ", style),
                binding.description,
                " ",
            ]
        self.update(Content.assemble(*parts))
