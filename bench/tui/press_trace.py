"""Per-press instrumentation of the review app, for `bench_tui.py --trace`.

`PressTrace` wraps, while it is active, every widget class's `render_lines` (outermost call only,
scrollbars attributed to the widget they scroll), the screen's layout pass (`_refresh_layout`), the
review screen's `redraw` and chunk-list refill, and the compositor update, and counts the garbage
collector's passes by generation with their time. `report(presses)` prints what one press costs on
average: which widget renders and how long, how many layout passes, refills and collections.
"""

from __future__ import annotations

import gc
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from textual.widget import Widget


def _widget_classes() -> list[type[Widget]]:
    found: list[type[Widget]] = []
    pending: list[type[Widget]] = [Widget]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return [cls for cls in set(found) if "render_lines" in cls.__dict__]


class PressTrace:
    """Time spent per label (`render ChunkList#chunks`, `layout`, `gc gen 2`…) and call counts."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._depth = 0
        self._gc_start = 0.0
        self.recording = True
        """False while untimed set-up work runs (opening the filter dialog before an Enter)."""

    def add(self, label: str, seconds: float) -> None:
        if not self.recording:
            return
        self.seconds[label] += seconds
        self.calls[label] += 1

    def clear(self) -> None:
        self.seconds.clear()
        self.calls.clear()

    @contextmanager
    def active(self, screen: Any) -> Iterator[None]:
        """Instrument the app while the block runs (and restore everything after)."""
        restore: list[Callable[[], None]] = []
        for cls in _widget_classes():
            restore.append(self._wrap_render(cls))
        for obj, name, label in (
            (screen, "_refresh_layout", "layout pass"),
            (screen, "redraw", "redraw (our code)"),
            (screen, "_fill_chunk_list", "chunk list refill"),
            (screen._compositor, "render_update", "compositor update (all renders)"),
        ):
            restore.append(self._wrap_call(obj, name, label))
        gc.callbacks.append(self._on_gc)
        try:
            yield
        finally:
            gc.callbacks.remove(self._on_gc)
            for undo in reversed(restore):
                undo()

    def _wrap_render(self, cls: type[Widget]) -> Callable[[], None]:
        original = cls.__dict__["render_lines"]
        trace = self

        def render_lines(widget: Widget, crop: Any) -> Any:
            if trace._depth:
                return original(widget, crop)
            trace._depth += 1
            start = time.perf_counter()
            try:
                return original(widget, crop)
            finally:
                trace._depth -= 1
                trace.add(_render_label(widget), time.perf_counter() - start)

        cls.render_lines = render_lines  # type: ignore[method-assign]
        return lambda: setattr(cls, "render_lines", original)

    def _wrap_call(self, obj: Any, name: str, label: str) -> Callable[[], None]:
        original = getattr(obj, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.add(label, time.perf_counter() - start)

        setattr(obj, name, timed)
        return lambda: delattr(obj, name)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            self.add(f"gc gen {info['generation']}", time.perf_counter() - self._gc_start)

    def report(self, name: str, presses: int) -> None:
        print(f"  {name}: per press (average over {presses})")
        for label, seconds in sorted(self.seconds.items(), key=lambda item: -item[1])[:16]:
            per_press = seconds / presses * 1000
            if per_press >= 0.05:
                calls = self.calls[label] / presses
                print(f"    {label:44s} {per_press:6.2f} ms  {calls:5.2f} calls")


def _render_label(widget: Widget) -> str:
    if type(widget).__name__ == "ScrollBar" and widget.parent is not None:
        owner = widget.parent
        return f"render scrollbar of {type(owner).__name__}#{owner.id}"
    return f"render {type(widget).__name__}#{widget.id}"
