"""The server's settings: from ``initializationOptions`` and ``workspace/didChangeConfiguration``
(section ``glassgrad``), each with a default, each documented in docs/lsp.md."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar

from glassgrad.recording.files import DEFAULT_ROOT


@dataclass(frozen=True)
class Settings:
    runs_folder: str = DEFAULT_ROOT     # runsFolder: relative to each workspace folder
    inlay_hints: bool = True            # inlayHints.enabled
    inlay_verbosity: str = "shape"      # inlayHints.verbosity: shape | dtype | full
    stale: str = "mark"                 # stale: mark | hide (results of an edited file)
    explode_above: float = 1e3          # gradients.explodeAbove: gradient norm
    vanish_below: float = 1e-7          # gradients.vanishBelow: gradient norm
    dead_activations: bool = True       # deadActivations: warn when a ReLU outputs only 0
    live_poll_seconds: float = 1.0      # livePollSeconds: how often a recording run is read

    _KEYS: ClassVar[dict[str, str]] = {
        "runsFolder": "runs_folder", "inlayHints.enabled": "inlay_hints",
        "inlayHints.verbosity": "inlay_verbosity", "stale": "stale",
        "gradients.explodeAbove": "explode_above", "gradients.vanishBelow": "vanish_below",
        "deadActivations": "dead_activations", "livePollSeconds": "live_poll_seconds",
    }

    def updated(self, raw: Any) -> tuple[Settings, list[str]]:
        """These settings with ``raw`` (the ``glassgrad`` section, nested or dotted keys)
        applied; values of the wrong type are left at their previous value and reported."""
        flat: dict[str, Any] = {}
        _flatten(raw if isinstance(raw, dict) else {}, "", flat)
        values, problems = {}, []
        types = {f.name: f.type for f in fields(self)}
        for key, value in flat.items():
            name = self._KEYS.get(key)
            if name is None:
                continue
            want = types[name]
            ok = (isinstance(value, bool) if want == "bool" else
                  isinstance(value, (int, float)) and not isinstance(value, bool)
                  if want == "float" else isinstance(value, str))
            if name == "inlay_verbosity" and value not in ("shape", "dtype", "full"):
                ok = False
            if name == "stale" and value not in ("mark", "hide"):
                ok = False
            if name == "live_poll_seconds" and ok and not 0.05 <= value <= 3600:
                ok = False  # 0 or less would poll without a pause
            if ok:
                values[name] = float(value) if want == "float" else value
            else:
                problems.append(f"glassgrad.{key}: {value!r} is not a valid value")
        return replace(self, **values), problems


def _flatten(raw: dict, prefix: str, out: dict[str, Any]) -> None:
    for key, value in raw.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(value, name + ".", out)
        else:
            out[name] = value
