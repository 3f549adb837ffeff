"""The engagement figures' own settings (``HUB_METRICS_*``), with production defaults.

Read from ``Settings.extra`` first (tests pass them there), then from the environment, so the
worker, beat and web processes of one deployment agree without touching ``hub.config``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from hub.config import Settings


@dataclass(frozen=True)
class MetricsSettings:
    # Seconds between passes that look for due snapshots (HUB_METRICS_INTERVAL; default 60,
    # shorter when the schedule is sped up).
    interval: float = 60.0
    # How much faster the snapshot schedule runs (HUB_METRICS_SPEEDUP; the demo: 60).
    speedup: float = 1.0
    # Deliveries per network request (X, Facebook and YouTube take 50 ids or more per call).
    batch: int = 50
    # At most this many deliveries per channel and pass, so one task never runs for long.
    per_channel: int = 500
    # Seconds a worker may hold due rows before another pass may take them again.
    lease: float = 600.0

    @classmethod
    def from_settings(
        cls, settings: Settings, environ: Mapping[str, str] | None = None
    ) -> MetricsSettings:
        env = os.environ if environ is None else environ

        def number(name: str, default: float) -> float:
            value = settings.extra.get(f"metrics_{name}") or env.get(f"HUB_METRICS_{name.upper()}")
            return float(value) if value not in (None, "") else default  # type: ignore[arg-type]

        speedup = number("speedup", cls.speedup)
        # By default a pass comes at least three times per 15-minute step of the schedule.
        interval = number("interval", min(cls.interval, max(1.0, 300.0 / max(speedup, 1e-9))))
        if interval <= 0 or speedup <= 0:
            raise ValueError("HUB_METRICS_INTERVAL and HUB_METRICS_SPEEDUP must be above 0")
        return cls(interval=interval, speedup=speedup)

    @property
    def account_interval(self) -> float:
        """Seconds between account figures (followers): a day, on the sped-up clock."""
        return 86400.0 / self.speedup
