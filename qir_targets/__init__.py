"""QIR: lowering the IR to QIR profiles, loading QIR, and the catalogue of Azure targets."""

from __future__ import annotations

from .catalog import Target, target, targets

__all__ = ["Target", "target", "targets"]
