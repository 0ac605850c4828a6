"""``activo status`` for people: the snapshot as Spanish lines (pure)."""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType

from activo.paths import Paths
from activo.state_store import Problem
from activo.status import Snapshot

_JOB_ES = MappingProxyType({
    "orders": "pedidos", "master_data": "datos maestros", "retry": "reintento",
    "sync_once": "sync --once", "heartbeat": "latido", "commands": "comandos",
    "images": "imágenes"})
PROBLEM_LABEL_ES = MappingProxyType({
    Problem.AUTH: "Token", Problem.CLOUD: "Nube", Problem.TANGO: "Tango",
    Problem.CONFLICT: "Otro agente"})


def ago_es(when: datetime | None, now: datetime) -> str:
    """«hace 2 min», «hace 5 s», «hace 3 h», «hace 2 días», or «nunca»."""
    if when is None:
        return "nunca"
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 60:
        return f"hace {seconds} s"
    if seconds < 3600:
        return f"hace {seconds // 60} min"
    if seconds < 86_400:
        return f"hace {seconds // 3600} h"
    days = seconds // 86_400
    return f"hace {days} día{'s' if days != 1 else ''}"


def local_es(when: datetime | None) -> str:
    return when.astimezone().strftime("%d/%m/%Y %H:%M:%S") if when else "—"


def status_lines(snap: Snapshot, paths: Paths) -> list[str]:
    now = snap.now
    lines = []
    if snap.engine_running and snap.engine:
        state = "pausado" if snap.paused else ("sincronizando" if snap.syncing else "corriendo")
        lines.append(f"Motor: {state} (PID {snap.engine.get('pid')} en {snap.engine.get('host')}, "
                     f"versión {snap.engine.get('version')}, desde "
                     f"{local_es(datetime.fromisoformat(snap.engine['started_at']))})")
    else:
        lines.append("Motor: detenido" + (" (quedó en pausa)" if snap.paused else ""))
    for problem, message in snap.problems.items():
        lines.append(f"  ✗ {PROBLEM_LABEL_ES[problem]}: {message}")
    if snap.master_stale:
        lines.append("  ! Los datos maestros de la nube están desactualizados.")
    lines.append(f"Último sync: {ago_es(snap.last_sync_at, now)} · último pedido en Tango: "
                 f"{ago_es(snap.last_order_ok_at, now)} · datos maestros: "
                 f"{ago_es(snap.last_master_sync_at, now)}")
    lines.append(f"Pedidos hoy: {snap.orders_today} · con error: {snap.orders_in_error} · "
                 f"sin confirmar a la nube: {snap.pending_acks} · comandos en espera: "
                 f"{snap.pending_commands}")
    if snap.order_errors:
        lines.append("Pedidos con error:")
        for error in snap.order_errors:
            lines.append(f"  {error.code} ({error.attempts} intento(s), {local_es(error.since)}): "
                         f"{error.reason}")
    if snap.runs:
        lines.append("Últimas corridas:")
        for run in snap.runs:
            mark = "…" if run.ok is None else ("✓" if run.ok else "✗")
            counts = []
            if run.records_pushed:
                counts.append(f"{run.records_pushed} registros")
            if run.orders_written or run.orders_failed:
                counts.append(f"{run.orders_written} pedidos, {run.orders_failed} con error")
            detail = f" — {run.errors[0]}" if run.errors else ""
            lines.append(f"  {mark} {local_es(run.started_at)} {_JOB_ES.get(run.job, run.job)}"
                         f"{': ' + ', '.join(counts) if counts else ''}{detail}")
    else:
        lines.append("Todavía no hubo corridas en este equipo.")
    lines.append(f"Carpeta de datos: {paths.data_dir}")
    return lines
