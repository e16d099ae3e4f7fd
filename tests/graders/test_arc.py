"""The ``arc_grid`` grader: where the grid is read from, and what counts as equal."""

from __future__ import annotations

import pytest

from xrouter.data.schema import BenchmarkItem
from xrouter.graders import grade
from xrouter.graders.rules.arc import extract_grids

GRID = [[0, 1], [1, 0]]
OTHER = [[5, 5, 5]]


def item(*outputs) -> BenchmarkItem:
    return BenchmarkItem(
        "arc_agi/t",
        "arc_agi",
        "",
        "logic",
        [{"role": "user", "content": "q"}],
        {"outputs": list(outputs)},
        "arc_grid",
        {},
    )


@pytest.mark.parametrize(
    ("response", "rule"),
    [
        ("Here:\n```json\n[[0,1],[1,0]]\n```", "json_block"),
        ("```json\n[\n  [0, 1],\n  [1, 0]\n]\n```", "json_block"),
        ("Draft ```json\n[[9,9],[9,9]]\n``` final ```json\n[[0,1],[1,0]]\n```", "json_block"),
        ("```\n[[0,1],[1,0]]\n```", "json_block"),
        ("```json\nOutput grid: [[0,1],[1,0]]\n```", "json_block_array"),
        ("The output is [[0,1],[1,0]].", "last_array"),
        ("Input [[1,1],[1,1]] becomes [[0,1],[1,0]]", "last_array"),
        ("```json\n[[[0,1],[1,0]]]\n```", "json_block"),  # one grid wrapped in a list
    ],
)
def test_reads_the_answer_grid(response, rule):
    assert extract_grids(response)[1] == rule
    assert grade(response, item(GRID)).score == 1.0


@pytest.mark.parametrize(
    "response",
    [
        "```json\n[[0,1],[1,1]]\n```",  # one cell off
        "```json\n[[0,1]]\n```",  # a row missing
        "```json\n[[0,1],[1,0],[0,0]]\n```",
        "```json\n[[0,1.0],[1,0]]\n```",  # a float is no cell
        "```json\n[[false,true],[true,false]]\n```",  # nor is a boolean
        '```json\n{"grid": [[0,1],[1,0]]}\n```',  # not a grid
        "no grid at all",
        "",
        "[" * 5000 + "1",  # degenerate output must not hang or raise
    ],
)
def test_wrong_or_missing_grid_scores_zero(response):
    assert grade(response, item(GRID)).score == 0.0


def test_several_test_inputs_need_every_grid_in_order():
    two = item(GRID, OTHER)
    assert grade("```json\n[[[0,1],[1,0]],[[5,5,5]]]\n```", two).score == 1.0
    assert grade("```json\n[[[5,5,5]],[[0,1],[1,0]]]\n```", two).score == 0.0
    result = grade("```json\n[[0,1],[1,0]]\n```", two)
    assert (result.score, result.reason) == (0.0, "json_block: 1 grid(s) for 2 test input(s)")


def test_extracted_is_compact_json():
    assert grade("```json\n[[0, 1], [1, 0]]\n```", item(GRID)).extracted == "[[0,1],[1,0]]"
