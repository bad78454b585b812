"""How each event type looks on a terminal (rich). Only events.ConsoleRenderer uses this."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from rich.console import Console, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ap.core.models import Event
from ap.core.text import for_terminal

if TYPE_CHECKING:
    from rich.live import Live


def for_terminal_data(value: Any) -> Any:
    """``value`` (an event's payload) with every text in it made safe for a terminal."""
    if isinstance(value, str):
        return for_terminal(value)
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if isinstance(value, dict):
        return {k: for_terminal_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [for_terminal_data(v) for v in value]
    return value


def _get(ev: Event, key: str, default: Any = None) -> Any:
    """One value of an event's payload, safe for a terminal: how every view reads one."""
    return for_terminal_data(ev.payload().get(key, default))


def _as_dict(value: Any) -> dict[str, Any]:
    if hasattr(value, "model_dump"):
        return dict(value.model_dump(mode="json"))
    return dict(value) if isinstance(value, dict) else {}


def phase_start(console: Console, ev: Event) -> None:
    title = _get(ev, "title") or ev.phase
    console.rule(f"[bold]{escape(str(title))}")


def phase_complete(console: Console, ev: Event) -> None:
    message = _get(ev, "message") or f"{ev.phase} complete"
    mark = "[red]✗[/]" if _get(ev, "ok") is False else "[green]✓[/]"
    console.print(f"{mark} {escape(str(message))}", soft_wrap=True)  # paths stay whole


def message(console: Console, ev: Event) -> None:
    level = _get(ev, "level", "info")
    style = {"warning": "yellow", "error": "red"}.get(level, "")
    text = escape(str(_get(ev, "message", "")))
    console.print(f"[{style}]{text}[/]" if style else text, soft_wrap=True)  # commands stay whole


def task_type(console: Console, ev: Event) -> None:
    reasons = "; ".join(_get(ev, "reasons", []) or [])
    console.print(f"task type: [bold]{escape(str(_get(ev, 'task_type')))}[/] {escape(reasons)}")


def objectives_created(console: Console, ev: Event) -> None:
    table = Table(title="Objectives", title_justify="left")
    for col in ("id", "title", "scope touch", "depends on"):
        table.add_column(col)
    for raw in _get(ev, "objectives", []):
        o = _as_dict(raw)
        table.add_row(
            str(o.get("id")),
            escape(str(o.get("title", ""))),
            escape(" ".join(o.get("scope_touch", []))),
            ", ".join(o.get("depends_on", [])) or "—",
        )
    console.print(table)


def waves_created(console: Console, ev: Event) -> None:
    waves = _get(ev, "waves", [])
    for i, wave in enumerate(waves, 1):
        console.print(f"wave {i}: {', '.join(wave)}")
    bound = _get(ev, "lower_bound")
    optimal = _get(ev, "optimal")
    quality = "proven optimal" if optimal else "heuristic"
    console.print(f"{len(waves)} wave(s); lower bound {bound}; {quality}")


def scope_validated(console: Console, ev: Event) -> None:
    validation = _as_dict(_get(ev, "scope_validation", {}))
    for c in validation.get("conflicts", []):
        console.print(
            f"  {c['a']} and {c['b']} may both edit {escape(c['witness'])} (kept in separate waves)"
        )
    for v in validation.get("violations", []):
        console.print(f"[red]✗ {escape(v['rule'])}[/]: {escape(v['message'])}")
    if validation.get("valid", True):
        console.print("[green]✓[/] scopes valid: no two objectives of a wave share a path")


def status(console: Console, ev: Event) -> None:
    """One line: the phase (and wave), the progress with failed and blocked objectives
    apart, the elapsed and estimated remaining time, what is going on."""
    wave = _get(ev, "wave")
    parts = [str(ev.phase) + (f", wave {wave}" if wave is not None else "")]
    pct = _get(ev, "progress_percent")
    if pct is not None:
        parts.append(f"{pct:.0f}%" + _counted(_as_dict(_get(ev, "counts"))))
    if elapsed := _get(ev, "elapsed"):
        parts.append(f"{elapsed:.0f} s")
    if (left := _get(ev, "estimated_remaining")) is not None:
        parts.append(f"about {left:.0f} s left")
    activity = _get(ev, "current_activity")
    line = escape(" · ".join(parts)) + (f" — {escape(str(activity))}" if activity else "")
    console.print(f"[dim]{line}[/]" if not activity else line, soft_wrap=True)


def _counted(counts: dict[str, Any]) -> str:
    """`` (2 of 4 merged; 1 failed, 1 blocked)`` from a status event's counts, if any."""
    if not counts:
        return ""
    apart = [f"{counts[s]} {s}" for s in ("failed", "blocked") if counts.get(s)]
    if counts.get("no_change"):
        apart.insert(0, f"{counts['no_change']} with no change")
    merged = (
        f"{counts.get('merged', 0) + counts.get('no_change', 0)} of {sum(counts.values())} merged"
    )
    return f" ({merged}" + ("; " + ", ".join(apart) if apart else "") + ")"


def progress(console: Console, ev: Event) -> None:
    """Execution events: their message when they carry one, else a short line."""
    text = _get(ev, "message")
    if text is None:
        task = _get(ev, "task")
        status = _get(ev, "status") or ev.type.removeprefix("objective_")
        reason = _get(ev, "reason")
        text = f"{task}: {status}" + (f" — {reason}" if reason else "") if task else None
    if text is None:
        generic(console, ev)
        return
    failed = _get(ev, "ok") is False or _get(ev, "status") == "failed"
    console.print(f"[red]✗[/] {escape(str(text))}" if failed else escape(str(text)))


def gate_result(console: Console, ev: Event) -> None:
    passed = bool(_get(ev, "passed"))
    mark = "[green]✓[/]" if passed else "[red]✗[/]"
    console.print(
        f"{mark} gate {escape(str(_get(ev, 'name')))} ({_get(ev, 'duration', 0.0):.1f} s)"
    )


def run_summary(console: Console, ev: Event) -> None:
    rows = _get(ev, "objectives", []) or []
    if not rows:
        return
    table = Table(title="Run", title_justify="left")
    for col in ("objective", "worker", "status", "seconds", "reason"):
        table.add_column(col)
    for r in rows:
        elapsed = r.get("elapsed")
        table.add_row(
            str(r.get("task")),
            escape(str(r.get("worker") or "")),
            str(r.get("status")),
            "" if elapsed is None else f"{elapsed:.1f}",
            escape(str(r.get("reason") or "")),
        )
    console.print(table)


def generic(console: Console, ev: Event) -> None:
    payload = ((k, _get(ev, k)) for k in ev.payload())
    fields = ", ".join(f"{k}={v}" for k, v in payload if not isinstance(v, (dict, list)))
    console.print(f"[dim]{escape(ev.type)}[/] {escape(fields)}")


class RunningPanel:
    """The objectives a run is working on, drawn live on a terminal below the printed
    lines: task, elapsed time (ticking), worker, the last line its worker wrote."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._running: dict[str, tuple[float, str, str]] = {}  # task -> started, worker, last
        self._live: Live | None = None

    def take(self, ev: Event) -> bool:
        """Follow an execution event; True when it is shown here instead of printed."""
        task = str(_get(ev, "task", ""))
        if ev.type == "objective_started" and _get(ev, "worker") is not None:
            self._running[task] = (time.monotonic(), str(_get(ev, "worker")), "")
            self._show()
        elif ev.type == "objective_progress" and task in self._running:
            started, worker, _ = self._running[task]
            self._running[task] = (started, worker, str(_get(ev, "last_activity") or ""))
            return True
        elif ev.type == "objective_finished":
            self._running.pop(task, None)
            if not self._running:
                self.stop()  # (back when the next wave's work starts)
        return False

    def stop(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def _show(self) -> None:
        if self._live is None:
            from rich.live import Live  # (only on a terminal)

            self._live = Live(
                get_renderable=self._lines,
                console=self.console,
                refresh_per_second=4,
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()

    def _lines(self) -> RenderableType:
        now = time.monotonic()
        grid = Table.grid(padding=(0, 2))
        for task, (started, worker, last) in sorted(dict(self._running).items()):
            grid.add_row(
                Text(task, style="bold"),
                Text("running", style="cyan"),
                Text(f"{now - started:4.0f} s"),
                Text(worker, style="dim"),
                Text(last[:80], style="dim", no_wrap=True, overflow="ellipsis"),
            )
        return grid


def follow(console: Console, look: Callable[[], tuple[str, bool]], interval: float) -> None:
    """Redraw ``look()``'s text in place every ``interval`` seconds until it says it has
    ended (``ap status --watch`` on a terminal); the last one stays on the screen."""
    from rich.live import Live

    text, ended = look()
    with Live(Text(text), console=console, auto_refresh=False) as live:
        while not ended:
            time.sleep(interval)
            text, ended = look()
            live.update(Text(text), refresh=True)


VIEWS: dict[str, Callable[[Console, Event], None]] = {
    "phase_start": phase_start,
    "phase_complete": phase_complete,
    "message": message,
    "task_type_determined": task_type,
    "objectives_created": objectives_created,
    "waves_created": waves_created,
    "scope_validated": scope_validated,
    "status": status,
    "objective_started": progress,
    "objective_finished": progress,
    "scope_granted": progress,
    "scope_request": progress,
    "objective_progress": progress,
    "run_summary": run_summary,
    "gate_result": gate_result,
    "contract_checked": progress,
    "contract_broken": progress,
}
