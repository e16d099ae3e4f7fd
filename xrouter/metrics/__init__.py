"""Pure metrics for cost/accuracy routing, each registered by name in :data:`METRICS`.

Modules: :mod:`.basic` (accuracy, cost per 1k queries, calls per query), :mod:`.frontier` (Pareto and
convex frontiers, RouterBench AIQ), :mod:`.matching` (cost to reach an accuracy, saving against the best
single model), :mod:`.bootstrap` (paired bootstrap intervals against a reference), :mod:`.routellm` (PGR,
APGR, CPT) and :mod:`.arena` (RouterArena score). Importing this package registers all of them.
"""

from xrouter.metrics.arena import arena_cost_score, arena_score
from xrouter.metrics.basic import accuracy, calls_per_query, cost_per_1k
from xrouter.metrics.bootstrap import Interval, bootstrap_cost_saved, paired_bootstrap
from xrouter.metrics.frontier import convex_frontier, frontier_auc, pareto_frontier, shared_cost_range
from xrouter.metrics.matching import cost_saved_at_matched_accuracy, cost_to_match
from xrouter.metrics.registry import METRICS, UnknownMetricError, get_metric, register_metric
from xrouter.metrics.routellm import apgr, cpt, pgr

__all__ = [
    "METRICS",
    "Interval",
    "UnknownMetricError",
    "accuracy",
    "apgr",
    "arena_cost_score",
    "arena_score",
    "bootstrap_cost_saved",
    "calls_per_query",
    "convex_frontier",
    "cost_per_1k",
    "cost_saved_at_matched_accuracy",
    "cost_to_match",
    "cpt",
    "frontier_auc",
    "get_metric",
    "paired_bootstrap",
    "pareto_frontier",
    "pgr",
    "register_metric",
    "shared_cost_range",
]
