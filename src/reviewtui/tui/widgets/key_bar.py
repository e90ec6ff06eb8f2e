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

    def on_resize(self) -> None:
        self.refresh_keys()

    def refresh_keys(self) -> None:
        """Redraw from the screen's active bindings (one entry per action, first key shown).

        When the line is too narrow for every key, keys are left out from the end of the list, but
        Back to review, Help and Quit always stay (they come last)."""
        seen: set[str] = set()
        entries: list[tuple[str, str, bool]] = []
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            entries.append((key_label(binding.key.split(",")[0]), binding.description, enabled))
        self.update(Content.assemble(*self._parts(fit_entries(entries, self.size.width))))

    @staticmethod
    def _parts(entries: list[tuple[str, str, bool]]) -> list[str | tuple[str, str]]:
        parts: list[str | tuple[str, str]] = []
        for key, description, enabled in entries:
            style = "bold $footer-key-foreground" if enabled else "$text-disabled"
            parts += [(f" {key} ", style), description, " "]
        return parts


KEPT = ("Back to review", "Help", "Quit")
"""Descriptions that stay in a narrow key bar (moved to its end): how to go back, help, quit."""


def entry_width(entry: tuple[str, str, bool]) -> int:
    key, description, _enabled = entry
    return len(key) + len(description) + 3


def fit_entries(entries: list[tuple[str, str, bool]], width: int) -> list[tuple[str, str, bool]]:
    """The entries that fit in `width` cells: the `KEPT` ones always, the others in order."""
    if width <= 0 or sum(map(entry_width, entries)) <= width:
        return entries
    kept = [entry for entry in entries if entry[1] in KEPT]
    others = [entry for entry in entries if entry[1] not in KEPT]
    room = width - sum(map(entry_width, kept))
    shown: list[tuple[str, str, bool]] = []
    for entry in others:
        if entry_width(entry) > room:
            break
        shown.append(entry)
        room -= entry_width(entry)
    return shown + kept
