"""Name -> metric function registry (`xrouter.registry.Registry`).

Metric modules decorate their scalar metrics with ``@register_metric("name")``; pipelines and configs then
look them up with :func:`get_metric`. Registering a name twice raises, and so does asking for a name that
does not exist (the message lists the names that do).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xrouter.registry import Registry, UnknownNameError

MetricFn = Callable[..., Any]


class UnknownMetricError(UnknownNameError):
    """Raised by :func:`get_metric` for a name that no module registered."""


METRICS: Registry[MetricFn] = Registry("metric", error=UnknownMetricError)
register_metric = METRICS.register
get_metric = METRICS.get
